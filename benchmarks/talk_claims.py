"""Check what the talk says about the MNIST lessons against runs on this machine, one claim at a time.

    python benchmarks/talk_claims.py [--data-dir DIR] [--quick] [--pictures docs/]

Runs the lessons and the variants the talk compares (each a lesson with documented flags, at its
defaults otherwise, seed 0, --no-visu), then checks each claim against the run summaries with the
criterion printed beside it, and prints a table: claim, what the talk says, what was measured here,
how many seeds, whether it holds. A claim that does not hold here is reported as such. Where the seed alone
moves a result more than the claim's effect or margin (lesson 3.1 with and without dropout, lesson 4.2 and
batch norm on 3.1's network above 99.5%), those runs are made with several seeds (seeds 0-4, or 0-2 for the
slow batch-norm convnets) and the claim is judged on their mean and range: one seed cannot flip it.
--quick runs the five-layer claims only (about 10 minutes on 2 cores); the full set adds the convolutional
networks and their seeds (hours there: run it in stretches with --resume). --pictures DIR also draws the talk's
comparisons with compare_runs.py, as PNGs in DIR. The table is also written to runs/talk_claims.md, the run
summaries under runs/talk_claims-DATE-TIME/; --from-runs that folder checks the claims again, and draws the
pictures, without running anything; --resume that folder runs only what it lacks (a run stopped halfway, or
stopped to free the machine), into it, then checks every claim.
"""
import datetime
import glob
import os
import sys
from typing import NamedTuple

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims import CLAIMS, RunSet, pct, spread, test_loss_rise  # noqa: E402  the talk's claims, each with its check
from cli import UsageError, atomic_output, check_output_dir, parser_from_docstring, run_main  # noqa: E402
import compare_runs  # noqa: E402
from lessons_table import lesson_script, lesson_scripts, run_lesson, table_row  # noqa: E402
from runsummary import is_finite_number, kind, read_summary  # noqa: E402


class Run(NamedTuple):
    """A run of a lesson that the claims read: the lesson's number, its flags (at its defaults otherwise)."""
    lesson: str
    flags: list
    quick: bool  # one of the --quick runs (the five-layer claims)
    seeds: int = 1  # made with seeds 0 to seeds-1 (claims.over_seeds: the verdict judges their mean and range)


class Picture(NamedTuple):
    """One of the talk's comparisons, drawn by compare_runs.py."""
    filename: str
    runs: list
    labels: list             # the runs' labels, in words
    steps: int               # the first N steps only (None: the whole curves)
    bands: bool              # the band panels instead of the curves


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
# the runs at every lesson's defaults, in the lessons table (4.0 and 4.1 twice: both halves of their demonstrations)
LESSONS_TABLE = ("softmax", "sigmoid", "relu_decaying_lr", "relu_dropout", "conv", "bigger_conv_dropout",
                 "batchnorm_conv", "sigmoid_batchnorm", "sigmoid_no_batchnorm", "relu_batchnorm", "relu_no_batchnorm")
# the runs drawn by a (headless) dashboard, whose summaries keep its band panels
DRAWN = ("sigmoid_batchnorm", "sigmoid_no_batchnorm", "relu_batchnorm", "relu_no_batchnorm", "batchnorm_conv")
# the talk's comparisons, drawn by compare_runs.py
NO_DROPOUT, DROPOUT = "no dropout", "dropout (pkeep 0.75)"
PICTURES = (
    Picture("sigmoid_vs_relu_start.png", ["sigmoid_start", "relu_start"], ["sigmoid", "ReLU"], 300, False),
    Picture("constant_vs_decaying_lr.png", ["relu_constant_lr", "relu_decaying_lr"],
            ["constant learning rate 0.003", "decaying, 0.003 to 0.0001"], None, False),
    Picture("dropout_test_loss.png", ["relu_decaying_lr", "relu_dropout"], [NO_DROPOUT, DROPOUT], None, False),
    Picture("bigger_conv_with_and_without_dropout.png", ["bigger_conv_no_dropout", "bigger_conv_dropout"],
            [NO_DROPOUT, DROPOUT], None, False),
    Picture("batchnorm_sigmoid_bands.png", ["sigmoid_batchnorm", "sigmoid_no_batchnorm"],
            ["batch norm", "no batch norm"], None, True),
    Picture("batchnorm_relu_bands.png", ["relu_batchnorm", "relu_no_batchnorm"],
            ["batch norm", "no batch norm"], None, True),
    Picture("batchnorm_conv_activation_bands.png", ["batchnorm_conv"], ["lesson 4.2"], None, True),
)


