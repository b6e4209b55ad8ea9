"""Overlay the curves of several lesson runs, to see what one change does (the talk's comparisons).

    python compare_runs.py runs/mnist_2.0_*.json runs/mnist_2.1_*.json --steps 300 --labels sigmoid ReLU
    python compare_runs.py A.json B.json --save-png sigmoid_vs_relu.png
    python compare_runs.py with.json without.json --bands --labels "batch norm" "no batch norm"

Every lesson writes a JSON run summary under runs/ (see --runs-dir). This draws four panels, test and
training accuracy, test and training cross-entropy loss, one curve per run, aligned by training step,
each labelled by its lesson and the flags that differ between the runs (or by --labels, in words). With
--bands: the dashboard's two band panels of each run instead, side by side, one row per run (the runs must
have been drawn: a dashboard, not --no-visu). In a window where there is a display, in the cell's output in
a notebook (`%run compare_runs.py ...`), else (or with --save-png) in a PNG file.

Many runs (a sweep of seeds or flags): the legend takes as many columns as the width holds, in a smaller
font, and names the first runs only when even so they do not fit (a line says so); past 10 runs the colours
come again with another dash. A measurement that is not a number (null where a run diverged, NaN, Infinity) is
not drawn, and a line names the file and the curve; a file that is not a run summary is refused in a line.
"""

import json
import os
import sys

import numpy as np

from bands import PERCENTILES, band_key, draw_bands
from cli import UsageError, check_output_file, parser_from_docstring, positive_int, run_main, user_path
import figures  # where the picture goes: a window, the notebook cell, a PNG
from runcurves import zoomed_limits
from runsummary import is_finite_number, is_number, kind, not_drawn, read_summary

# flags that say where things go or how they are shown, not what is trained: never a label
NOT_WHAT_IS_TRAINED = {
    "data_dir",
    "runs_dir",
    "save_png",
    "save_movie",
    "exit_at_end",
    "no_visu",
    "test_every",
    "train_every",
    "iterations",
}
FIGURE_SIZE = (12, 7.5)
SMOOTHING = 11  # the training curves' running mean, in measurements
LOSS_NAME = "cross-entropy, summed over 100 images"  # the lessons' loss: the mean over a batch, x100
RUNS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")  # the lessons' runs folder
PANELS = (("test", "accuracy"), ("train", "accuracy"), ("test", "loss"), ("train", "loss"))
# many runs: matplotlib's 10 colours, then the same colours with another dash (50 runs, each its own look)
COLOURS = 10
DASHES = ("-", "--", ":", "-.", (0, (6, 1.5, 1, 1.5, 1, 1.5)))
LEGEND_FONT_SIZES = (9, 8, 7)  # the legend's font, smaller as the runs grow in number, to fit
LEGEND_MAX_HEIGHT = 0.3  # the share of the figure's height the legend may take, at most
LABEL_MAX_CHARS = 70  # a longer label is cut in its middle


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument(
        "summaries", nargs="+", metavar="RUN.json", type=user_path, help="run summaries written by the lessons"
    )
    parser.add_argument("--steps", type=positive_int, metavar="N", help="show only the first N training steps")
    parser.add_argument(
        "--save-png", metavar="FILE", type=user_path, help="save the picture as a PNG instead of opening a window"
    )
    parser.add_argument("--title", help="the picture's title (default: the lessons compared)")
    parser.add_argument(
        "--labels",
        nargs="+",
        metavar="LABEL",
        help="the runs' names in the legend, in words, one per run (default: the lesson and the flags that differ)",
    )
    parser.add_argument(
        "--bands", action="store_true", help="draw the runs' band panels, side by side, instead of their curves"
    )
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.summaries):
        parser.error(f"--labels: {len(args.labels)} labels for {len(args.summaries)} runs (one per run)")
    if args.save_png and not args.save_png.lower().endswith(".png"):
        parser.error(f"--save-png {args.save_png}: the file name must end in .png")
    return args


