"""Run every MNIST lesson at its defaults with --no-visu and print the lessons table (also written to a file).

    python benchmarks/lessons_table.py [--data-dir DIR] [--output runs/lessons_table.md] [--lessons 1.0 3.1]
    python benchmarks/lessons_table.py --lessons 2.0 3.1 --seeds 0-9     # how much the figures vary by seed

Each lesson runs in its own process, one after the other (so they do not compete for the cores);
the figures come from the JSON run summary each lesson writes. With several seeds, every lesson runs
once per seed and a second table gives the spread: the mean, lowest and highest max test accuracy,
and how far the final accuracy ended under the max.
"""

import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, atomic_output, check_output_dir, check_output_file, run_main  # noqa: E402


# lessons that also run a variant of themselves in the table: both halves of a demonstration
VARIANTS = {"4.0": ["--no-batchnorm"], "4.1": ["--no-batchnorm"]}


def lesson_scripts():
    return sorted(glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9].[0-9]_*.py")))


def lesson_script(number):
    """The file name of lesson NUMBER (e.g. "2.2" -> "mnist_2.2_five_layers_relu_lrdecay_dropout.py"), or None."""
    names = [os.path.basename(path) for path in lesson_scripts() if os.path.basename(path).split("_")[1] == number]
    return names[0] if names else None


def read_run_summary(output):
    """The run summary a lesson wrote, found from its "run summary: PATH" line; None without that line."""
    match = re.search(r"^run summary: (.+)$", output, re.MULTILINE)
    if not match:
        return None
    with open(match.group(1)) as f:
        return json.load(f)


def run_lesson(script, extra_flags, png=None):
    """One lesson run to its end, its summary read back; with png: its dashboard drawn headless and saved there
    (the summary then keeps the band panels), else --no-visu."""
    command = [sys.executable, script] + (["--save-png", png, "--exit-at-end"] if png else ["--no-visu"]) + extra_flags
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    process_seconds = time.perf_counter() - started
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        sys.exit(f"{os.path.basename(script)} {' '.join(extra_flags)} failed: {last_line}")
    summary = read_run_summary(result.stdout)
    summary["process_seconds"] = process_seconds
    return summary


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def first_reaching(summary, threshold):
    """(step, seconds) at which the test accuracy first reached threshold, or None."""
    test = summary["curves"]["test"]
    for step, accuracy, seconds in zip(test["step"], test["accuracy"], test["seconds"]):
        if accuracy >= threshold:
            return step, seconds
    return None


def seed_list(text):
    """'3' -> [3]; '0-9' -> [0, 1, ..., 9] (for --seeds)."""
    try:
        first, _, last = text.partition("-")
        seeds = list(range(int(first), int(last or first) + 1))
    except ValueError:
        seeds = []
    if not seeds:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed or a range of seeds like 0-9")
    return seeds


def table_row(summary, variant=()):
    name = " ".join([summary["lesson"], *variant])
    return (
        f"| {name} | {summary['max_test_accuracy']:.4f} | {summary['final_test_accuracy']:.4f} | "
        f"{summary['iterations']} | {summary['wall_seconds']:.1f} | {summary['train_steps_per_second']:.0f} |"
    )


def spread_row(summaries):
    """One lesson over several seeds: max test accuracy per seed, its mean/lowest/highest, the final-under-max gaps."""
    best = [s["max_test_accuracy"] for s in summaries]
    gaps = [100 * (s["max_test_accuracy"] - s["final_test_accuracy"]) for s in summaries]
    mean = statistics.mean(best)
    deviation = statistics.stdev(best) if len(best) > 1 else 0.0
    return (
        f"| {summaries[0]['lesson']} | {len(best)} | {mean:.4f} ± {deviation:.4f} | {min(best):.4f} | "
        f"{max(best):.4f} | {statistics.mean(gaps):.2f} | {max(gaps):.2f} | "
        f"{' '.join(f'{b:.4f}' for b in best)} |"
    )


