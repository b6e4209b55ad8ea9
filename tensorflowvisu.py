"""The lessons' dashboard: six panels that show a network learning, live in a window, live in a notebook
cell, or saved headless.

    +------------------+------------------+------------------+
    | 1 accuracy       | 2 cross-entropy  | 3 training batch |
    |   train & test   |   train & test   |   10 x 10 digits |
    +------------------+------------------+------------------+
    | 4 weights        | 5 biases         | 6 test digits:   |
    |   percentiles    |   percentiles    |   first 1,000    |
    +------------------+------------------+------------------+

Misrecognised digits are drawn on red, with the correct label (white, top left) and the predicted
label (yellow, top right). As in the talk, all 10,000 test digits are sorted, misrecognised ones first,
and the first 1,000 are shown (imagine 9 more screens below): on the side scale, where the red ends
reads as the share of the whole test set recognised (at 92%, 800 red digits and the edge at 92%).
Panels 4 and 5 show 7 percentile bands (min to max) of any values a lesson passes: weights and biases by
default, activations in lesson 4.0; the key under them says which percentiles each shade spans. The loss
is the lessons' cross-entropy: the mean over the images, times 100 (the total over a batch of 100).

Keys in the live window: 1-6 one panel alone, 7 accuracy + loss, 8 the two band panels,
9 training + test digits, 0 or Esc all six, space pause / resume.

In a notebook (Jupyter, JupyterLab, VS Code, Colab: `%run mnist_1.0_softmax.py` in a cell), matplotlib's
default backend there draws no window: the dashboard is one image in the cell's output, replaced in place
(an IPython display handle) about twice a second, while the step lines print below it.

It animates (livefigure.py): the curves grow across x axes that span the whole run from the start, and
each picture draws only what moved (curves, bands, digit grids, titles) over each panel's still
background; an axis range changes seldom and by a tidy step (steady_limits), and only that panel is then
drawn anew. About 5 pictures a second in a window, for about a tenth of the training time or less.

Nothing here knows TensorFlow: the curves come from a Curves (the run's one history, kept by the lesson's run
log), the digits and bands as plain NumPy values through show_training() and show_test().
"""
import time

import numpy as np

import livefigure

PERCENTILES = (0, 10, 25, 40, 60, 75, 90, 100)  # 8 edges: 7 bands from min to max
BAND_COLOUR, BAND_ALPHA = "tab:blue", 0.25     # each band a light shade: where they nest, the shades add up
TITLE_INTERVAL = 0.5  # seconds between two updates of the titles' figures, at least
STEADY_FILL = 0.4  # an axis range is kept while the values fill at least this share of it (steady_limits)
DIGIT = 28

# 3x5 pixel glyphs of the digits 0-9, to label misrecognised digits inside the image itself.
_GLYPH_ROWS = {
    0: ("111", "101", "101", "101", "111"), 1: ("010", "110", "010", "010", "111"),
    2: ("111", "001", "111", "100", "111"), 3: ("111", "001", "111", "001", "111"),
    4: ("101", "101", "111", "001", "001"), 5: ("111", "100", "111", "001", "111"),
    6: ("111", "100", "111", "101", "111"), 7: ("111", "001", "001", "010", "010"),
    8: ("111", "101", "111", "101", "111"), 9: ("111", "101", "111", "001", "111"),
}
GLYPHS = {d: np.kron(np.array([[c == "1" for c in row] for row in rows]), np.ones((2, 2), bool))
          for d, rows in _GLYPH_ROWS.items()}  # each [10, 6] booleans (3x5 font at 2x)