# ------------------------------------------------------------------------------------------------
# Earlier runs, found in a folder of run summaries (--from-runs, --resume)

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
    import re
    with open(os.path.join(PROJECT_DIR, lesson_script(number))) as f:  # (from any folder)
        text = f.read()
    return {name.lower(): int(re.search(rf"^{name} = (\d+)", text, re.MULTILINE).group(1))
            for name in ("ITERATIONS", "TEST_EVERY")}


def lesson_number(summary):
    """The lesson's number of a run summary ("mnist_2.1_five_layers_relu_lrdecay" -> "2.1"), or None."""
    parts = summary["lesson"].split("_")
    return parts[1] if len(parts) > 1 else None


# what the claims and the tables read from a run summary besides its curves: numbers
FIGURES = ("iterations", "max_test_accuracy", "max_test_accuracy_step", "final_test_accuracy", "wall_seconds",
           "train_steps_per_second")


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
                refuse(f"curves.{which}.{name}[{curve[name].index(None)}]", "is not a number (a diverged run?): "
                       "the claims need a number at every measurement")
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
            refuse("activations", f"is {kind(layers)}, not a list of layers" if "activations" in summary
                   else "is missing (lessons 4.0 and 4.1 write them)")
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
    summaries = [(path, read_summary(path)[0])  # (its notes of what cannot be drawn: check_run's)
                 for path in sorted(glob.glob(os.path.join(glob.escape(folder), "*.json")))]
    found, taken = {}, set()
    for name in sorted(RUNS, key=lambda n: -len(RUNS[n].flags)):  # the most specific first
        run = RUNS[name]
        for seed in range(run.seeds):
            wanted = {**lesson_defaults(run.lesson), "seed": seed, **flag_values(run.flags)}
            for path, summary in summaries:
                if (lesson_number(summary) == run.lesson and path not in taken and not summary.get("interrupted")
                        and all(_same(summary["hyperparameters"].get(k), v) for k, v in wanted.items())):
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
    return [(name, seed) for name in RUNS if name in names for seed in range(RUNS[name].seeds)
            if seed not in runs.by_seed.get(name, {})]


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--data-dir", metavar="DIR", help="the MNIST folder, passed on to every lesson")
    parser.add_argument("--quick", action="store_true", help="the five-layer claims only (a few minutes)")
    parser.add_argument("--pictures", metavar="DIR", help="also draw the talk's comparisons as PNGs in DIR")
    parser.add_argument("--from-runs", metavar="DIR", help="run nothing: check the claims on the run summaries "
                        "of an earlier talk_claims.py (its runs/talk_claims-DATE-TIME folder)")
    parser.add_argument("--resume", metavar="DIR", help="complete an earlier talk_claims.py: run only the runs its "
                        "runs/talk_claims-DATE-TIME folder lacks, into it, then check the claims on all of them")
    parser.add_argument("--output", default=os.path.join(PROJECT_DIR, "runs", "talk_claims.md"), metavar="FILE",
                        help="where the table is written (default: runs/talk_claims.md)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    check_output_dir(os.path.dirname(os.path.abspath(args.output)), "--output")
    if args.pictures:
        check_output_dir(args.pictures, "--pictures")
    if args.from_runs and args.resume:
        raise UsageError("--from-runs runs nothing and --resume runs what is missing: give one of them")
    for flag, folder in (("--from-runs", args.from_runs), ("--resume", args.resume)):
        if folder and not os.path.isdir(folder):
            raise UsageError(f"{flag} {folder}: no such folder (give a runs/talk_claims-DATE-TIME folder)")
    if args.from_runs:
        runs_dir, runs, paths = earlier_runs(args.from_runs)
        claims = [claim for claim in CLAIMS if not missing_runs(runs, claim.runs)]
        left_out = [f"{claim.title} (lacks {', '.join(f'{n} seed {s}' for n, s in missing_runs(runs, claim.runs))})"
                    for claim in CLAIMS if claim not in claims]
        if left_out and claims:
            print(f"not checked, no complete run with talk_claims.py's flags: {'; '.join(left_out)}")
        needed = []
    else:
        runs_dir, runs, paths = runs_folder(args.resume)
        claims = [claim for claim in CLAIMS if not args.quick or all(RUNS[name].quick for name in claim.runs)]
        needed = missing_runs(runs, {name for claim in claims for name in claim.runs})
    if not claims:
        raise UsageError(f"--from-runs {args.from_runs}: no run summaries of talk_claims.py there")
    run_lessons(needed, runs, runs_dir, args.data_dir)
    command = ("python benchmarks/talk_claims.py" + (" --quick" if args.quick else "")
               + (f" --from-runs {args.from_runs}" if args.from_runs else "")
               + (f" --resume {args.resume}" if args.resume else ""))
    table = claims_table(claims, runs, paths, f"`{command}`", runs_dir)
    with atomic_output(args.output) as f:
        f.write(table + "\n")
    print("\n" + table + f"\n\nwritten to {args.output}")
    if args.pictures:
        draw_pictures(args.pictures, runs, paths)


def earlier_runs(folder):
    """--from-runs: (folder, RunSet, {name: path}) of the runs found there, each named in a line."""
    runs, paths = checked_runs_in(folder)
    for name, seeds in runs.by_seed.items():
        print(f"{name}: {os.path.basename(paths[name]) if name in paths else ''}"
              + (f" (seeds {', '.join(map(str, sorted(seeds)))})" if len(seeds) > 1 or 0 not in seeds else ""))
    return folder, runs, paths


def runs_folder(resume):
    """(folder, RunSet, {name: path}): --resume's folder and the complete runs in it (said in a line),
    or a new runs/talk_claims-DATE-TIME folder with none."""
    if not resume:
        folder = os.path.join(PROJECT_DIR, "runs", "talk_claims-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
        return check_output_dir(folder, "the runs folder"), RunSet(), {}
    runs_dir = check_output_dir(resume, "--resume")
    runs, paths = checked_runs_in(runs_dir)
    listed = [name + (f" x{len(seeds)}" if len(seeds) > 1 else "") for name, seeds in runs.by_seed.items()]
    print(f"--resume {runs_dir}: {sum(map(len, runs.by_seed.values()))} complete runs there "
          f"({', '.join(listed) or 'none'})")
    return runs_dir, runs, paths


def run_lessons(needed, runs, runs_dir, data_dir):
    """Run the lessons of the runs `needed` ([(name, seed)]), their summaries into runs_dir and into `runs` (a
    RunSet)."""
    scripts = {os.path.basename(s).split("_")[1]: s for s in lesson_scripts()}
    common = ["--runs-dir", runs_dir] + (["--data-dir", data_dir] if data_dir else [])
    for name, seed in needed:
        run = RUNS[name]
        print(f"running {name}: lesson {run.lesson} {' '.join(run.flags)} --seed {seed}", flush=True)
        # its dashboard drawn headless, which keeps the band panels in its summary: seed 0 of the runs drawn
        png = os.path.join(runs_dir, name + ".png") if name in DRAWN and seed == 0 else None
        summary = run_lesson(scripts[run.lesson], run.flags + common + ["--seed", str(seed)], png=png)
        runs.add(name, seed, summary)
        print(f"  max test accuracy {pct(summary['max_test_accuracy'])}, {summary['wall_seconds']:.0f} s", flush=True)


def claims_table(claims, runs, paths, command, runs_dir):
    """The table of the claims (in Markdown), then the runs made with several seeds, then the lessons table, then
    how and where the runs were made."""
    rows = ["| claim | the talk says | measured here | seeds | holds |", "|---|---|---|---|---|"]
    for claim in claims:
        try:
            measured, holds = claim.check(runs)
        except (ValueError, ArithmeticError) as e:  # checked runs, yet made by hand: curves too short, a loss of 0
            raise UsageError(f"claim {claim.title!r}: cannot be checked on "
                             f"{', '.join(paths.get(n, n) for n in claim.runs)} ({e})") from None
        seeds = min(len(runs.by_seed[name]) for name in claim.runs)
        shown = "one seed" if seeds == 1 else f"{seeds} seeds"
        verdict = f"not shown ({shown})" if holds is None else "yes" if holds else "**no**"
        rows.append(f"| {claim.title} | {claim.says} | {measured} | {seeds} | {verdict} |")
    seeded = [name for name in RUNS if len(runs.by_seed.get(name, {})) > 1]
    if seeded:
        rows += ["", "The runs made with several seeds (max test accuracy; final test loss over its lowest):", "",
                 "| run | lesson and flags | seeds | max test accuracy, seed by seed | mean | test loss rise, "
                 "seed by seed |", "|---|---|---|---|---|---|"]
        for name in seeded:
            every = runs.every_seed(name)
            best = [run["max_test_accuracy"] for run in every]
            rows.append(f"| {name} | {' '.join([RUNS[name].lesson] + RUNS[name].flags)} | "
                        f"{', '.join(map(str, sorted(runs.by_seed[name])))} | {' '.join(pct(v) for v in best)} | "
                        f"{spread(best)} | {' '.join(f'{test_loss_rise(run):.2f}' for run in every)} |")
    rows += ["", "The lessons at their defaults (seed 0; --no-visu, or a headless dashboard for the runs whose band "
             "panels are drawn), from the same runs:", "",
             "| lesson | max test accuracy | final test accuracy | iterations | wall time (s) | training steps/s |",
             "|---|---|---|---|---|---|"]
    rows += [table_row(runs[name], RUNS[name].flags) for name in LESSONS_TABLE if name in runs]
    every_run = [summary for seeds in runs.by_seed.values() for summary in seeds.values()]
    machine = every_run[0]["machine"]
    days = sorted({run["finished"][:10] for run in every_run if run.get("finished")}) or ["unknown dates"]
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    return "\n".join(rows + ["", f"Seed 0 (seeds 0 to N-1 where the seeds column says N), --no-visu, "
                                 f"{machine['cpus']} CPU cores, "
                                 f"{'GPU' if machine['gpu'] else 'no GPU'}, TensorFlow {machine['tensorflow']}; "
                                 f"{command}, runs of {when}. Run summaries: {runs_dir}"])


def draw_pictures(folder, runs, paths):
    """The talk's comparisons (PICTURES) whose runs are there, drawn by compare_runs.py as PNGs in folder."""
    from matplotlib.figure import Figure
    import figures
    for picture in PICTURES:
        if all(name in runs and (not picture.bands or "bands" in runs[name]) for name in picture.runs):
            chosen = [runs[name] for name in picture.runs]
            if picture.bands:
                figure = Figure(figsize=(12, 2.6 + 2.6 * len(picture.runs)))
                compare_runs.draw_band_panels(figure, chosen, [paths.get(n, n) for n in picture.runs],
                                              names=picture.labels)
            else:
                figure = Figure(figsize=compare_runs.FIGURE_SIZE)
                compare_runs.draw(figure, chosen, picture.steps, names=picture.labels)
            path = os.path.join(folder, picture.filename)
            figures.save_png(figure, path, dpi=70)
            print(f"picture: {path}")


if __name__ == "__main__":
    run_main(main)
