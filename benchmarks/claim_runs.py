"""The runs benchmarks/talk_claims.py makes (RUNS: each a lesson, its flags, how many seeds), and the same runs
found again in a folder of run summaries (runs_in, for --from-runs and --resume): matched by their lesson, flags
and seed, and checked field by field for what the claims and the tables read (check_run).
"""

import glob
import os
import re
import sys
from typing import NamedTuple

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from claims import RunSet  # noqa: E402
from cli import UsageError  # noqa: E402
from lessons_table import lesson_script  # noqa: E402
from runsummary import is_finite_number, kind, read_summary  # noqa: E402


class Run(NamedTuple):
    """A run of a lesson that the claims read: the lesson's number, its flags (at its defaults otherwise)."""

    lesson: str
    flags: list
    quick: bool  # one of the --quick runs (the five-layer claims)
    seeds: int = 1  # made with seeds 0 to seeds-1 (claims.over_seeds: the verdict judges their mean and range)


CONSTANT_0003 = ["--lr", "0", "--lr-min", "0.003"]  # lesson 2.0's learning rate, constant, in lesson 2.1
RUNS = {
    "softmax": Run("1.0", [], True),
    "sigmoid_start": Run("2.0", ["--iterations", "300", "--test-every", "10"], True),
    "relu_start": Run("2.1", CONSTANT_0003 + ["--iterations", "300", "--test-every", "10"], True),
    "sigmoid": Run("2.0", [], False),
    "relu_constant_lr": Run("2.1", CONSTANT_0003, True),
    "relu_decaying_lr": Run("2.1", [], True),
    "relu_dropout": Run("2.2", [], True),
    "sigmoid_batchnorm": Run("4.0", [], True),
    "sigmoid_no_batchnorm": Run("4.0", ["--no-batchnorm"], True),
    "relu_batchnorm": Run("4.1", [], True),
    "relu_no_batchnorm": Run("4.1", ["--no-batchnorm"], True),
    "conv": Run("3.0", [], False),
    "bigger_conv_no_dropout": Run("3.1", ["--pkeep", "1.0"], False, seeds=5),
    "bigger_conv_dropout": Run("3.1", [], False, seeds=5),
    "batchnorm_conv": Run("4.2", [], False, seeds=3),
    "batchnorm_on_3_1_less_dropout": Run("4.2", ["--channels", "6", "12", "24", "--pkeep", "0.9"], False, seeds=3),
}


def flag_values(flags):
    """{hyperparameter: value} of a list of flags: ["--lr", "0", "--no-batchnorm", "--channels", "6", "12"]
    -> {"lr": "0", "batchnorm": False, "channels": ["6", "12"]}."""
    values, position = {}, 0
    while position < len(flags):
        name = flags[position][2:].replace("-", "_")
        given = []
        position += 1
        while position < len(flags) and not flags[position].startswith("--"):
            given.append(flags[position])
            position += 1
        if not given:
            values[name[3:] if name.startswith("no_") else name] = False
        else:
            values[name] = given[0] if len(given) == 1 else given
    return values


def _same(saved, given):
    if given is False:
        return saved is False
    if isinstance(given, list):
        return isinstance(saved, list) and len(saved) == len(given) and all(map(_same, saved, given))
    try:
        return float(saved) == float(given)
    except (TypeError, ValueError, OverflowError):  # (a list, an object, an integer too big for a float)
        return str(saved) == str(given)


def lesson_defaults(number):
    """{"iterations": ..., "test_every": ...}: the lesson's own defaults, read from its constants."""

    with open(os.path.join(PROJECT_DIR, lesson_script(number))) as f:  # (from any folder)
        text = f.read()
    return {
        name.lower(): int(re.search(rf"^{name} = (\d+)", text, re.MULTILINE).group(1))
        for name in ("ITERATIONS", "TEST_EVERY")
    }


def lesson_number(summary):
    """The lesson's number of a run summary ("mnist_2.1_five_layers_relu_lrdecay" -> "2.1"), or None."""
    parts = summary["lesson"].split("_")
    return parts[1] if len(parts) > 1 else None


# what the claims and the tables read from a run summary besides its curves: numbers
FIGURES = (
    "iterations",
    "max_test_accuracy",
    "max_test_accuracy_step",
    "final_test_accuracy",
    "wall_seconds",
    "train_steps_per_second",
)


# what lessons 4.0 (sigmoid) and 4.1 (ReLU) record of each layer's activations, that the claims read
ACTIVATION_FIGURES = {"4.0": ("saturated",), "4.1": ("logits_mean", "logits_std", "zero")}