_GLYPH_STACKS = {DIGIT: np.stack([GLYPHS[d] for d in range(10)]),  # tile size -> glyphs: [10, 10, 6] at 2x,
                 DIGIT // 2: np.stack([GLYPHS[d][::2, ::2] for d in range(10)])}  # [10, 5, 3] in halved tiles

# keys of the live window -> the panels they show (0-5: accuracy, loss, training digits, bands 1, bands 2,
# test digits); 0 or Esc show all six
PANEL_KEYS = {"1": (0,), "2": (1,), "3": (2,), "4": (3,), "5": (4,), "6": (5,), "7": (0, 1), "8": (3, 4), "9": (2, 5)}

BACKGROUND_OK = np.array([255, 255, 255], np.float32)
BACKGROUND_WRONG = np.array([230, 70, 70], np.float32)
INK = np.array([20, 20, 20], np.float32)
LABEL_CORRECT = np.array([255, 255, 255], np.uint8)
LABEL_PREDICTED = np.array([255, 240, 0], np.uint8)


def _rgba32(rgb):
    """RGB colours [..., 3] as opaque RGBA pixels, one uint32 each (4 bytes in memory order R, G, B, A)."""
    rgb = np.asarray(rgb, np.uint8)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)
    return np.ascontiguousarray(rgba).view(np.uint32)[..., 0]


_INK = np.linspace(0, 1, 256, dtype=np.float32)[:, None]  # [256, 1] ink levels
_INK_ON_BACKGROUNDS = _rgba32(np.concatenate([background * (1 - _INK) + INK * _INK for background in
                                              (BACKGROUND_OK, BACKGROUND_WRONG)]))  # [512]: on white, then on red


def percentile_bands(values):
    """The 8 percentiles PERCENTILES of all values (any shape), which bound 7 bands from min to max."""
    return np.percentile(np.ravel(values), PERCENTILES).astype(np.float32)


def digit_grid(images, labels, predictions, columns, rows, misrecognised_first=True, rgba=False):
    """RGB image [rows*28, columns*28, 3] of rows*columns digits, misrecognised ones on red (rgba: RGBA, 4).

    images: [N, 28, 28] or [N, 28, 28, 1] in [0, 1], or as ink_levels() (uint8); or halved, [N, 14, 14] (the
        tiles then 14 pixels, for a panel that shows them smaller than that anyway); labels, predictions: [N].
    misrecognised_first: all N digits are sorted, misrecognised ones first, before the first rows*columns
        are shown (as in the talk: the whole test set sorted, its first 1,000 on screen); else the first ones.
    Returns (image, number of misrecognised digits among all N).
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    wrong_all = labels != predictions                                         # [N] over all the digits
    order = np.argsort(~wrong_all, kind="stable") if misrecognised_first else np.arange(len(labels))
    shown = order[:rows * columns]                                            # only these become tiles
    count = len(shown)
    labels, predictions, wrong = labels[shown], predictions[shown], wrong_all[shown]

    # each pixel's colour, from its ink (0 to 1, in 256 levels) and its tile's background: a table look-up,
    # [n, T, T] levels -> [n, T, T] RGBA pixels (one uint32 each), = background * (1 - ink) + INK * ink
    tile = DIGIT // 2 if np.shape(images)[1] == DIGIT // 2 else DIGIT                       # T: 28, or 14 halved
    ink = ink_levels(images[shown]).reshape(count, tile, tile)                                # [n, T, T]
    levels = ink.astype(np.intp) + 256 * wrong[:, None, None]                                 # [n, T, T]
    tiles = np.take(_INK_ON_BACKGROUNDS, levels)                                              # [n, T, T]
    glyphs = _GLYPH_STACKS[tile]                                                              # [10, 5g, 3g]
    height, width = glyphs.shape[1:]
    wrong_tiles = np.flatnonzero(wrong)  # their labels drawn in: correct top left, predicted top right
    for columns_, digits, colour in ((slice(1, 1 + width), labels, LABEL_CORRECT),
                                     (slice(tile - 1 - width, tile - 1), predictions, LABEL_PREDICTED)):
        corner = tiles[wrong_tiles, 1:1 + height, columns_]                             # [wrong, 5g, 3g]
        corner[glyphs[digits[wrong_tiles].astype(np.intp)]] = _rgba32(colour)
        tiles[wrong_tiles, 1:1 + height, columns_] = corner
    grid = np.full((rows * columns, tile, tile), _rgba32([240, 240, 240]), np.uint32)  # grey: no digit
    grid[:count] = tiles
    grid = grid.reshape(rows, columns, tile, tile).transpose(0, 2, 1, 3).reshape(rows * tile, columns * tile)
    image = grid.view(np.uint8).reshape(rows * tile, columns * tile, 4)                  # [H, W, 4] RGBA
    return (image if rgba else np.ascontiguousarray(image[..., :3])), int(wrong_all.sum())


def ink_levels(images):
    """Digit images (pixels 0 to 1) as 256 levels of ink (uint8): what digit_grid() colours. Images given as
    levels already (uint8) come back as they are: the test set, converted once, is sorted again at every picture."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return (np.clip(images, 0, 1) * 255 + 0.5).astype(np.uint8)


