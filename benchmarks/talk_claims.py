"""Check what the talk says about the MNIST lessons against runs on this machine, one claim at a time.

    python benchmarks/talk_claims.py [--data-dir DIR] [--quick] [--pictures docs/]

Runs the lessons and the variants the talk compares (each a lesson with documented flags, at its
defaults otherwise, seed 0, --no-visu), then checks each claim against the run summaries with the
criterion printed beside it, and prints a table: claim, what the talk says, what was measured here,
whether it holds. A claim that does not hold here is reported as such. --quick runs the five-layer
claims only (about 10 minutes on 2 cores); the full set adds the convolutional networks (more than an
hour more there). --pictures DIR also draws the talk's comparisons with compare_runs.py, as PNGs in DIR.
The table is also written to runs/talk_claims.md, the run summaries under runs/talk_claims-DATE-TIME/;
--from-runs that folder checks the claims again, and draws the pictures, without running anything;
--resume that folder runs only what it lacks (a run stopped halfway, or stopped to free the machine: the full set
takes more than an hour on 2 cores), into it, then checks every claim.
"""
import datetime
import glob
import os
import statistics
import sys

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli import UsageError, atomic_output, check_output_dir, parser_from_docstring, run_main  # noqa: E402
import compare_runs  # noqa: E402
from lessons_table import lesson_script, lesson_scripts, run_lesson, table_row  # noqa: E402

CONSTANT_0003 = ["--lr", "0", "--lr-min", "0.003"]  # lesson 2.0's learning rate, constant, in lesson 2.1
# name: (lesson number, flags, in --quick)
RUNS = {
    "softmax": ("1.0", [], True),
    "sigmoid_start": ("2.0", ["--iterations", "300", "--test-every", "10"], True),
    "relu_start": ("2.1", CONSTANT_0003 + ["--iterations", "300", "--test-every", "10"], True),
    "sigmoid": ("2.0", [], False),
    "relu_constant_lr": ("2.1", CONSTANT_0003, True),
    "relu_decaying_lr": ("2.1", [], True),
    "relu_dropout": ("2.2", [], True),
    "sigmoid_batchnorm": ("4.1", [], True),
    "sigmoid_no_batchnorm": ("4.1", ["--no-batchnorm"], True),
    "conv": ("3.0", [], False),
    "bigger_conv_no_dropout": ("3.1", ["--pkeep", "1.0"], False),
    "bigger_conv_dropout": ("3.1", [], False),
    "batchnorm_conv": ("4.0", [], False),
    "batchnorm_on_3_1_less_dropout": ("4.0", ["--channels", "6", "12", "24", "--pkeep", "0.9"], False),
}
# the runs at every lesson's defaults, in the lessons table (4.1 twice: both halves of its demonstration)
LESSONS_TABLE = ("softmax", "sigmoid", "relu_decaying_lr", "relu_dropout", "conv", "bigger_conv_dropout",
                 "batchnorm_conv", "sigmoid_batchnorm", "sigmoid_no_batchnorm")
# the runs drawn by a (headless) dashboard, whose summaries keep its band panels
DRAWN = ("sigmoid_batchnorm", "sigmoid_no_batchnorm", "batchnorm_conv")
# the talk's comparisons, drawn by compare_runs.py: file name, runs, their labels in words, the first N steps only
# (then the whole curves are drawn), the band panels instead of the curves
NO_DROPOUT, DROPOUT = "no dropout", "dropout (pkeep 0.75)"
PICTURES = (
    ("sigmoid_vs_relu_start.png", ["sigmoid_start", "relu_start"], ["sigmoid", "ReLU"], 300, False),
    ("constant_vs_decaying_lr.png", ["relu_constant_lr", "relu_decaying_lr"],
     ["constant learning rate 0.003", "decaying, 0.003 to 0.0001"], None, False),
    ("dropout_test_loss.png", ["relu_decaying_lr", "relu_dropout"], [NO_DROPOUT, DROPOUT], None, False),
    ("bigger_conv_with_and_without_dropout.png", ["bigger_conv_no_dropout", "bigger_conv_dropout"],
     [NO_DROPOUT, DROPOUT], None, False),
    ("batchnorm_sigmoid_bands.png", ["sigmoid_batchnorm", "sigmoid_no_batchnorm"], ["batch norm", "no batch norm"],
     None, True),
    ("batchnorm_conv_activation_bands.png", ["batchnorm_conv"], ["lesson 4.0"], None, True),
)