def parse_args():
    """The flags, checked before the first lesson starts (no figures lost an hour later)."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--data-dir", help="MNIST folder, passed on to each lesson")
    parser.add_argument("--output", default=os.path.join(PROJECT_DIR, "runs", "lessons_table.md"))
    parser.add_argument("--lessons", nargs="*", help="lesson numbers to run (default: all), e.g. 1.0 3.1")
    parser.add_argument("--iterations", help="override every lesson's iterations (for a quick check)")
    parser.add_argument("--runs-dir", help="where the lessons write their JSON run summaries (default: runs/)")
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=seed_list,
        default=[[0]],
        help="seeds to run every lesson with: numbers and ranges, e.g. 0-9 (default: 0)",
    )
    args = parser.parse_args()
    unknown = [number for number in args.lessons or [] if lesson_script(number) is None]
    if unknown or args.lessons == []:
        numbers = ", ".join(os.path.basename(script).split("_")[1] for script in lesson_scripts())
        raise UsageError(
            f"--lessons {' '.join(unknown)}: "
            + ("no such lesson" if unknown else "give at least one")
            + f" (they are {numbers})"
        )
    args.output = check_output_file(args.output, "--output")
    if args.runs_dir:
        check_output_dir(args.runs_dir, "--runs-dir")
    args.seeds = sorted({seed for group in args.seeds for seed in group})
    return args


def run_lessons(args):
    """Runs the lessons asked for, each with every seed, and the variants. Returns the table's rows, the rows of
    the table over seeds, the notes under the table, and the machine the runs describe."""
    seeds = args.seeds
    flags = (
        (["--data-dir", args.data_dir] if args.data_dir else [])
        + (["--iterations", args.iterations] if args.iterations else [])
        + (["--runs-dir", args.runs_dir] if args.runs_dir else [])
    )

    rows, spread_rows, notes = [], [], []
    for script in lesson_scripts():
        number = os.path.basename(script).split("_")[1]
        if args.lessons and number not in args.lessons:
            continue
        summaries = []
        for seed in seeds:
            print(f"running {os.path.basename(script)} --seed {seed} ...", flush=True)
            summaries.append(run_lesson(script, flags + ["--seed", str(seed)]))
            print(table_row(summaries[-1]), flush=True)
        summary = summaries[0]  # the main table is the first seed's run
        rows.append(table_row(summary))
        if number in VARIANTS:
            print(f"running {os.path.basename(script)} {' '.join(VARIANTS[number])} --seed {seeds[0]} ...", flush=True)
            variant = run_lesson(script, flags + VARIANTS[number] + ["--seed", str(seeds[0])])
            rows.append(table_row(variant, VARIANTS[number]))
            print(rows[-1], flush=True)
        if len(seeds) > 1:
            spread_rows.append(spread_row(summaries))
            print(spread_rows[-1], flush=True)
        reached = first_reaching(summary, 0.99)
        if reached and number in ("3.1", "4.2"):
            notes.append(
                f"Lesson {number} first reached 99% test accuracy at step {reached[0]}, "
                f"after {reached[1]:.1f} s (seed {seeds[0]})."
            )
    return rows, spread_rows, notes, summary["machine"]


def table_text(rows, spread_rows, notes, machine, seeds):
    """The Markdown tables: seed 0's runs with the machine they ran on, then the spread over seeds."""
    lines = [
        "| lesson | max test accuracy | final test accuracy | iterations | wall time (s) | training steps/s |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Measured on {cpu_name()}, {machine['cpus']} CPU cores, "
        f"{'GPU' if machine['gpu'] else 'no GPU'}, Python {machine['python']}, TensorFlow {machine['tensorflow']}; "
        f"default flags, seed {seeds[0]}, --no-visu. Wall time: the training loop including the test evaluations; "
        "steps/s: training steps only.",
        *notes,
    ]
    if spread_rows:
        lines += [
            "",
            f"Over seeds {seeds[0]}-{seeds[-1]}"
            if seeds == list(range(seeds[0], seeds[-1] + 1))
            else f"Over seeds {', '.join(map(str, seeds))}",
            "",
            "| lesson | seeds | max test accuracy: mean ± sd | lowest | highest | final under max (points): mean "
            "| worst | max test accuracy per seed |",
            "|---|---|---|---|---|---|---|---|",
            *spread_rows,
        ]
    return "\n".join(lines)


def main():
    args = parse_args()
    rows, spread_rows, notes, machine = run_lessons(args)
    table = table_text(rows, spread_rows, notes, machine, args.seeds)
    print()
    print(table)
    with atomic_output(args.output) as f:
        f.write(table + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    run_main(main)