def halved(images):
    """Digit images at half their size, [N, 14, 14] (each pixel the mean of 2 x 2), as ink levels (uint8)."""
    ink = ink_levels(images).reshape(-1, DIGIT // 2, 2, DIGIT // 2, 2).astype(np.uint16)
    return (ink.sum(axis=(2, 4)) // 4).astype(np.uint8)


def recognised_scale(rows, columns, total, every=5):
    """The test panel's side scale: (row edges, labels) every `every` rows. All `total` test digits are
    sorted misrecognised first, so where the red ends, row r, reads as the share of them recognised."""
    edges = list(range(0, rows + 1, every))
    return [r * DIGIT - 0.5 for r in edges], [f"{100 - 100 * r * columns / total:g}%" for r in edges]


class Curves:
    """The one history of a run's measurements: the dashboard draws it while the run goes, the run summary
    keeps it (its "curves"), compare_runs.py overlays several. Plain lists, ready for JSON:

        train: step, accuracy, loss, learning_rate    the training batch, every --train-every steps
        test:  step, accuracy, loss, seconds          the whole test set, every --test-every steps

    data: the "curves" of a run summary, to read one back (a summary written before learning_rate was
    recorded has none). Raises ValueError when it is not one.
    """

    FIGURES = {"train": ("step", "accuracy", "loss", "learning_rate"), "test": ("step", "accuracy", "loss", "seconds")}
    REQUIRED = ("step", "accuracy", "loss")

    def __init__(self, data=None):
        self.train = {name: [] for name in self.FIGURES["train"]}
        self.test = {name: [] for name in self.FIGURES["test"]}
        if data is not None:
            for which in ("test", "train"):
                curve = data[which]
                for name in self.REQUIRED:
                    if name not in curve:
                        raise ValueError(f"no {which} {name} curve")
                lengths = {name: len(values) for name, values in curve.items() if name in self.FIGURES[which]}
                if len(set(lengths.values())) > 1:
                    raise ValueError(f"its {which} curves differ in length ({lengths})")
                getattr(self, which).update({name: list(curve[name]) for name in lengths})

    def add(self, which, step, accuracy, loss, **more):
        """One measurement: which is "train" or "test"; more: learning_rate (train) or seconds (test)."""
        curve = getattr(self, which)
        curve["step"].append(int(step))
        curve["accuracy"].append(round(float(accuracy), 6))
        curve["loss"].append(round(float(loss), 6))
        for name, value in more.items():
            curve[name].append(None if value is None else round(float(value), 9))

    def as_dict(self):
        """For the run summary: only the figures that were measured."""
        return {which: {name: values for name, values in getattr(self, which).items()
                        if values or name in self.REQUIRED} for which in ("train", "test")}


def zoomed_limits(figure_name, curves, skip=0.25):
    """The y range of an accuracy or loss panel drawn with `curves` (lists of values), from the part of each
    curve after its first `skip` share (the steep start): accuracy from a little under the lowest value up
    to 1, loss from 0 to a little over the highest. None when there is nothing to show yet."""
    parts = [np.asarray(curve[int(len(curve) * skip):], dtype=np.float64) for curve in curves]  # None: NaN
    values = np.concatenate(parts) if parts else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    if figure_name == "accuracy":
        low = float(values.min())
        return max(0.0, low - 0.2 * (1.0 - low) - 0.003), 1.0
    return 0.0, 1.15 * float(values.max()) + 1e-6


def steady_limits(current, low, high, floor=None, ceiling=None):
    """An axis range that moves seldom and by much: `current` (low, high) is kept while the values' range
    [low, high] fits in it and fills at least STEADY_FILL of it; else a new range around the values, a
    margin added and its ends rounded to a tidy step, within [floor, ceiling]. In a live dashboard each
    change costs a drawing of that panel anew (its ticks move), a few times a run rather than at every picture."""
    if current is not None and current[0] <= low and high <= current[1] and \
            high - low >= STEADY_FILL * (current[1] - current[0]):
        return current
    span = max(high - low, 0.05 * max(abs(low), abs(high)), 1e-6)  # values all alike: a range around them
    step = 10.0 ** np.floor(np.log10(span / 4))
    step *= next(m for m in (1, 2, 5, 10) if span / 4 <= m * step)       # a tidy step: 1, 2 or 5 x 10^k
    # room to move on a side the values crossed (growing weights go on growing), a little on the others
    below = 0.35 if current is not None and low < current[0] else 0.1
    above = 0.35 if current is not None and high > current[1] else 0.1
    new_low, new_high = np.floor((low - below * span) / step) * step, np.ceil((high + above * span) / step) * step
    if floor is not None:
        new_low = max(new_low, floor)
    if ceiling is not None:
        new_high = min(new_high, ceiling)
    return round(float(new_low), 9), round(float(new_high), 9)


def draw_bands(ax, steps, percentiles, limits=None, bands=None):
    """The 7 nested percentile bands (min-max, 10-90, 25-75, 40-60) of values over training steps, one
    collection of 4 shapes: where they nest, their shades add up.
    percentiles: [points, 8] (PERCENTILES at each step); limits: a fixed (low, high) y range, or None to follow
    the values; bands: the collection drawn before, whose outlines are moved in place (the live dashboard:
    no new artist at each picture). Returns the collection."""
    from matplotlib.collections import PolyCollection
    values = np.asarray(percentiles, np.float32).reshape(-1, len(PERCENTILES))
    steps = np.asarray(steps, np.float32)
    outlines = [np.concatenate([np.stack([steps, values[:, k]], 1),            # along its lower edge,
                                np.stack([steps, values[:, -1 - k]], 1)[::-1]])  # back along its upper edge
                for k in range(len(PERCENTILES) // 2)]                          # min-max, 10-90, 25-75, 40-60
    if bands is None:
        bands = ax.add_collection(PolyCollection(outlines, facecolors=BAND_COLOUR, alpha=BAND_ALPHA, lw=0))
        ax.autoscale_view(scaley=False)
    else:
        bands.set_verts(outlines)
    if limits is not None:
        if tuple(ax.get_ylim()) != tuple(limits):
            ax.set_ylim(*limits)
    elif len(values):
        low, high = float(values.min()), float(values.max())
        margin = 0.05 * (high - low) + 1e-6
        ax.set_ylim(low - margin, high + margin)
    return bands


def fit_image(image, ax):
    """An RGB or RGBA image resized to the pixels its axes take on screen now (averaged where it shrinks, repeated
    where it grows), with an opaque alpha channel: drawn 1:1, it costs a few milliseconds where matplotlib's
    own resampling of the 1,120 x 700 test grid costs twenty."""
    from PIL import Image
    width, height = max(1, int(round(ax.bbox.width))), max(1, int(round(ax.bbox.height)))
    picture = Image.fromarray(image)
    if picture.size != (width, height):
        shrinks = width * height < image.shape[0] * image.shape[1]
        picture = picture.resize((width, height), Image.Resampling.BOX if shrinks else Image.Resampling.NEAREST)
    return np.asarray(picture if picture.mode == "RGBA" else picture.convert("RGBA"))


def band_key(figure, x, y):
    """The key of the band panels, in one row at (x, y) of the figure: which percentiles each shade spans
    (the nested shades add up)."""
    from matplotlib.patches import Patch
    names = ("min to max", "10% to 90%", "25% to 75%", "40% to 60%")
    handles = [Patch(color=BAND_COLOUR, alpha=1 - (1 - BAND_ALPHA) ** (k + 1), lw=0) for k in range(len(names))]
    return figure.legend(handles, names, loc="lower left", bbox_to_anchor=(x, y), ncol=len(names), fontsize=8,
                         frameon=False, title="bands: percentiles of the values", title_fontsize=8,
                         alignment="left")


class Dashboard:
    """Draws a run: its curves (a Curves, the run's one history, read at each picture), the digits and the
    bands it is shown; live (window=True: in a window where a display can be reached, in the cell's output
    in a notebook) or only when asked (headless: window=False, or no display).

    steps: the training steps the run will take: the curves' x axes span them from the start, so that the
        curves grow across a still frame (None: the x axes grow as the run goes, each time a whole drawing).
    band_titles: titles of the two percentile-band panels.
    band_limits: a fixed (low, high) y range per band panel, or None to follow the values (e.g. (0, 1) to
        show a sigmoid's whole range).
    movie: a .gif or .mp4 path to record the pictures into, or None. watch: draw every measurement, whatever
        it costs (the run goes at the pace of its drawing).
    """

    TRAIN_GRID = (10, 10)  # rows, columns
    TEST_GRID = (25, 40)

    def __init__(self, title, curves=None, band_titles=("weights", "biases"), window=True, movie=None,
                 band_limits=(None, None), steps=None, watch=False):
        self.title = title
        self.curves = curves if curves is not None else Curves()
        self.band_titles = tuple(band_titles)
        self.band_limits = tuple(band_limits)
        self.steps = steps
        # live as images in a notebook cell's output, or in a window; else headless (drawn for the PNG, movie)
        self.live = livefigure.LiveFigure((13, 7.5), title, "dashboard", live=window, movie=movie, watch=watch,
                                          on_key=self._on_key)
        self.where, self._figure = self.live.where, self.live.figure
        # what the curves do not hold, all per instance
        self.band_steps, self.bands = [], ([], [])
        self.train_digits = None
        self.test_digits = None
        self._test_ink = (None, None)      # the test images shown, and as levels of ink (ink_levels)
        self._drawn_digits = (None, None)  # the digits the grids on screen were built from
        self._drawn_points = (0, 0, 0)     # training and test measurements, band points, drawn so far
        self._limits = [None] * 6          # each panel's y range (steady_limits), by panel index
        self._x_limit = None               # the curves' and bands' x range: 0 to this step
        self._titled_points, self._titled_at = 0, -np.inf  # test measurements in the titles, and when written
        self._build_panels()
        self.live.show_first()

    @property
    def pictures(self):
        """Pictures drawn while training (in the window, the notebook cell, the movie)."""
        return self.live.pictures

    @property
    def draw_seconds(self):
        return self.live.draw_seconds

    @property
    def closed(self):
        return self.live.closed

    # ------------------------------------------------------------------ figure and panels
    def _build_panels(self):
        fig = self._figure
        fig.suptitle(self.title, fontsize=13)
        grid = fig.add_gridspec(2, 3, left=0.05, right=0.95, bottom=0.12, top=0.9, wspace=0.25, hspace=0.35,
                                width_ratios=(1, 1, 1.3))  # the digit panels get more room
        self.axes = [fig.add_subplot(grid[row, col]) for row in range(2) for col in range(3)]
        self._home_positions = [ax.get_position() for ax in self.axes]
        acc_ax, loss_ax, train_ax, band1_ax, band2_ax, test_ax = self.axes

        self._acc_lines = (acc_ax.plot([], [], color="tab:blue", lw=1, label="training batch")[0],
                           acc_ax.plot([], [], color="tab:red", lw=2, label="test set")[0])
        self._loss_lines = (loss_ax.plot([], [], color="tab:blue", lw=1, label="training batch")[0],
                            loss_ax.plot([], [], color="tab:red", lw=2, label="test set")[0])
        acc_ax.set_ylabel("share of the digits recognised", fontsize=8)
        loss_ax.set_ylabel("cross-entropy, summed over 100 images", fontsize=8)  # the talk's loss: x100 the mean
        for ax in (acc_ax, loss_ax, band1_ax, band2_ax):
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
            ax.set_xlabel("training step", fontsize=8)
        self._x_limit = self.steps or 100
        for ax in (acc_ax, loss_ax, band1_ax, band2_ax):
            ax.set_xlim(0, self._x_limit)
        acc_ax.set_ylim(0, 1)

        # the digit grids: their full images kept, drawn resized to their panels' pixels (fit_image)
        self._grids = {}
        self._images = {}
        for ax, (rows, columns) in ((train_ax, self.TRAIN_GRID), (test_ax, self.TEST_GRID)):
            self._grids[ax] = np.full((rows * DIGIT, columns * DIGIT, 4), 240, np.uint8)
            image = livefigure.PixelImage(ax, interpolation="none",
                                          extent=(-0.5, columns * DIGIT - 0.5, rows * DIGIT - 0.5, -0.5))
            image.set_data(self._grids[ax])
            self._images[ax] = ax.add_image(image)
            ax.set_xlim(-0.5, columns * DIGIT - 0.5)
            ax.set_ylim(rows * DIGIT - 0.5, -0.5)
            ax.set_aspect("equal")
        train_ax.set_xticks([])
        train_ax.set_yticks([])
        test_ax.set_xticks([])
        # side scale: where the red digits end reads as the % of the whole test set recognised
        rows, columns = self.TEST_GRID
        test_ax.yaxis.tick_right()
        self._set_test_scale(10000)  # MNIST's test set, until the lesson shows another
        test_ax.set_yticks([r * DIGIT - 0.5 for r in range(rows + 1)], minor=True)
        self._band_artists = [None, None]
        for ax, title, limits in zip((band1_ax, band2_ax), self.band_titles, self.band_limits):
            ax.set_title(title, fontsize=10)
            if limits:
                ax.set_ylim(*limits)
        self._set_titles()
        band_key(fig, 0.045, 0.0)  # under the band panels
        acc_ax.legend(loc="lower right", fontsize=8)
        loss_ax.legend(loc="upper right", fontsize=8)
        # what moves, panel by panel (drawn in this order over each panel's still background)
        self.live.animate(acc_ax, self._acc_lines)
        self.live.animate(loss_ax, self._loss_lines)
        self.live.animate(acc_ax.title, [acc_ax.title])   # the test figures: they change less often
        self.live.animate(loss_ax.title, [loss_ax.title])
        self.live.animate(train_ax, [self._images[train_ax]])
        self.live.animate(test_ax, [self._images[test_ax]])
        self.live.animate(band1_ax, [])
        self.live.animate(band2_ax, [])

    def _set_test_scale(self, total):
        positions, labels = recognised_scale(*self.TEST_GRID, total)
        self._test_scale_total = total
        self.axes[5].set_yticks(positions)
        self.axes[5].set_yticklabels(labels, fontsize=8)

    def _set_titles(self):
        acc_ax, loss_ax, train_ax, _, _, test_ax = self.axes
        test = self.curves.test
        if test["accuracy"]:
            acc_ax.title.set_text(f"accuracy: test {test['accuracy'][-1]:.4f}, max {max(test['accuracy']):.4f}")
            loss_ax.title.set_text(f"cross-entropy loss: test {test['loss'][-1]:.2f}")
        else:
            acc_ax.set_title("accuracy", fontsize=10)
            loss_ax.set_title("cross-entropy loss", fontsize=10)
        train_ax.set_title("training digits (red: misrecognised)", fontsize=10)
        total = len(self.test_digits[1]) if self.test_digits else 10000
        shown = min(total, self.TEST_GRID[0] * self.TEST_GRID[1])
        test_ax.set_title(f"test digits: all {total:,} sorted, misrecognised first; the first {shown:,}"
                          if total > shown else f"{total:,} test digits, misrecognised first", fontsize=10)

    # ------------------------------------------------------------------ what the curves do not hold
    def show_training(self, step, images=None, labels=None, predictions=None, bands=None):
        """After a training-batch measurement (already in the curves): images/labels/predictions feed the digit
        grid; bands: for each of the two band panels, the 8 PERCENTILES of the values it shows at this step
        (percentile_bands() computes them from the values; the lessons compute them in their graph)."""
        if images is not None:
            self.train_digits = (images, labels, predictions)
        if bands is not None:
            self.band_steps.append(step)
            for history, percentiles in zip(self.bands, bands):
                history.append(np.asarray(percentiles, np.float32).reshape(len(PERCENTILES)))

    def band_history(self):
        """The two band panels' history, for the run summary (compare_runs.py --bands draws it again):
        titles, fixed y ranges (or None), steps, and the 8 PERCENTILES of each panel at each step."""
        return {"titles": list(self.band_titles), "limits": [list(l) if l else None for l in self.band_limits],
                "step": [int(s) for s in self.band_steps],
                "percentiles": [[[round(float(v), 6) for v in panel[i]] for panel in self.bands]
                                for i in range(len(self.band_steps))]}

    def show_test(self, images=None, labels=None, predictions=None):
        """After a test-set measurement (already in the curves): images/labels/predictions, of the whole test
        set, feed the test-digit grid (all sorted, misrecognised first, and the first 1,000 shown)."""
        if images is not None:
            if self._test_ink[0] is not images:  # the same test images at every measurement: converted once,
                self._test_ink = (images, halved(images))  # halved: the panel shows them smaller than 14 pixels
            self.test_digits = (self._test_ink[1], labels, predictions)

    # ------------------------------------------------------------------ drawing
    def _changed(self):
        """Whether anything came in since the last picture (or the titles' figures are due)."""
        points = (len(self.curves.train["step"]), len(self.curves.test["step"]), len(self.band_steps))
        return points != self._drawn_points or self._drawn_digits[0] is not self.train_digits \
            or self._drawn_digits[1] is not self.test_digits or self._titles_due()

    def _titles_due(self):
        """The titles' test figures, when they are behind the curves and were last written TITLE_INTERVAL ago:
        text is the dearest thing to draw, and a number that changes 20 times a second cannot be read."""
        return self._titled_points != len(self.curves.test["step"]) and \
            time.perf_counter() - self._titled_at >= TITLE_INTERVAL

    def _render(self):
        """Bring every moving artist up to date with the figures collected so far (no drawing on screen).
        Returns the regions whose artists changed; an axes whose range moved is handed to live.relayout(ax)."""
        acc_ax, loss_ax, train_ax, band1_ax, band2_ax, test_ax = self.axes
        train, test = self.curves.train, self.curves.test
        changed = []
        points = (len(train["step"]), len(test["step"]), len(self.band_steps))
        if points[:2] != self._drawn_points[:2]:
            for index, ax, lines, name in ((0, acc_ax, self._acc_lines, "accuracy"), (1, loss_ax, self._loss_lines, "loss")):
                lines[0].set_data(train["step"], train[name])
                lines[1].set_data(test["step"], test[name])
                # zoom on what matters: the first quarter of the curves (the steep start) left out of the y range
                wanted = zoomed_limits(name, [train[name], test[name]])
                if wanted:
                    limits = steady_limits(self._limits[index], *wanted, floor=0.0,
                                           ceiling=1.0 if name == "accuracy" else None)
                    self._set_ylim(index, limits)
                changed.append(ax)
        if self._titles_due():
            self._set_titles()
            self._titled_points, self._titled_at = points[1], time.perf_counter()
            changed += [acc_ax.title, loss_ax.title]
        last_step = max(train["step"][-1:] + test["step"][-1:] + self.band_steps[-1:] + [1])
        if last_step > self._x_limit:  # a run longer than announced (or none announced): twice the room
            while last_step > self._x_limit:
                self._x_limit *= 2
            for ax in (acc_ax, loss_ax, band1_ax, band2_ax):
                ax.set_xlim(0, self._x_limit)
                self.live.relayout(ax)

        if points[2] != self._drawn_points[2]:
            for panel, (ax, history, fixed) in enumerate(zip((band1_ax, band2_ax), self.bands, self.band_limits)):
                artist = self._band_artists[panel]
                self._band_artists[panel] = draw_bands(ax, self.band_steps, history, bands=artist,
                                                       limits=fixed or self._limits[3 + panel] or (0, 1))
                if artist is None:
                    self.live.animate(ax, [self._band_artists[panel]])
                if not fixed and history:
                    values = np.asarray(history)
                    self._set_ylim(3 + panel, steady_limits(self._limits[3 + panel], float(values.min()),
                                                            float(values.max())))
                changed.append(ax)
        self._drawn_points = points

        # the digit grids are built only when drawn, and only when new digits came in since the last picture
        if self.train_digits is not None and self._drawn_digits[0] is not self.train_digits:
            self._grids[train_ax] = digit_grid(*self.train_digits, columns=self.TRAIN_GRID[1], rows=self.TRAIN_GRID[0],
                                               rgba=True)[0]
        if self.test_digits is not None and self._drawn_digits[1] is not self.test_digits:
            self._grids[test_ax] = digit_grid(*self.test_digits, columns=self.TEST_GRID[1], rows=self.TEST_GRID[0],
                                              rgba=True)[0]
            if len(self.test_digits[1]) != self._test_scale_total:
                self._set_test_scale(len(self.test_digits[1]))
                self._set_titles()
                self.live.relayout()
        for ax, digits, drawn in ((train_ax, self.train_digits, self._drawn_digits[0]),
                                  (test_ax, self.test_digits, self._drawn_digits[1])):
            fitted = self._images[ax].get_array()
            if digits is not drawn or fitted.shape[:2] != (round(ax.bbox.height), round(ax.bbox.width)):
                self._images[ax].set_data(fit_image(self._grids[ax], ax))  # new digits, or a resized window
                changed.append(ax)
        self._drawn_digits = (self.train_digits, self.test_digits)
        return changed

    def _set_ylim(self, index, limits):
        if limits != self._limits[index]:
            self._limits[index] = limits
            self.axes[index].set_ylim(*limits)
            self.live.relayout(self.axes[index])

    def update(self):
        """Call once per training step: draws a picture when something changed and the pace allows it (in
        the window, the notebook cell, the movie), handles the window's keys, waits while paused."""
        if self.live.drawing and self.live.picture_due(self._changed()):  # (nothing to look at headless)
            self.live.draw(self._render)
        self.live.idle()

    # ------------------------------------------------------------------ keys
    def _on_key(self, key):
        if key in PANEL_KEYS or key in ("0", "escape"):
            self.show_panels(PANEL_KEYS.get(key))

    def show_panels(self, panels=None):
        """Show only the given panel indices (0-5) side by side, or all six when panels is None."""
        for index, ax in enumerate(self.axes):
            ax.set_visible(panels is None or index in panels)
            ax.set_position(self._home_positions[index])
        if panels is not None:
            width = 0.9 / len(panels)
            for slot, index in enumerate(panels):
                self.axes[index].set_position([0.05 + slot * width, 0.07, width - 0.05, 0.8])
        self._render()
        self.live.relayout()
        self._figure.canvas.draw_idle()

    # ------------------------------------------------------------------ the end
    def finish(self, png=None, wait=True):
        """End of training: the final picture; the movie and the PNG written, each whole or not at all.

        Returns {path: None when written, else why it could not be}. In a live window, wait=True keeps
        it open until the user closes it (or presses Ctrl-C).
        """
        self._titled_at = -np.inf  # the titles' final figures
        self._render()
        return self.live.finish(png=png, wait=wait)

    def abort(self):
        """Drop a half-recorded movie (on Ctrl-C or an error): no partial file is left behind."""
        self.live.abort()