# ------------------------------------------------------------------------------------------------
# Figures read from the run summaries
# ------------------------------------------------------------------------------------------------

def curve(summary, which, figure, from_step=0, to_step=None):
    c = summary["curves"][which]
    return [v for s, v in zip(c["step"], c[figure]) if s >= from_step and (to_step is None or s <= to_step)]


def last_steps(summary, which, figure, steps=2000):
    return curve(summary, which, figure, from_step=summary["iterations"] - steps)


def biggest_jump(values):
    """The largest change between two consecutive test evaluations, in accuracy points."""
    return 100 * max((abs(b - a) for a, b in zip(values, values[1:])), default=0.0)


def pct(value):
    return f"{100 * value:.2f}%"


# ------------------------------------------------------------------------------------------------
# The claims: (title, what the talk says, runs needed, check) where check(runs) -> (measured, holds)
# ------------------------------------------------------------------------------------------------

def softmax_about_92(runs):
    best = runs["softmax"]["max_test_accuracy"]
    return f"max test accuracy {pct(best)} (criterion: within a point of 92%)", abs(best - 0.92) <= 0.01


def relu_starts_faster(runs):
    sigmoid = statistics.mean(curve(runs["sigmoid_start"], "test", "accuracy"))
    relu = statistics.mean(curve(runs["relu_start"], "test", "accuracy"))
    return (f"mean test accuracy over the first 300 steps: sigmoid {pct(sigmoid)}, ReLU {pct(relu)}",
            relu > sigmoid)


def relu_ends_higher(runs):
    sigmoid, relu = runs["sigmoid"]["max_test_accuracy"], runs["relu_constant_lr"]["max_test_accuracy"]
    return f"max test accuracy: sigmoid {pct(sigmoid)}, ReLU {pct(relu)} (both at 0.003)", relu > sigmoid


def constant_lr_is_noisy(runs):
    constant, decaying = runs["relu_constant_lr"], runs["relu_decaying_lr"]
    jumps = [biggest_jump(last_steps(run, "test", "accuracy", 5000)) for run in (constant, decaying)]
    spreads = [100 * (max(v) - min(v)) for v in (last_steps(run, "test", "accuracy") for run in (constant, decaying))]
    return (f"max {pct(constant['max_test_accuracy'])}; biggest jump between two evaluations (last 5,000 steps): "
            f"constant {jumps[0]:.2f} points, decaying {jumps[1]:.2f}; spread over the last 2,000 steps: "
            f"{spreads[0]:.2f} vs {spreads[1]:.2f} points",
            constant["max_test_accuracy"] >= 0.975 and jumps[0] > jumps[1] and spreads[0] > spreads[1])


def decay_stays_above_98(runs):
    tail = last_steps(runs["relu_decaying_lr"], "test", "accuracy")
    return f"lowest test accuracy over the last 2,000 steps: {pct(min(tail))}", min(tail) >= 0.98


def training_accuracy_stuck_at_100(runs):
    tail = last_steps(runs["relu_decaying_lr"], "train", "accuracy")
    share = sum(v == 1.0 for v in tail) / len(tail)
    return (f"training batches at 100% over the last 2,000 steps: {100 * share:.0f}% of {len(tail)} "
            "(criterion: at least 90%)", share >= 0.9)


def dropout_tames_test_loss(runs):
    without, with_ = runs["relu_decaying_lr"], runs["relu_dropout"]
    rise = [run["curves"]["test"]["loss"][-1] / min(run["curves"]["test"]["loss"]) for run in (without, with_)]
    finals = [run["curves"]["test"]["loss"][-1] for run in (without, with_)]
    return (f"final test loss / lowest: without dropout {rise[0]:.2f} ({finals[0]:.1f}), with {rise[1]:.2f} "
            f"({finals[1]:.1f})", rise[1] < rise[0] and finals[1] < finals[0])


def dropout_accuracy_not_higher(runs):
    without, with_ = runs["relu_decaying_lr"]["max_test_accuracy"], runs["relu_dropout"]["max_test_accuracy"]
    return (f"max test accuracy: without dropout {pct(without)}, with {pct(with_)} (criterion: not more than "
            "0.1 point higher)", with_ <= without + 0.001)


def conv_fast_start(runs):
    early = max(curve(runs["conv"], "test", "accuracy", to_step=200))
    return f"best test accuracy by step 200: {pct(early)}", early >= 0.96


