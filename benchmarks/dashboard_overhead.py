"""How much the dashboard costs: lesson 1.0 at its defaults, with --no-visu, with --save-png, and with the
live window (under Xvfb when there is no display and Xvfb is installed).

    python benchmarks/dashboard_overhead.py [--data-dir DIR] [--repeat 3] [--lesson mnist_1.0_softmax.py]

Reports, per mode, the median over --repeat runs of: the training loop's wall time (from the lesson's
run summary: training, measurements and drawing), the whole process's wall time (with Python and
TensorFlow start-up), and training steps/s; then the overhead of each dashboard mode over --no-visu.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import parser_from_docstring, positive_int  # noqa: E402


def start_display():
    """DISPLAY to use for the live window: the current one, or a fresh Xvfb; (display, process or None)."""
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"], None
    if not shutil.which("Xvfb"):
        return None, None
    display = ":97"
    process = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    return display, process


def run(lesson, flags, env):
    started = time.perf_counter()
    result = subprocess.run([sys.executable, os.path.join(PROJECT_DIR, lesson), *flags], capture_output=True,
                            text=True, env=env)
    process_seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{lesson} {' '.join(flags)} failed: {result.stderr.strip().splitlines()[-1:]}")
    summary_path = re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1)
    with open(summary_path) as f:
        summary = json.load(f)
    return summary["wall_seconds"], process_seconds, summary["train_steps_per_second"]


def main():
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--data-dir", metavar="DIR", help="the MNIST folder (default: the lessons' own default)")
    parser.add_argument("--repeat", type=positive_int, default=3, metavar="N",
                        help="runs of each mode, interleaved; the median is reported (default: %(default)s)")
    parser.add_argument("--lesson", default="mnist_1.0_softmax.py", metavar="SCRIPT",
                        help="the lesson to measure (default: %(default)s)")
    args = parser.parse_args()
    runs_dir = tempfile.mkdtemp(prefix="dashboard-bench-")
    common = ["--runs-dir", runs_dir] + (["--data-dir", args.data_dir] if args.data_dir else [])
    headless_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    modes = [("--no-visu", ["--no-visu"], headless_env),
             ("--save-png", ["--save-png", os.path.join(runs_dir, "dash.png")], headless_env)]
    display, xvfb = start_display()
    if display:
        modes.append((f"live window (DISPLAY={display}{', Xvfb' if xvfb else ''})", ["--exit-at-end"],
                      dict(headless_env, DISPLAY=display, MPLBACKEND="TkAgg")))
    else:
        print("no display and no Xvfb: the live window is not measured")
    results = {}
    try:
        for _ in range(args.repeat):  # interleaved, so that machine noise hits every mode alike
            for name, flags, env in modes:
                results.setdefault(name, []).append(run(args.lesson, flags + common, env))
    finally:
        if xvfb:
            xvfb.terminate()
    base_loop = statistics.median(r[0] for r in results["--no-visu"])
    base_process = statistics.median(r[1] for r in results["--no-visu"])
    print(f"{args.lesson}, median of {args.repeat} runs")
    print(f"{'mode':<44} {'loop wall s':>11} {'process wall s':>14} {'steps/s':>8} {'overhead (process)':>19}")
    for name, values in results.items():
        loop = statistics.median(v[0] for v in values)
        process = statistics.median(v[1] for v in values)
        steps = statistics.median(v[2] for v in values)
        overhead = "" if name == "--no-visu" else f"{100 * (process / base_process - 1):+.0f}%"
        print(f"{name:<44} {loop:11.2f} {process:14.2f} {steps:8.0f} {overhead:>19}"
              + ("" if name == "--no-visu" else f"   (loop {100 * (loop / base_loop - 1):+.0f}%)"))
    shutil.rmtree(runs_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
