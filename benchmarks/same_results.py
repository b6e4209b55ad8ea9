"""The same results before and after a change that should not change them (a refactoring): the lessons'
curves at seed 0 and the RNN's losses for a fixed seed, from this copy of the project and from the project
as it was at a git commit, compared number by number.

    python benchmarks/same_results.py --baseline REF [--lessons 1.0 2.2 3.1 ...] [--iterations 100]
                                      [--rnn-steps 20] [--data-dir DIR] [--corpus GLOB]

Each lesson runs --iterations steps with --no-visu and its default seed 0 in both copies; its run summary's
curves (every test and training measurement, their wall-clock times left out) must be equal. rnn_train.py
runs a small network (2 layers of 64, batches of 20 x 30) for --rnn-steps steps from seed 0, with
--float32 where the baseline has it, and reports every 5 steps; every loss and accuracy it prints must be
equal. Prints one line per comparison and
exits with 1 if any differs. Runs one after the other: 2 x (lessons + 1) processes.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, parser_from_docstring, positive_int, run_main  # noqa: E402
from lessons_table import read_run_summary  # noqa: E402

LESSONS = ("1.0", "2.2", "3.1")
TIMINGS = {"seconds"}  # the curves' wall-clock times: never the same twice, left out of the comparison
RNN_FLAGS = [
    "--layers",
    "2",
    "--internal-size",
    "64",
    "--batch-size",
    "20",
    "--seqlen",
    "30",
    "--seed",
    "0",
    "--no-visu",
    "--checkpoint-every",
    str(10**9),
]


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--baseline", required=True, metavar="REF", help="the git commit to compare with")
    parser.add_argument(
        "--lessons",
        nargs="*",
        default=list(LESSONS),
        metavar="N",
        help=f"lessons to compare (default: {' '.join(LESSONS)}; none: the RNN only)",
    )
    parser.add_argument(
        "--iterations",
        type=positive_int,
        default=100,
        metavar="N",
        help="training steps per lesson (default: %(default)s)",
    )
    parser.add_argument(
        "--rnn-steps", type=positive_int, default=20, metavar="N", help="rnn_train.py steps (default: %(default)s)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=os.path.join(PROJECT_DIR, "data", "mnist"),
        help="MNIST for both copies (default: data/mnist)",
    )
    parser.add_argument(
        "--corpus",
        metavar="GLOB",
        default=os.path.join(PROJECT_DIR, "data", "shakespeare", "*.txt"),
        help="the text rnn_train.py reads in both copies (default: data/shakespeare/*.txt)",
    )
    return parser.parse_args(argv)


def copy_of_commit(ref, folder):
    """The project's tracked files at the commit ref, in folder."""
    archive = subprocess.run(["git", "-C", PROJECT_DIR, "archive", ref], capture_output=True)
    if archive.returncode != 0:
        raise UsageError(f"--baseline {ref}: git archive failed: {archive.stderr.decode().strip()}")
    os.makedirs(folder)
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
    return folder


def run(tree, command, what):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=tree, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise UsageError(f"{what} in {tree} failed: {last}")
    return result.stdout


def lesson_curves(tree, lesson, args, work):
    scripts = glob.glob(os.path.join(tree, f"mnist_{lesson}_*.py"))  # each copy by its own file names
    if len(scripts) != 1:
        raise UsageError(f"--lessons {lesson}: {len(scripts)} lesson files of that number in {tree}")
    script = os.path.basename(scripts[0])
    runs = tempfile.mkdtemp(dir=work)
    output = run(
        tree,
        [script, "--no-visu", "--iterations", str(args.iterations), "--data-dir", args.data_dir, "--runs-dir", runs],
        f"lesson {lesson}",
    )
    return read_run_summary(output)["curves"]


def rnn_figures(tree, args, work):
    """Every number rnn_train.py prints after "loss" or "accuracy" (the batches' and the validations')."""
    folder = tempfile.mkdtemp(dir=work)
    flags = RNN_FLAGS + [
        "--steps",
        str(args.rnn_steps),
        "--report-every",
        "5",
        "--data",
        args.corpus,
        "--checkpoint-dir",
        os.path.join(folder, "c"),
        "--log-dir",
        os.path.join(folder, "l"),
    ]
    if "--float32" in run(tree, ["rnn_train.py", "--help"], "rnn_train.py --help"):
        flags.append("--float32")  # the same arithmetic on any CPU
    output = run(tree, ["rnn_train.py", *flags], "rnn_train.py")
    return [float(x) for x in re.findall(r"(?:loss|accuracy)\W+(\d+\.\d+)", output)]


def differences(before, after):
    """How many numbers differ between two nested structures of lists and dicts (a missing one counts)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return sum(differences(before.get(k), after.get(k)) for k in set(before) | set(after) if k not in TIMINGS)
    if isinstance(before, list) and isinstance(after, list):
        return abs(len(before) - len(after)) + sum(differences(a, b) for a, b in zip(before, after))
    return int(json.dumps(before) != json.dumps(after))


def main(argv=None):
    args = parse_args(argv)
    work = tempfile.mkdtemp(prefix="same-results-")
    try:
        baseline = copy_of_commit(args.baseline, os.path.join(work, "baseline"))
        comparisons = [
            (
                f"lesson {lesson} curves, {args.iterations} steps",
                lambda tree, lesson=lesson: lesson_curves(tree, lesson, args, work),
            )
            for lesson in args.lessons
        ]
        comparisons.append(
            (f"rnn_train.py losses and accuracies, {args.rnn_steps} steps", lambda tree: rnn_figures(tree, args, work))
        )
        differing = 0
        for what, measure in comparisons:
            before, after = measure(baseline), measure(PROJECT_DIR)
            count = differences(before, after)
            numbers = len(json.dumps(after).split(","))
            print(f"{what}: {'the same' if count == 0 else f'{count} differ'} (about {numbers} numbers)", flush=True)
            differing += count > 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if differing:
        sys.exit(1)


if __name__ == "__main__":
    run_main(main)