def load_summary(path):
    """A run summary, checked: one line naming the file when it is missing or is not a run summary; and, when
    some of its measurements cannot be drawn, one line on stderr saying which (the rest is drawn)."""
    summary, left_out = read_summary(path)
    if left_out:
        print(f"note: {path}: not drawn: {'; '.join(left_out)}", file=sys.stderr)
    return summary


def labels(summaries):
    """One label per run: the lesson's number, then the flags whose values differ between the runs."""
    keys = sorted({k for s in summaries for k in s["hyperparameters"]} - NOT_WHAT_IS_TRAINED)
    differing = [k for k in keys if len({json.dumps(s["hyperparameters"].get(k)) for s in summaries}) > 1]
    result = []
    for s in summaries:
        number = s["lesson"].split("_")[1] if s["lesson"].startswith("mnist_") else s["lesson"]
        flags = []
        for key in differing:
            value = s["hyperparameters"].get(key)
            flag = "--" + key.replace("_", "-")
            if value is True:
                flags.append(flag)
            elif value is False and key == "batchnorm":
                flags.append("--no-batchnorm")
            elif value is not None and value is not False:  # (0 == False in Python: compare identities)
                flags.append(f"{flag} {' '.join(map(str, value)) if isinstance(value, list) else value}")
        result.append(" ".join([number] + flags))
    if len(set(result)) < len(result):  # same lesson and flags: tell them apart by when they ran
        result = [f"{label} ({s.get('finished', '?')})" for label, s in zip(result, summaries)]
    return result