def check_run(path, summary, number):
    """Raise a UsageError naming the file and the field unless the run summary of lesson `number` (read by
    compare_runs.read_summary, which checked its curves) holds what the claims and the tables read: FIGURES, the
    machine, the date it finished, a number at every measurement of its curves (a diverged run's null cannot be
    held against a claim), and for lessons 4.0 and 4.1 their activations' saturated shares."""

    def refuse(field, what):
        raise UsageError(f"{path}: {field} {what}")

    for key in FIGURES:
        value = summary.get(key)
        if not is_finite_number(value):
            refuse(key, f"is {kind(value)}, not a number" if key in summary else "is missing")
    for which in ("test", "train"):
        curve = summary["curves"][which]
        if not curve["step"]:
            refuse(f"curves.{which}", "holds no measurement")
        for name in ("step", "accuracy", "loss"):
            if None in curve[name]:  # (read_summary: null, NaN, an infinity, a negative step)
                refuse(
                    f"curves.{which}.{name}[{curve[name].index(None)}]",
                    "is not a number (a diverged run?): the claims need a number at every measurement",
                )
    machine = summary.get("machine")
    if not isinstance(machine, dict):
        refuse("machine", f"is {kind(machine)}, not an object" if "machine" in summary else "is missing")
    for key in ("cpus", "gpu", "tensorflow"):
        if key not in machine:
            refuse(f"machine.{key}", "is missing")
    if not isinstance(summary.get("finished", ""), str):
        refuse("finished", f"is {kind(summary['finished'])}, not a date")
    if number in ACTIVATION_FIGURES or "activations" in summary:
        layers = summary.get("activations")
        if not isinstance(layers, list) or not layers:
            refuse(
                "activations",
                f"is {kind(layers)}, not a list of layers"
                if "activations" in summary
                else "is missing (lessons 4.0 and 4.1 write them)",
            )
        for i, layer in enumerate(layers):
            for field in ACTIVATION_FIGURES.get(number, ("saturated",)):
                value = layer.get(field) if isinstance(layer, dict) else None
                if not is_finite_number(value):
                    refuse(f"activations[{i}].{field}", f"is {kind(value)}, not a number")


def runs_in(folder):
    """The runs of an earlier talk_claims.py found in its folder of run summaries: {name: {seed: (path, summary)}}.
    Only a complete run whose flags are those talk_claims.py runs counts (one of the run's seeds, the run's flags,
    the lesson's own iterations and test cadence otherwise): a short or interrupted run of the same lesson is left
    out. A summary is matched to the run with the most flags it satisfies (2.1 at a constant learning rate
    is "relu_constant_lr", not "relu_decaying_lr"). A file that is not a run summary is one line naming the file
    and the field (a UsageError)."""
    summaries = [
        (path, read_summary(path)[0])  # (its notes of what cannot be drawn: check_run's)
        for path in sorted(glob.glob(os.path.join(glob.escape(folder), "*.json")))
    ]
    found, taken = {}, set()
    for name in sorted(RUNS, key=lambda n: -len(RUNS[n].flags)):  # the most specific first
        run = RUNS[name]
        for seed in range(run.seeds):
            wanted = {**lesson_defaults(run.lesson), "seed": seed, **flag_values(run.flags)}
            for path, summary in summaries:
                if (
                    lesson_number(summary) == run.lesson
                    and path not in taken
                    and not summary.get("interrupted")
                    and all(_same(summary["hyperparameters"].get(k), v) for k, v in wanted.items())
                ):
                    found.setdefault(name, {})[seed] = (path, summary)
                    taken.add(path)
                    break
    return found


def checked_runs_in(folder):
    """(RunSet, {name: path of seed 0's summary}) of runs_in(folder), each run checked for what the claims and the
    tables read (check_run)."""
    runs, paths = RunSet(), {}
    for name, seeds in runs_in(folder).items():
        for seed, (path, summary) in sorted(seeds.items()):
            check_run(path, summary, RUNS[name].lesson)
            runs.add(name, seed, summary)
            paths.setdefault(name, path)
    return runs, paths


def missing_runs(runs, names):
    """[(name, seed)] of the runs `names` whose seeds `runs` lacks, in RUNS's order, seed by seed."""
    return [
        (name, seed)
        for name in RUNS
        if name in names
        for seed in range(RUNS[name].seeds)
        if seed not in runs.by_seed.get(name, {})
    ]
