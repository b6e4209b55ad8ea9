"""What the dashboard costs: lessons at their defaults with --no-visu, --save-png, the live window (under
Xvfb when there is no display and Xvfb is installed) and in a notebook (`%run` in a real Jupyter kernel,
where the notebook extra is installed).

    python benchmarks/dashboard_overhead.py [--lessons 1.0 2.2 3.1] [--repeat 3] [--data-dir DIR]
    python benchmarks/dashboard_overhead.py --baseline ../before     # and an earlier version, side by side

Every lesson in every mode runs --repeat times, interleaved (round after round, each round every lesson
in every mode, every other round in the reverse order), so that the machine's noise hits them alike.
--baseline DIR measures another checkout of the project (e.g. `git worktree add ../before COMMIT`) in the
same rounds, each of its runs beside the same run of this one, and reports it as a second table. Reported
per lesson and mode, the median of:
the training loop's wall time (from the lesson's run summary: training, measurements and drawing), its
overhead over --no-visu (in the notebook: over the notebook's own --no-visu run, as the kernel has costs of
its own), training steps/s, the pictures the dashboard drew a second of the loop (in the window, the images
sent to the notebook cell), the mean time of one, and the share of the loop's time spent drawing them.
What a person sees on screen is counted apart, by screenshots: benchmarks/screen_pictures.py.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, parser_from_docstring, positive_int, run_main  # noqa: E402
from lessons_table import lesson_script, read_run_summary  # noqa: E402
import screen_pictures  # noqa: E402

NO_VISU = "--no-visu"
NOTEBOOK_NO_VISU = "notebook (%run in a Jupyter kernel), --no-visu"


def lesson_file(number):
    script = lesson_script(number)
    if script is None:
        raise UsageError(f"--lessons {number}: no such lesson (e.g. 1.0, 2.2, 3.1)")
    return script


def start_display():
    """DISPLAY to use for the live window: the current one, or a fresh Xvfb; (display, process or None)."""
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"], None
    if not shutil.which("Xvfb"):
        return None, None
    return screen_pictures.start_xvfb("1600x1000x24")


def read_summary(output, what):
    summary = read_run_summary(output)
    if summary is None:
        raise UsageError(f"{what} failed: {output.strip().splitlines()[-1:]}")
    return summary


def run_script(project, lesson, flags, env):
    result = subprocess.run(
        [sys.executable, os.path.join(project, lesson), *flags], capture_output=True, text=True, env=env
    )
    return read_summary(result.stdout + result.stderr, f"{lesson} {' '.join(flags)}")


def run_in_notebook(project, lesson, flags, env):
    """The lesson run by `%run` in a cell of a fresh Jupyter kernel, as a learner's notebook runs it."""
    import nbclient
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"%run {lesson} {' '.join(flags)}")])
    nbclient.NotebookClient(
        notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": project}}
    ).execute(env=env)
    output = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    return read_summary(output, f"%run {lesson}")


def notebook_available():
    import importlib.util

    return all(importlib.util.find_spec(module) for module in ("nbclient", "ipykernel"))


def parse_args():
    parser = parser_from_docstring(__doc__)
    parser.add_argument(
        "--lessons",
        nargs="+",
        default=["1.0"],
        metavar="N",
        help="the lessons to measure, by number (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=3,
        metavar="N",
        help="rounds; the median is reported (default: %(default)s)",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="the MNIST folder (default: the lessons' own default)")
    parser.add_argument(
        "--iterations",
        type=positive_int,
        metavar="N",
        help="training steps of every lesson (default: each lesson's own)",
    )
    parser.add_argument("--baseline", metavar="DIR", help="another checkout of the project, measured alongside")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=("png", "window", "notebook"),
        default=["png", "window", "notebook"],
        help="the dashboard's modes to measure, beside --no-visu (default: all three)",
    )
    return parser.parse_args()


