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
networks and their seeds (55 minutes on 2 cores on 2026-12-03, about 4 hours at the speed of 2026-12-01: run it in
stretches with --resume). --pictures DIR also draws the talk's
comparisons with compare_runs.py, as PNGs in DIR. The table is also written to runs/talk_claims.md, the run
summaries under runs/talk_claims-DATE-TIME/; --from-runs that folder checks the claims again, and draws the
pictures, without running anything; --resume that folder runs only what it lacks (a run stopped halfway, or
stopped to free the machine), into it, then checks every claim.
"""

import datetime
import os
import sys
from typing import NamedTuple

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims import CLAIMS, RunSet, pct, spread, test_loss_rise  # noqa: E402  the talk's claims, each with its check
from cli import UsageError, atomic_output, check_output_dir, parser_from_docstring, run_main  # noqa: E402
import compare_runs  # noqa: E402
from claim_runs import RUNS, checked_runs_in, missing_runs  # noqa: E402  the runs the claims read, and finding them
from lessons_table import lesson_scripts, run_lesson, table_row  # noqa: E402


class Picture(NamedTuple):
    """One of the talk's comparisons, drawn by compare_runs.py."""

    filename: str
    runs: list
    labels: list  # the runs' labels, in words
    steps: int  # the first N steps only (None: the whole curves)
    bands: bool  # the band panels instead of the curves