def conv_ends_989_and_overfits(runs):
    conv = runs["conv"]
    losses = conv["curves"]["test"]["loss"]
    rise = losses[-1] / min(losses)
    return (f"final test accuracy {pct(conv['final_test_accuracy'])} (max {pct(conv['max_test_accuracy'])}); "
            f"final test loss {rise:.2f} x its lowest (criteria: final within 0.2 point of 98.9%, loss up 20%)",
            abs(conv["final_test_accuracy"] - 0.989) <= 0.002 and rise >= 1.2)


SEED_SPREAD_3_1 = 0.0015  # lesson 3.1's max test accuracy, seeds 0-4: 99.12% to 99.27% (docs/benchmarks.md)


def bigger_conv_dropout(runs):
    """Higher with dropout; a difference smaller than the seed-to-seed spread is not shown by one seed (None)."""
    without, with_ = (runs[n]["max_test_accuracy"] for n in ("bigger_conv_no_dropout", "bigger_conv_dropout"))
    shown = abs(with_ - without) > SEED_SPREAD_3_1
    return (f"max test accuracy: without dropout {pct(without)}, with {pct(with_)} (criterion: higher with dropout, "
            f"by more than the {100 * SEED_SPREAD_3_1:.2f} point the seed alone moves it)",
            with_ > without if shown else None)


def bigger_conv_dropout_test_loss(runs):
    without, with_ = runs["bigger_conv_no_dropout"], runs["bigger_conv_dropout"]
    rise = [run["curves"]["test"]["loss"][-1] / min(run["curves"]["test"]["loss"]) for run in (without, with_)]
    return (f"final test loss / lowest: without dropout {rise[0]:.2f}, with {rise[1]:.2f}", rise[1] < rise[0])


def batchnorm_above_995(runs):
    best = runs["batchnorm_conv"]["max_test_accuracy"]
    return f"max test accuracy {pct(best)} (step {runs['batchnorm_conv']['max_test_accuracy_step']})", best > 0.995


def batchnorm_on_the_talks_network(runs):
    best = runs["batchnorm_on_3_1_less_dropout"]["max_test_accuracy"]
    default = runs["batchnorm_conv"]["max_test_accuracy"]
    return (f"max test accuracy {pct(best)} (lesson 4.0's own 24, 48, 64 channels and keep 0.75: {pct(default)})",
            best > 0.995)


def batchnorm_unsaturates_sigmoids(runs):
    with_, without = ([layer["saturated"] for layer in runs[n]["activations"]]
                      for n in ("sigmoid_batchnorm", "sigmoid_no_batchnorm"))
    listed = lambda shares: " ".join(f"{100 * s:.0f}%" for s in shares)  # noqa: E731
    return (f"activations within 0.05 of 0 or 1, layers 1-4: without batch norm {listed(without)}, "
            f"with {listed(with_)}", all(w < wo for w, wo in zip(with_, without)))


CLAIMS = (
    ("softmax 1.0", "about 92%", ["softmax"], softmax_about_92),
    ("sigmoid -> ReLU", "ReLU starts faster (first 300 steps, same learning rate 0.003)",
     ["sigmoid_start", "relu_start"], relu_starts_faster),
    ("sigmoid -> ReLU", "and ends up higher", ["sigmoid", "relu_constant_lr"], relu_ends_higher),
    ("constant learning rate", "ReLU at 0.003 reaches ~98%, but the test accuracy is noisy (jumps up to a point)",
     ["relu_constant_lr", "relu_decaying_lr"], constant_lr_is_noisy),
    ("decaying learning rate", "the noise is gone: stable above 98%", ["relu_decaying_lr"], decay_stays_above_98),
    ("decaying learning rate", "training accuracy stuck at 100% in the last ~2,000 steps", ["relu_decaying_lr"],
     training_accuracy_stuck_at_100),
    ("dropout", "the test loss is brought back under control", ["relu_decaying_lr", "relu_dropout"],
     dropout_tames_test_loss),
    ("dropout", "the accuracy is not higher", ["relu_decaying_lr", "relu_dropout"], dropout_accuracy_not_higher),
    ("batch norm, sigmoid", "activations spread over the sigmoid's range instead of piled at its ends",
     ["sigmoid_batchnorm", "sigmoid_no_batchnorm"], batchnorm_unsaturates_sigmoids),
    ("convolutional 3.0", "above 96% before step 200", ["conv"], conv_fast_start),
    ("convolutional 3.0", "ends at ~98.9%, and overfits (test loss rises)", ["conv"], conv_ends_989_and_overfits),
    ("bigger convnet 3.1", "dropout: ~99.1% -> ~99.3%", ["bigger_conv_no_dropout", "bigger_conv_dropout"],
     bigger_conv_dropout),
    ("bigger convnet 3.1", "dropout keeps the test loss under control", ["bigger_conv_no_dropout",
     "bigger_conv_dropout"], bigger_conv_dropout_test_loss),
    ("batch norm 4.0", "above 99.5%", ["batchnorm_conv"], batchnorm_above_995),
    ("batch norm on 3.1's network", "applied to the convnet of before (6, 12, 24 channels), with a lower amount "
     "of dropout (keep 0.9 here): above 99.5%", ["batchnorm_on_3_1_less_dropout", "batchnorm_conv"],
     batchnorm_on_the_talks_network),
)


