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
"""
import json
import os

import numpy as np

from cli import UsageError, check_output_file, parser_from_docstring, positive_int, run_main, user_path
import livefigure
import tensorflowvisu

# flags that say where things go or how they are shown, not what is trained: never a label
NOT_WHAT_IS_TRAINED = {"data_dir", "runs_dir", "save_png", "save_movie", "exit_at_end", "no_visu", "test_every",
                       "train_every", "iterations"}
FIGURE_SIZE = (12, 7.5)
SMOOTHING = 11  # the training curves' running mean, in measurements
LOSS_NAME = "cross-entropy, summed over 100 images"  # the lessons' loss: the mean over a batch, x100
RUNS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")  # the lessons' runs folder
PANELS = (("test", "accuracy"), ("train", "accuracy"), ("test", "loss"), ("train", "loss"))


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("summaries", nargs="+", metavar="RUN.json", type=user_path, help="run summaries written by the lessons")
    parser.add_argument("--steps", type=positive_int, metavar="N", help="show only the first N training steps")
    parser.add_argument("--save-png", metavar="FILE", type=user_path, help="save the picture as a PNG instead of opening a window")
    parser.add_argument("--title", help="the picture's title (default: the lessons compared)")
    parser.add_argument("--labels", nargs="+", metavar="LABEL", help="the runs' names in the legend, in words, "
                        "one per run (default: the lesson and the flags that differ)")
    parser.add_argument("--bands", action="store_true", help="draw the runs' band panels, side by side, instead of "
                        "their curves")
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.summaries):
        parser.error(f"--labels: {len(args.labels)} labels for {len(args.summaries)} runs (one per run)")
    if args.save_png and not args.save_png.lower().endswith(".png"):
        parser.error(f"--save-png {args.save_png}: the file name must end in .png")
    return args


def load_summary(path):
    """A run summary, checked: one line naming the file when it is missing or is not a run summary."""
    try:
        with open(path) as f:
            summary = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file (the lessons write their run summaries under runs/)") from None
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: cannot read it as JSON ({e})") from None
    try:
        tensorflowvisu.Curves(summary["curves"])  # read back as the history the dashboard drew: checked
        summary["lesson"], summary["hyperparameters"]
    except (KeyError, TypeError, ValueError) as e:
        why = f"no {e}" if isinstance(e, KeyError) else str(e)
        raise UsageError(f"{path}: not a lesson's run summary ({why})") from None
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


def draw(figure, summaries, steps=None, title=None, names=None):
    """Draw the four panels into figure: test and training accuracy and loss, one colour per run, from step 0.
    The training curves (a batch of 100 images each, noisy) are drawn faint, their running mean bold."""
    axes = figure.subplots(2, 2).ravel()
    names = names or labels(summaries)
    for ax, (which, figure_name) in zip(axes, PANELS):
        trends = []
        for run, summary in enumerate(summaries):
            curve = summary["curves"][which]
            points = [(s, v) for s, v in zip(curve["step"], curve[figure_name]) if steps is None or s <= steps]
            if not points:
                continue
            x, y = (np.array(v, np.float64) for v in zip(*points))  # (None, a diverged run: NaN, not drawn)
            if which == "train":
                ax.plot(x, y, color=f"C{run}", lw=0.6, alpha=0.25)
                y = smoothed(y)
            ax.plot(x, y, color=f"C{run}", lw=1.6)
            trends.append(y)
        ax.set_title(f"test {figure_name}: the 10,000 test images" if which == "test" else
                     f"training {figure_name}: each batch (faint), the mean of {SMOOTHING} (bold)", fontsize=9)
        ax.set_ylabel(LOSS_NAME if figure_name == "loss" else "share of the digits recognised", fontsize=8)
        ax.set_xlabel("training step", fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
        last = max((s for summary in summaries for s in summary["curves"][which]["step"] if isinstance(s, (int, float))),
                   default=1)
        ax.set_xlim(0, steps if steps is not None else max(last, 1))
        # the later half of the curves sets the y range; with --steps (a look at the start), the whole curves
        limits = tensorflowvisu.zoomed_limits(figure_name, trends, skip=0.5 if steps is None else 0.0)
        if limits:
            ax.set_ylim(*limits)
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=f"C{run}", lw=2) for run in range(len(summaries))]
    figure.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=min(len(names), 4),
                  fontsize=9, frameon=False)
    figure.suptitle(title or "compared: " + " vs ".join(names), fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.92))


def draw_bands(figure, summaries, paths, steps=None, title=None, names=None):
    """The two band panels of each run, side by side, one row per run, on the same y ranges per column."""
    for summary, path in zip(summaries, paths):
        if "bands" not in summary:
            raise UsageError(f"--bands: {path} has no band panels (a run with --no-visu draws none)")
    names = names or labels(summaries)
    axes = figure.subplots(len(summaries), 2, squeeze=False, sharex=True, sharey="col")
    for row, (summary, name) in enumerate(zip(summaries, names)):
        bands = summary["bands"]
        points = [i for i, s in enumerate(bands["step"]) if steps is None or s <= steps]
        for column in range(2):
            ax = axes[row, column]
            tensorflowvisu.draw_bands(ax, [bands["step"][i] for i in points],
                                      [bands["percentiles"][i][column] for i in points], bands["limits"][column])
            ax.set_title(f"{name}: {bands['titles'][column]}", fontsize=9)
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
    for column in range(2):  # one y range per column, that holds every run's bands: the runs read side by side
        fixed = [summary["bands"]["limits"][column] for summary in summaries]
        if all(fixed):
            low, high = min(f[0] for f in fixed), max(f[1] for f in fixed)
        else:
            values = np.array([point[column] for summary in summaries for point in summary["bands"]["percentiles"]],
                              np.float64)
            values = values[np.isfinite(values)]
            low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        margin = 0.05 * (high - low) + 1e-6
        axes[0, column].set_ylim(low - margin, high + margin)  # shared by the column
    for ax in axes[-1]:
        ax.set_xlabel("training step", fontsize=8)
        ax.set_xlim(left=0)
    figure.suptitle(title or "compared: " + " vs ".join(names) + " (band panels)", fontsize=11)
    figure.tight_layout(rect=(0, 0.07, 1, 0.96))
    tensorflowvisu.band_key(figure, 0.02, 0.0)


def main(argv=None):
    args = parse_args(argv)
    summaries = [load_summary(path) for path in args.summaries]
    # a window where one can be opened, the cell's output in a notebook, else (or with --save-png) a PNG file
    where, figure = livefigure.open_figure(FIGURE_SIZE, "compare_runs", "compare_runs", live=not args.save_png)
    path = args.save_png or (os.path.join(RUNS_DIR, "compare_runs.png") if where == "file" else None)
    if path:
        check_output_file(path, "--save-png")
    if args.bands:
        draw_bands(figure, summaries, args.summaries, args.steps, args.title, args.labels)
    else:
        draw(figure, summaries, args.steps, args.title, args.labels)
    livefigure.present(where, figure, png=path, dpi=90)
    if path:
        print(f"saved: {path}" + ("" if args.save_png else " (no display; --save-png FILE to choose where)"))
    if where == "window":
        livefigure.wait_until_closed(figure)


if __name__ == "__main__":
    run_main(main)
