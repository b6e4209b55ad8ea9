"""What rnn_train.py's live view costs: the same training with --no-visu, headless (its PNG), in a window
(under Xvfb when there is no display and Xvfb is installed) and in a notebook cell (`%run` in a real
Jupyter kernel, where the notebook extra is installed).

    python benchmarks/rnn_view_overhead.py [--steps 24] [--repeat 3] [--data 'GLOB'] [-- RNN_TRAIN FLAGS...]

Every mode runs --repeat times, interleaved (round after round, every other round in the reverse order),
so that the machine's noise hits them alike. Each run trains --steps steps of the talk's network (3 x 512,
batches of 200 x 30; other sizes after --) from scratch, with no report until the last step (fewer than
25 steps: no milestone either), so that the training speed rnn_train.py prints covers every step but the
last, the view's drawing included. Reported per mode, the median of: characters/s, the cost over --no-visu,
the pictures the view drew a second, and the share of the time it says it spent drawing them.
"""

import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, parser_from_docstring, positive_int, run_main  # noqa: E402
from dashboard_overhead import notebook_available, start_display  # noqa: E402

SPEED = re.compile(r"^([\d,]+) chars/s \((\d+) steps in ([\d.]+) s\)$", re.M)
VIEW = re.compile(
    r"^training view: (\d+) pictures in \d+ s \(([\d.]+) a second\), [\d.]+ s of drawing "
    r"\(([\d.]+)% ",
    re.M,
)


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--steps", type=positive_int, default=24, help="training steps a run (default: 24)")
    parser.add_argument("--repeat", type=positive_int, default=3, help="rounds (default: 3)")
    parser.add_argument("--data", default=None, metavar="GLOB", help="the corpus (default: rnn_train.py's)")
    parser.add_argument("flags", nargs="*", help="more rnn_train.py flags, after --")
    return parser.parse_args(argv)


def measure(output, what):
    """(chars/s over the run's training steps, pictures a second or None, drawing share % or None)."""
    speeds = SPEED.findall(output)
    if not speeds:
        raise UsageError(f"{what} failed: {output.strip().splitlines()[-1:]}")
    chars, steps, seconds = speeds[-1]
    view = VIEW.search(output)
    return (int(chars.replace(",", "")), float(view.group(2)) if view else None, float(view.group(3)) if view else None)


def run(mode, flags, env, folder):
    command = [
        "rnn_train.py",
        *flags,
        "--checkpoint-dir",
        os.path.join(folder, "c"),
        "--log-dir",
        os.path.join(folder, "l"),
    ]
    if mode == "--no-visu":
        command.append("--no-visu")
    if mode == "window":
        command.append("--exit-at-end")
    if mode == "notebook":
        import nbclient
        import nbformat

        cell = "%run -G " + " ".join(shlex.quote(c) for c in command)  # -G: a quoted glob stays the script's
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
        nbclient.NotebookClient(
            notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": PROJECT_DIR}}
        ).execute(env=env)
        output = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    else:
        result = subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env, cwd=PROJECT_DIR)
        output = result.stdout + result.stderr
    return measure(output, f"{mode}: {' '.join(command)}")


def main(argv=None):
    args = parse_args(argv)
    flags = [
        *(["--data", args.data] if args.data else []),
        "--steps",
        str(args.steps),
        "--report-every",
        "100000",
        *args.flags,
    ]
    plain = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    envs = {"--no-visu": dict(plain, MPLBACKEND="Agg"), "headless (PNG)": dict(plain, MPLBACKEND="Agg")}
    display, xvfb = start_display()
    if display:
        envs["window"] = dict(plain, DISPLAY=display, MPLBACKEND="TkAgg")
    else:
        print("no display and no Xvfb: the window is not measured")
    if notebook_available():
        envs["notebook"] = plain
    else:
        print("the notebook extra is not installed: the notebook is not measured")
    results = {mode: [] for mode in envs}
    try:
        for round_number in range(args.repeat):
            modes = list(envs) if round_number % 2 == 0 else list(envs)[::-1]
            for mode in modes:
                with tempfile.TemporaryDirectory(prefix="rnn-view-") as folder:
                    results[mode].append(run(mode, flags, envs[mode], folder))
                print(f"round {round_number + 1}, {mode}: {results[mode][-1][0]:,} chars/s", flush=True)
    finally:
        if xvfb:
            xvfb.terminate()
    base = statistics.median(r[0] for r in results["--no-visu"])
    print(f"\nrnn_train.py {' '.join(flags)}: median of {args.repeat} interleaved rounds")
    print(f"{'mode':<16} {'chars/s':>9} {'cost':>7} {'pictures/s':>11} {'drawing':>8}")
    for mode, runs in results.items():
        speed = statistics.median(r[0] for r in runs)
        pictures = [r[1] for r in runs if r[1] is not None]
        shares = [r[2] for r in runs if r[2] is not None]
        print(
            f"{mode:<16} {speed:>9,.0f} {100 * (base / speed - 1):>+6.1f}% "
            f"{statistics.median(pictures) if pictures else '-':>11} "
            f"{str(statistics.median(shares)) + '%' if shares else '-':>8}"
        )


if __name__ == "__main__":
    run_main(main)