def measured_modes(args, runs_dir):
    """The ways of running a lesson to time: --no-visu, and those of --modes this machine can run, each as
    (name, runner, flags, environment). Also returns the Xvfb process started for the window, or None."""
    headless_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    modes = [(NO_VISU, run_script, [NO_VISU], headless_env)]
    if "png" in args.modes:
        modes.append(("--save-png", run_script, ["--save-png", os.path.join(runs_dir, "dash.png")], headless_env))
    display, xvfb = start_display() if "window" in args.modes else (None, None)
    if display:
        modes.append(
            (
                f"live window ({'Xvfb' if xvfb else 'DISPLAY=' + display})",
                run_script,
                ["--exit-at-end"],
                dict(headless_env, DISPLAY=display, MPLBACKEND="TkAgg"),
            )
        )
    elif "window" in args.modes:
        print("no display and no Xvfb: the live window is not measured")
    if "notebook" in args.modes and notebook_available():  # the kernel has costs of its own: the notebook's
        modes.append((NOTEBOOK_NO_VISU, run_in_notebook, [NO_VISU], headless_env))  # overhead is over its --no-visu
        modes.append(("notebook, live dashboard", run_in_notebook, [], headless_env))
    elif "notebook" in args.modes:
        print(
            "the notebook extra is not installed (pip install -r requirements-notebook.txt): "
            "the notebook is not measured"
        )
    return modes, xvfb


def print_tables(results, projects, lessons, modes, repeat):
    """One table per project version: each lesson in each mode, medians over the rounds."""
    print(f"\nmedian of {repeat} round(s); loop: the training loop's wall time (training, measurements, drawing)")
    for version in projects:
        if version:
            print(f"\n{version}")
        print(
            "| lesson | mode | loop wall s | overhead | training steps/s | pictures a second | one picture, ms "
            "| drawing, share of the loop |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for lesson in lessons:

            def loop_seconds(mode, version=version, lesson=lesson):
                return statistics.median(s["wall_seconds"] for s in results[(version, lesson, mode)])

            for name, *_ in modes:
                summaries = results[(version, lesson, name)]
                loop = loop_seconds(name)
                steps = statistics.median(s["train_steps_per_second"] for s in summaries)
                drawing = statistics.median(s["dashboard_draw_seconds"] / s["wall_seconds"] for s in summaries)
                base = loop_seconds(NOTEBOOK_NO_VISU if name.startswith("notebook") else NO_VISU)
                overhead = "" if name in (NO_VISU, NOTEBOOK_NO_VISU) else f"{100 * (loop / base - 1):+.0f}%"
                live = name not in (NO_VISU, NOTEBOOK_NO_VISU, "--save-png")
                rate = statistics.median(s.get("dashboard_pictures_per_second") or 0 for s in summaries)
                one = statistics.median(s.get("dashboard_picture_seconds") or 0 for s in summaries)
                shown = f"{rate:.1f} | {1000 * one:.1f} | {100 * drawing:.1f}%" if live else " | | "
                print(f"| {os.path.splitext(lesson)[0]} | {name} | {loop:.1f} | {overhead} | {steps:.0f} | {shown} |")


def main():
    args = parse_args()
    lessons = [lesson_file(number) for number in args.lessons]
    projects = {"": PROJECT_DIR}
    if args.baseline:
        baseline = os.path.abspath(args.baseline)
        missing = [lesson for lesson in lessons if not os.path.exists(os.path.join(baseline, lesson))]
        if missing:
            raise UsageError(f"--baseline {args.baseline}: no {missing[0]} there (a checkout of this project?)")
        projects = {"this checkout": PROJECT_DIR, f"baseline {args.baseline}": baseline}
    runs_dir = tempfile.mkdtemp(prefix="dashboard-bench-")
    common = ["--runs-dir", runs_dir] + (["--data-dir", os.path.abspath(args.data_dir)] if args.data_dir else [])
    common += ["--iterations", str(args.iterations)] if args.iterations else []
    modes, xvfb = measured_modes(args, runs_dir)
    results = {}
    try:
        for round_ in range(args.repeat):  # interleaved, so that machine noise hits every mode alike; every
            for lesson in lessons:  # other round in the reverse order, so that a drift does too
                for name, runner, flags, env in modes if round_ % 2 == 0 else modes[::-1]:
                    for version, project in projects.items():
                        summary = runner(project, lesson, flags + common, env)
                        results.setdefault((version, lesson, name), []).append(summary)
                        print(
                            f"round {round_ + 1}: {version or lesson} {lesson if version else ''} {name}: "
                            f"loop {summary['wall_seconds']:.1f} s",
                            flush=True,
                        )
    finally:
        if xvfb:
            xvfb.terminate()
        shutil.rmtree(runs_dir, ignore_errors=True)

    print_tables(results, projects, lessons, modes, args.repeat)


if __name__ == "__main__":
    run_main(main)