# ------------------------------------------------------------------------------------------------

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


def check_run(path, summary, number):
    """Raise a UsageError naming the file and the field unless the run summary of lesson `number` (read by
    compare_runs.read_summary, which checked its curves) holds what the claims and the tables read: FIGURES, the
    machine, the date it finished, a number at every measurement of its curves (a diverged run's null cannot be
    held against a claim), and for lesson 4.1 its activations' saturated shares."""
    def refuse(field, what):
        raise UsageError(f"{path}: {field} {what}")

    for key in FIGURES:
        value = summary.get(key)
        if not compare_runs.is_finite_number(value):
            refuse(key, f"is {compare_runs.kind(value)}, not a number" if key in summary else "is missing")
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
        refuse("machine", f"is {compare_runs.kind(machine)}, not an object" if "machine" in summary else "is missing")
    for key in ("cpus", "gpu", "tensorflow"):
        if key not in machine:
            refuse(f"machine.{key}", "is missing")
    if not isinstance(summary.get("finished", ""), str):
        refuse("finished", f"is {compare_runs.kind(summary['finished'])}, not a date")
    if number == "4.1" or "activations" in summary:
        layers = summary.get("activations")
        if not isinstance(layers, list) or not layers:
            refuse("activations", f"is {compare_runs.kind(layers)}, not a list of layers" if "activations" in summary
                   else "is missing (lesson 4.1 writes them)")
        for i, layer in enumerate(layers):
            value = layer.get("saturated") if isinstance(layer, dict) else None
            if not compare_runs.is_finite_number(value):
                refuse(f"activations[{i}].saturated", f"is {compare_runs.kind(value)}, not a number")


def runs_in(folder):
    """The runs of an earlier talk_claims.py found in its folder of run summaries: {name: (path, summary)}.
    Only a complete run whose flags are those talk_claims.py runs counts (seed 0, the run's flags, the lesson's
    own iterations and test cadence otherwise): a short or interrupted run of the same lesson is left out.
    A summary is matched to the run with the most flags it satisfies (2.1 at a constant learning rate
    is "relu_constant_lr", not "relu_decaying_lr"). A file that is not a run summary is one line naming the file
    and the field (a UsageError)."""
    summaries = [(path, compare_runs.read_summary(path)[0])  # (its notes of what cannot be drawn: check_run's)
                 for path in sorted(glob.glob(os.path.join(glob.escape(folder), "*.json")))]
    found = {}
    for name in sorted(RUNS, key=lambda n: -len(RUNS[n][1])):  # the most specific first
        number, flags, _ = RUNS[name]
        wanted = {**lesson_defaults(number), "seed": 0, **flag_values(flags)}
        for path, summary in summaries:
            if (lesson_number(summary) == number and path not in (p for p, _ in found.values())
                    and not summary.get("interrupted")
                    and all(_same(summary["hyperparameters"].get(k), v) for k, v in wanted.items())):
                found[name] = (path, summary)
    return found