# the runs at every lesson's defaults, in the lessons table (4.0 and 4.1 twice: both halves of their demonstrations)
LESSONS_TABLE = (
    "softmax",
    "sigmoid",
    "relu_decaying_lr",
    "relu_dropout",
    "conv",
    "bigger_conv_dropout",
    "batchnorm_conv",
    "sigmoid_batchnorm",
    "sigmoid_no_batchnorm",
    "relu_batchnorm",
    "relu_no_batchnorm",
)
# the runs drawn by a (headless) dashboard, whose summaries keep its band panels
DRAWN = ("sigmoid_batchnorm", "sigmoid_no_batchnorm", "relu_batchnorm", "relu_no_batchnorm", "batchnorm_conv")
# the talk's comparisons, drawn by compare_runs.py
NO_DROPOUT, DROPOUT = "no dropout", "dropout (pkeep 0.75)"
PICTURES = (
    Picture("sigmoid_vs_relu_start.png", ["sigmoid_start", "relu_start"], ["sigmoid", "ReLU"], 300, False),
    Picture(
        "constant_vs_decaying_lr.png",
        ["relu_constant_lr", "relu_decaying_lr"],
        ["constant learning rate 0.003", "decaying, 0.003 to 0.0001"],
        None,
        False,
    ),
    Picture("dropout_test_loss.png", ["relu_decaying_lr", "relu_dropout"], [NO_DROPOUT, DROPOUT], None, False),
    Picture(
        "bigger_conv_with_and_without_dropout.png",
        ["bigger_conv_no_dropout", "bigger_conv_dropout"],
        [NO_DROPOUT, DROPOUT],
        None,
        False,
    ),
    Picture(
        "batchnorm_sigmoid_bands.png",
        ["sigmoid_batchnorm", "sigmoid_no_batchnorm"],
        ["batch norm", "no batch norm"],
        None,
        True,
    ),
    Picture(
        "batchnorm_relu_bands.png", ["relu_batchnorm", "relu_no_batchnorm"], ["batch norm", "no batch norm"], None, True
    ),
    Picture("batchnorm_conv_activation_bands.png", ["batchnorm_conv"], ["lesson 4.2"], None, True),
)


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--data-dir", metavar="DIR", help="the MNIST folder, passed on to every lesson")
    parser.add_argument("--quick", action="store_true", help="the five-layer claims only (a few minutes)")
    parser.add_argument("--pictures", metavar="DIR", help="also draw the talk's comparisons as PNGs in DIR")
    parser.add_argument(
        "--from-runs",
        metavar="DIR",
        help="run nothing: check the claims on the run summaries "
        "of an earlier talk_claims.py (its runs/talk_claims-DATE-TIME folder)",
    )
    parser.add_argument(
        "--resume",
        metavar="DIR",
        help="complete an earlier talk_claims.py: run only the runs its "
        "runs/talk_claims-DATE-TIME folder lacks, into it, then check the claims on all of them",
    )
    parser.add_argument(
        "--output",
        default=os.path.join(PROJECT_DIR, "runs", "talk_claims.md"),
        metavar="FILE",
        help="where the table is written (default: runs/talk_claims.md)",
    )
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
        left_out = [
            f"{claim.title} (lacks {', '.join(f'{n} seed {s}' for n, s in missing_runs(runs, claim.runs))})"
            for claim in CLAIMS
            if claim not in claims
        ]
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
    command = (
        "python benchmarks/talk_claims.py"
        + (" --quick" if args.quick else "")
        + (f" --from-runs {args.from_runs}" if args.from_runs else "")
        + (f" --resume {args.resume}" if args.resume else "")
    )
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
        print(
            f"{name}: {os.path.basename(paths[name]) if name in paths else ''}"
            + (f" (seeds {', '.join(map(str, sorted(seeds)))})" if len(seeds) > 1 or 0 not in seeds else "")
        )
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
    print(
        f"--resume {runs_dir}: {sum(map(len, runs.by_seed.values()))} complete runs there "
        f"({', '.join(listed) or 'none'})"
    )
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
            raise UsageError(
                f"claim {claim.title!r}: cannot be checked on {', '.join(paths.get(n, n) for n in claim.runs)} ({e})"
            ) from None
        seeds = min(len(runs.by_seed[name]) for name in claim.runs)
        shown = "one seed" if seeds == 1 else f"{seeds} seeds"
        verdict = f"not shown ({shown})" if holds is None else "yes" if holds else "**no**"
        rows.append(f"| {claim.title} | {claim.says} | {measured} | {seeds} | {verdict} |")
    seeded = [name for name in RUNS if len(runs.by_seed.get(name, {})) > 1]
    if seeded:
        rows += [
            "",
            "The runs made with several seeds (max test accuracy; final test loss over its lowest):",
            "",
            "| run | lesson and flags | seeds | max test accuracy, seed by seed | mean | test loss rise, "
            "seed by seed |",
            "|---|---|---|---|---|---|",
        ]
        for name in seeded:
            every = runs.every_seed(name)
            best = [run["max_test_accuracy"] for run in every]
            rows.append(
                f"| {name} | {' '.join([RUNS[name].lesson] + RUNS[name].flags)} | "
                f"{', '.join(map(str, sorted(runs.by_seed[name])))} | {' '.join(pct(v) for v in best)} | "
                f"{spread(best)} | {' '.join(f'{test_loss_rise(run):.2f}' for run in every)} |"
            )
    rows += [
        "",
        "The lessons at their defaults (seed 0; --no-visu, or a headless dashboard for the runs whose band "
        "panels are drawn), from the same runs:",
        "",
        "| lesson | max test accuracy | final test accuracy | iterations | wall time (s) | training steps/s |",
        "|---|---|---|---|---|---|",
    ]
    rows += [table_row(runs[name], RUNS[name].flags) for name in LESSONS_TABLE if name in runs]
    every_run = [summary for seeds in runs.by_seed.values() for summary in seeds.values()]
    machine = every_run[0]["machine"]
    days = sorted({run["finished"][:10] for run in every_run if run.get("finished")}) or ["unknown dates"]
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    return "\n".join(
        rows
        + [
            "",
            f"Seed 0 (seeds 0 to N-1 where the seeds column says N), --no-visu, "
            f"{machine['cpus']} CPU cores, "
            f"{'GPU' if machine['gpu'] else 'no GPU'}, TensorFlow {machine['tensorflow']}; "
            f"{command}, runs of {when}. Run summaries: {runs_dir}",
        ]
    )


def draw_pictures(folder, runs, paths):
    """The talk's comparisons (PICTURES) whose runs are there, drawn by compare_runs.py as PNGs in folder."""
    from matplotlib.figure import Figure
    import figures

    for picture in PICTURES:
        if all(name in runs and (not picture.bands or "bands" in runs[name]) for name in picture.runs):
            chosen = [runs[name] for name in picture.runs]
            if picture.bands:
                figure = Figure(figsize=(12, 2.6 + 2.6 * len(picture.runs)))
                compare_runs.draw_band_panels(
                    figure, chosen, [paths.get(n, n) for n in picture.runs], names=picture.labels
                )
            else:
                figure = Figure(figsize=compare_runs.FIGURE_SIZE)
                compare_runs.draw(figure, chosen, picture.steps, names=picture.labels)
            path = os.path.join(folder, picture.filename)
            figures.save_png(figure, path, dpi=70)
            print(f"picture: {path}")


if __name__ == "__main__":
    run_main(main)
