"""Run every MNIST lesson at its defaults with --no-visu and print the lessons table (also written to a file).

    python benchmarks/lessons_table.py [--data-dir DIR] [--output runs/lessons_table.md] [--lessons 1.0 3.1]

Each lesson runs in its own process, one after the other (so they do not compete for the cores);
the figures come from the JSON run summary each lesson writes.
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lesson_scripts():
    return sorted(glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9].[0-9]_*.py")))


def run_lesson(script, extra_flags):
    command = [sys.executable, script, "--no-visu"] + extra_flags
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    process_seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{os.path.basename(script)} failed: {result.stderr.strip().splitlines()[-1:]}")
    match = re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE)
    with open(match.group(1)) as f:
        summary = json.load(f)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--data-dir", help="MNIST folder, passed on to each lesson")
    parser.add_argument("--output", default=os.path.join(PROJECT_DIR, "runs", "lessons_table.md"))
    parser.add_argument("--lessons", nargs="*", help="lesson numbers to run (default: all), e.g. 1.0 3.1")
    parser.add_argument("--iterations", help="override every lesson's iterations (for a quick check)")
    args = parser.parse_args()
    flags = (["--data-dir", args.data_dir] if args.data_dir else []) + (
        ["--iterations", args.iterations] if args.iterations else [])

    rows = []
    notes = []
    for script in lesson_scripts():
        number = os.path.basename(script).split("_")[1]
        if args.lessons and number not in args.lessons:
            continue
        print(f"running {os.path.basename(script)} ...", flush=True)
        summary = run_lesson(script, flags)
        rows.append(f"| {summary['lesson']} | {summary['max_test_accuracy']:.4f} | "
                    f"{summary['final_test_accuracy']:.4f} | {summary['iterations']} | "
                    f"{summary['wall_seconds']:.1f} | {summary['train_steps_per_second']:.0f} |")
        print(rows[-1], flush=True)
        reached = first_reaching(summary, 0.99)
        if reached and number in ("3.1", "4.0"):
            notes.append(f"Lesson {number} first reached 99% test accuracy at step {reached[0]}, "
                         f"after {reached[1]:.1f} s.")
    machine = summary["machine"]
    table = "\n".join([
        "| lesson | max test accuracy | final test accuracy | iterations | wall time (s) | training steps/s |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Measured on {cpu_name()}, {machine['cpus']} CPU cores, "
        f"{'GPU' if machine['gpu'] else 'no GPU'}, Python {machine['python']}, TensorFlow {machine['tensorflow']}; "
        "default flags, seed 0, --no-visu. Wall time: the training loop including the test evaluations; "
        "steps/s: training steps only.",
        *notes,
    ])
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(table + "\n")
    print()
    print(table)
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