def smoothed(values, window=SMOOTHING):
    """The running mean of `window` values (fewer at the ends), as the eye sees a noisy curve's trend: the
    training batch's accuracy jumps by a whole percent from one batch of 100 images to the next."""
    values = np.asarray(values, np.float64)
    if len(values) < 3:
        return values
    window = min(window, len(values) // 2 * 2 - 1)  # odd, shorter than the curve
    kernel = np.ones(window)
    totals = np.convolve(values, kernel, mode="same")
    counts = np.convolve(np.ones(len(values)), kernel, mode="same")
    return totals / counts


def run_style(run):
    """The colour and dash of run number `run` (0, 1, ...): matplotlib's 10 colours, then the same colours again
    with another dash, so that up to 50 runs each have a look of their own."""
    return {"color": f"C{run % COLOURS}", "linestyle": DASHES[run // COLOURS % len(DASHES)]}


def plain(text):
    """Text shown as it is written: matplotlib takes what lies between two $ for a formula (and fails on a
    formula it cannot read), so a $ of a label or a title is escaped."""
    return str(text).replace("$", r"\$")


def shortened(label):
    """A label of at most LABEL_MAX_CHARS characters: a longer one is cut in its middle."""
    if len(label) <= LABEL_MAX_CHARS:
        return label
    half = (LABEL_MAX_CHARS - 3) // 2
    return label[:half] + "..." + label[-half:]


def renderer_of(figure):
    """What measures the figure's texts before it is drawn (a figure made without a canvas is given one)."""
    if not hasattr(figure.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure)
    return figure.canvas.get_renderer()


def draw(figure, summaries, steps=None, title=None, names=None):
    """Draw the four panels into figure: test and training accuracy and loss, one colour per run, from step 0.
    The training curves (a batch of 100 images each, noisy) are drawn faint, their running mean bold. Only the
    measurements that are numbers are drawn (load_summary() set the others to None, and said so)."""
    axes = figure.subplots(2, 2).ravel()
    names = names or labels(summaries)
    drawn = set()  # the runs that have a line somewhere: only they are in the legend
    for ax, (which, figure_name) in zip(axes, PANELS):
        drawn |= draw_panel(ax, summaries, which, figure_name, steps)
    runs = [run for run in range(len(summaries)) if run in drawn]
    if len(runs) > COLOURS * len(DASHES):
        print(
            f"note: {len(runs)} runs, {COLOURS * len(DASHES)} looks ({COLOURS} colours x {len(DASHES)} dashes): "
            f"runs {COLOURS * len(DASHES)} apart look alike",
            file=sys.stderr,
        )
    for run in range(len(summaries)):
        if run not in drawn:  # (load_summary() refuses a run with nothing to draw at all: --steps left it out)
            print(
                f"note: {names[run]}: nothing to draw{'' if steps is None else f' in the first {steps} steps'}: "
                "left out of the legend",
                file=sys.stderr,
            )
    top = draw_heading(figure, title, [names[run] for run in runs])
    bottom = place_legend(figure, runs, names, top)
    figure.tight_layout(rect=(0, 0, 1, bottom - 0.01))


def draw_panel(ax, summaries, which, figure_name, steps):
    """One panel: every run's `which` ("test" or "train") curve of `figure_name` ("accuracy" or "loss"), up to
    `steps` when given. Returns the numbers of the runs it drew a line for."""
    drawn, trends = set(), []
    for run, summary in enumerate(summaries):
        curve = summary["curves"][which]
        points = [
            (s, v)
            for s, v in zip(curve["step"], curve[figure_name])
            if s is not None and v is not None and (steps is None or s <= steps)
        ]
        if not points:
            continue
        drawn.add(run)
        x, y = (np.array(v, np.float64) for v in zip(*points))
        if which == "train":
            ax.plot(x, y, color=run_style(run)["color"], lw=0.6, alpha=0.25)
            y = smoothed(y)
        ax.plot(x, y, lw=1.6, **run_style(run))
        trends.append(y)
    ax.set_title(
        f"test {figure_name}: the 10,000 test images"
        if which == "test"
        else f"training {figure_name}: each batch (faint), the mean of {SMOOTHING} (bold)",
        fontsize=9,
    )
    ax.set_ylabel(LOSS_NAME if figure_name == "loss" else "share of the digits recognised", fontsize=8)
    ax.set_xlabel("training step", fontsize=8)
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    last = max((s for summary in summaries for s in summary["curves"][which]["step"] if s is not None), default=1)
    ax.set_xlim(0, steps if steps is not None else max(last, 1))
    # the later half of the curves sets the y range; with --steps (a look at the start), the whole curves
    limits = zoomed_limits(figure_name, trends, skip=0.5 if steps is None else 0.0)
    if limits:
        ax.set_ylim(*limits)
    return drawn


def draw_heading(figure, title, names):
    """The figure's title: `title`, or else the runs drawn (`names`) one after the other while they fit on a line.
    Returns the heading's bottom, a share of the figure's height, where the legend goes."""
    renderer = renderer_of(figure)
    if title is None:
        heading = figure.suptitle(plain("compared: " + " vs ".join(names)), fontsize=11)
        if heading.get_window_extent(renderer).width > 0.98 * figure.bbox.width:
            heading.set_text(f"compared: {len(names)} runs (the legend names them)")
    else:
        heading = figure.suptitle(plain(title), fontsize=11)
    heading.set_in_layout(False)  # tight_layout() leaves room for it and the legend: rect= below
    return heading.get_window_extent(renderer).y0 / figure.bbox.height - 0.005


def widest_legend(figure, handles, texts, count, fontsize, top):
    """The legend of the first `count` of the runs (`handles`, `texts`), and an entry for the others, centred under
    `top`, in the most columns that fit in the figure's width (searched by halves)."""
    from matplotlib.lines import Line2D

    renderer, width = renderer_of(figure), 0.98 * figure.bbox.width
    handle_length = 2.0 if len(handles) <= COLOURS else 3.5  # long enough to show a dash's pattern
    more = len(handles) - count
    entries = (
        handles[:count] + [Line2D([], [], lw=0)] * (more > 0),
        texts[:count] + [f"... and {more} more"] * (more > 0),
    )
    columns = sorted({-(-len(entries[0]) // rows) for rows in range(1, len(entries[0]) + 1)})
    best, low, high = None, 0, len(columns) - 1
    while low <= high:
        middle = (low + high) // 2
        legend = figure.legend(
            *entries,
            loc="upper center",
            bbox_to_anchor=(0.5, top),
            ncol=columns[middle],
            fontsize=fontsize,
            frameon=False,
            handlelength=handle_length,
        )
        if legend.get_window_extent(renderer).width <= width or middle == 0:  # (one column: as narrow as it gets)
            if best is not None:
                best.remove()
            best, low = legend, middle + 1
        else:
            legend.remove()
            high = middle - 1
    return best


def place_legend(figure, runs, names, top):
    """The legend of the runs drawn (their numbers `runs`; `names`: every run's), centred under `top` (a share of
    the figure's height): in as many columns as the figure's width holds, in a smaller font as the runs grow in
    number, at most LEGEND_MAX_HEIGHT of the figure's height. When even so there is no room for every run, the
    first ones are named, a last entry says how many more there are, and a line on stderr says so.
    Returns the legend's bottom, a share of the figure's height."""
    from matplotlib.lines import Line2D

    if not runs:
        return top
    renderer, room = renderer_of(figure), LEGEND_MAX_HEIGHT * figure.bbox.height
    handles = [Line2D([], [], lw=2, **run_style(run)) for run in runs]
    texts = [plain(shortened(names[run])) for run in runs]
    for fontsize in LEGEND_FONT_SIZES:
        legend = widest_legend(figure, handles, texts, len(runs), fontsize, top)
        if legend.get_window_extent(renderer).height <= room:
            return legend.get_window_extent(renderer).y0 / figure.bbox.height
        if fontsize != LEGEND_FONT_SIZES[-1]:
            legend.remove()
    # still too tall in the smallest font: the first runs, as many as the room holds
    count = len(runs)
    while True:
        height = legend.get_window_extent(renderer).height
        if height <= room or count == 0:
            break
        legend.remove()
        count = max(0, min(count - 1, int((count + 1) * room / height) - 1))  # the rows scale with the entries
        legend = widest_legend(figure, handles, texts, count, LEGEND_FONT_SIZES[-1], top)
    print(
        f"note: the legend names the first {count} of the {len(runs)} runs: no room for more (compare fewer "
        "runs, or give them shorter --labels)",
        file=sys.stderr,
    )
    return legend.get_window_extent(renderer).y0 / figure.bbox.height


def check_bands(bands, path):
    """Raise a UsageError naming the file and the field unless `bands` are a dashboard's band panels, as a
    lesson writes them: two titles and two y ranges (null or [low, high]), and at each step (a number) the
    8 percentiles (numbers, or null where a run diverged) of each of the two panels. Values that cannot be
    drawn (null, NaN, infinities) are said in a line on stderr."""

    def refuse(field, what):
        raise UsageError(f"--bands: {path}: {field} {what}")

    if not isinstance(bands, dict):
        refuse("bands", f"is {kind(bands)}, not an object")
    for key in ("titles", "limits", "step", "percentiles"):
        if not isinstance(bands.get(key), list):
            refuse(f"bands.{key}", f"is {kind(bands[key])}, not a list" if key in bands else "is missing")
    for key in ("titles", "limits"):
        if len(bands[key]) != 2:
            refuse(f"bands.{key}", f"has {len(bands[key])} entries, not 2 (one per panel)")
    for i, limit in enumerate(bands["limits"]):
        if limit is not None and not (
            isinstance(limit, list)
            and len(limit) == 2
            and all(is_finite_number(v) for v in limit)
            and limit[0] < limit[1]
        ):
            refuse(f"bands.limits[{i}]", f"is {kind(limit)}, not null or [low, high]")
    for i, step in enumerate(bands["step"]):
        if not is_finite_number(step):
            refuse(f"bands.step[{i}]", f"is {kind(step)}, not a step")
    if len(bands["percentiles"]) != len(bands["step"]):
        refuse("bands.percentiles", f"has {len(bands['percentiles'])} points for {len(bands['step'])} steps")
    size = len(PERCENTILES)
    for i, point in enumerate(bands["percentiles"]):
        if not (
            isinstance(point, list)
            and len(point) == 2
            and all(
                isinstance(panel, list) and len(panel) == size and all(v is None or is_number(v) for v in panel)
                for panel in point
            )
        ):
            refuse(f"bands.percentiles[{i}]", f"is not 2 lists (one per panel) of {size} numbers")
    why = [{not_drawn(v, "percentile") for v in panel} - {None} for point in bands["percentiles"] for panel in point]
    if any(why):
        print(
            f"note: {path}: not drawn: bands.percentiles: {sum(map(bool, why))} points with values that are "
            f"not numbers ({', '.join(sorted(set().union(*why)))})",
            file=sys.stderr,
        )


def draw_band_panels(figure, summaries, paths, steps=None, title=None, names=None):
    """The two band panels of each run, side by side, one row per run, on the same y ranges per column."""
    for summary, path in zip(summaries, paths):
        if "bands" not in summary:
            raise UsageError(f"--bands: {path} has no band panels (a run with --no-visu draws none)")
        check_bands(summary["bands"], path)
    names = names or labels(summaries)
    limits = []
    for column in range(2):  # one y range per column, that holds every run's bands: the runs read side by side
        fixed = [summary["bands"]["limits"][column] for summary in summaries]
        if all(fixed):
            low, high = min(f[0] for f in fixed), max(f[1] for f in fixed)
        else:
            values = np.array(
                [point[column] for summary in summaries for point in summary["bands"]["percentiles"]], np.float64
            )  # (null: NaN)
            values = values[np.isfinite(values)]
            low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        margin = 0.05 * (high - low) + 1e-6
        limits.append((low - margin, high + margin))
    axes = figure.subplots(len(summaries), 2, squeeze=False, sharex=True, sharey="col")
    for row, (summary, name) in enumerate(zip(summaries, names)):
        bands = summary["bands"]
        points = [i for i, s in enumerate(bands["step"]) if steps is None or s <= steps]
        for column in range(2):
            ax = axes[row, column]
            values = np.array([bands["percentiles"][i][column] for i in points], np.float64)  # (null: NaN)
            values = values.reshape(len(points), len(PERCENTILES))  # (none: [0, 8])
            finite = np.isfinite(values).all(axis=1)  # a point with a value that is not a number: not drawn
            draw_bands(
                ax, [bands["step"][i] for i, keep in zip(points, finite) if keep], values[finite], limits[column]
            )
            ax.set_title(plain(f"{name}: {bands['titles'][column]}"), fontsize=9)
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("training step", fontsize=8)
        ax.set_xlim(left=0)
    heading = figure.suptitle(plain(title or "compared: " + " vs ".join(names) + " (band panels)"), fontsize=11)
    if title is None and heading.get_window_extent(renderer_of(figure)).width > 0.98 * figure.bbox.width:
        heading.set_text(f"compared: {len(names)} runs (band panels)")
    figure.tight_layout(rect=(0, 0.07, 1, 0.96))
    band_key(figure, 0.02, 0.0)


def main(argv=None):
    args = parse_args(argv)
    summaries = [load_summary(path) for path in args.summaries]
    if (
        args.steps is not None
        and not args.bands
        and not any(
            s is not None and s <= args.steps
            for summary in summaries
            for curve in summary["curves"].values()
            for s in curve["step"]
        )
    ):
        raise UsageError(f"--steps {args.steps}: no run has a measurement in its first {args.steps} steps")
    # a window where one can be opened, the cell's output in a notebook, else (or with --save-png) a PNG file
    where, figure = figures.open_figure(FIGURE_SIZE, "compare_runs", "compare_runs", live=not args.save_png)
    path = args.save_png or (os.path.join(RUNS_DIR, "compare_runs.png") if where == "file" else None)
    if path:
        check_output_file(path, "--save-png")
    if args.bands:
        draw_band_panels(figure, summaries, args.summaries, args.steps, args.title, args.labels)
    else:
        draw(figure, summaries, args.steps, args.title, args.labels)
    figures.present(where, figure, png=path, dpi=90)
    if path:
        print(f"saved: {path}" + ("" if args.save_png else " (no display; --save-png FILE to choose where)"))
    if where == "window":
        figures.wait_until_closed(figure)


if __name__ == "__main__":
    run_main(main)