def checked_runs_in(folder):
    """runs_in(folder), each run checked for what the claims and the tables read (check_run)."""
    found = runs_in(folder)
    for name, (path, summary) in found.items():
        check_run(path, summary, RUNS[name][0])
    return found


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
        runs_dir, found = args.from_runs, checked_runs_in(args.from_runs)
        for name, (path, _) in found.items():
            print(f"{name}: {os.path.basename(path)}")
        runs = {name: summary for name, (_, summary) in found.items()}
        paths = {name: path for name, (path, _) in found.items()}
        claims = [c for c in CLAIMS if all(name in runs for name in c[2])]
        left_out = [c[0] for c in CLAIMS if c not in claims]
        if left_out and claims:
            print(f"not checked, no complete run with talk_claims.py's flags: {'; '.join(left_out)}")
        needed = []
    else:
        if args.resume:
            runs_dir = check_output_dir(args.resume, "--resume")
            found = checked_runs_in(runs_dir)
            runs = {name: summary for name, (_, summary) in found.items()}
            paths = {name: path for name, (path, _) in found.items()}
            print(f"--resume {runs_dir}: {len(runs)} complete runs there ({', '.join(runs) or 'none'})")
        else:
            runs_dir = check_output_dir(os.path.join(PROJECT_DIR, "runs", "talk_claims-"
                                                     + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")),
                                        "the runs folder")
            runs, paths = {}, {}
        claims = [c for c in CLAIMS if not args.quick or all(RUNS[name][2] for name in c[2])]
        needed = [name for name in RUNS if any(name in c[2] for c in claims) and name not in runs]
    if not claims:
        raise UsageError(f"--from-runs {args.from_runs}: no run summaries of talk_claims.py there")
    scripts = {os.path.basename(s).split("_")[1]: s for s in lesson_scripts()}
    common = ["--runs-dir", runs_dir, "--seed", "0"] + (["--data-dir", args.data_dir] if args.data_dir else [])
    for name in needed:
        number, flags, _ = RUNS[name]
        print(f"running {name}: lesson {number} {' '.join(flags)}", flush=True)
        png = os.path.join(runs_dir, name + ".png") if name in DRAWN else None  # its dashboard: band panels kept
        runs[name] = run_lesson(scripts[number], flags + common, png=png)
        print(f"  max test accuracy {pct(runs[name]['max_test_accuracy'])}, {runs[name]['wall_seconds']:.0f} s",
              flush=True)

    rows = ["| claim | the talk says | measured here | holds |", "|---|---|---|---|"]
    for title, says, names, check in claims:
        try:
            measured, holds = check(runs)
        except (ValueError, ArithmeticError) as e:  # checked runs, yet made by hand: curves too short, a loss of 0
            raise UsageError(f"claim {title!r}: cannot be checked on {', '.join(paths.get(n, n) for n in names)} "
                             f"({e})") from None
        verdict = "not shown (one seed)" if holds is None else "yes" if holds else "**no**"
        rows.append(f"| {title} | {says} | {measured} | {verdict} |")
    rows += ["", "The lessons at their defaults (seed 0; --no-visu, or a headless dashboard for the runs whose band "
             "panels are drawn), from the same runs:", "",
             "| lesson | max test accuracy | final test accuracy | iterations | wall time (s) | training steps/s |",
             "|---|---|---|---|---|---|"]
    rows += [table_row(runs[name], RUNS[name][1]) for name in LESSONS_TABLE if name in runs]
    machine = next(iter(runs.values()))["machine"]
    days = sorted({run["finished"][:10] for run in runs.values() if run.get("finished")}) or ["unknown dates"]
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    command = ("python benchmarks/talk_claims.py" + (" --quick" if args.quick else "")
               + (f" --from-runs {args.from_runs}" if args.from_runs else "")
               + (f" --resume {args.resume}" if args.resume else ""))
    table = "\n".join(rows + ["", f"Seed 0, --no-visu, {machine['cpus']} CPU cores, "
                                  f"{'GPU' if machine['gpu'] else 'no GPU'}, TensorFlow {machine['tensorflow']}; "
                                  f"`{command}`, runs of {when}. Run summaries: {runs_dir}"])
    with atomic_output(args.output) as f:
        f.write(table + "\n")
    print("\n" + table + f"\n\nwritten to {args.output}")

    if args.pictures:
        from matplotlib.figure import Figure
        import livefigure
        for filename, names, labels, steps, bands in PICTURES:
            if all(name in runs and (not bands or "bands" in runs[name]) for name in names):
                chosen = [runs[name] for name in names]
                if bands:
                    figure = Figure(figsize=(12, 2.6 + 2.6 * len(names)))
                    compare_runs.draw_bands(figure, chosen, [paths.get(n, n) for n in names], names=labels)
                else:
                    figure = Figure(figsize=compare_runs.FIGURE_SIZE)
                    compare_runs.draw(figure, chosen, steps, names=labels)
                path = os.path.join(args.pictures, filename)
                livefigure.save_png(figure, path, dpi=70)
                print(f"picture: {path}")


if __name__ == "__main__":
    run_main(main)
