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
reads as the share of the whole test set recognised (at 92%, 800 red digits and the edge at 92%). Panels 4 and 5 show 7 percentile bands (min to max) of any values a lesson passes:
weights and biases by default, activations in lesson 4.0.

Keys in the live window: 1-6 one panel alone, 7 accuracy + loss, 8 the two band panels,
9 training + test digits, 0 or Esc all six, space pause / resume.

In a notebook (Jupyter, JupyterLab, VS Code, Colab: `%run mnist_1.0_softmax.py` in a cell), matplotlib's
default backend there draws no window: the dashboard is one image in the cell's output, replaced in place
(an IPython display handle) each time it is redrawn, while the step lines print below it.

Nothing here knows TensorFlow: the curves come from a Curves (the run's one history, kept by the lesson's run log),
the digits and bands as plain NumPy values through show_training() and show_test().
Redrawing is rate-limited so that drawing never takes more than a set fraction of the wall time.
"""
import atexit
import io
import os
import sys
import time

import numpy as np
import matplotlib

from cli import atomic_output

PERCENTILES = (0, 10, 25, 40, 60, 75, 90, 100)  # 8 edges: 7 bands from min to max
MAX_DRAW_FRACTION = 0.06  # at most this share of the wall time goes into redrawing (the window, the notebook):
                          # with the measurements, the live dashboard stays under 10% of a lesson's time
NOTEBOOK_MIN_INTERVAL = 1.0  # seconds between two images sent to a notebook, at least (Jupyter's servers
                             # drop a cell's output beyond about 1 MB/s)
NOTEBOOK_DPI = 72  # 13 x 7.5 inches: a 936 x 540 image
EVENT_INTERVAL = 0.1  # seconds between two looks at the window's keyboard and mouse events
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

# keys of the live window -> the panels they show (0-5: accuracy, loss, training digits, bands 1, bands 2,
# test digits); 0 or Esc show all six
PANEL_KEYS = {"1": (0,), "2": (1,), "3": (2,), "4": (3,), "5": (4,), "6": (5,), "7": (0, 1), "8": (3, 4), "9": (2, 5)}

BACKGROUND_OK = np.array([255, 255, 255], np.float32)
BACKGROUND_WRONG = np.array([230, 70, 70], np.float32)
INK = np.array([20, 20, 20], np.float32)
LABEL_CORRECT = np.array([255, 255, 255], np.uint8)
LABEL_PREDICTED = np.array([255, 240, 0], np.uint8)


def display_available():
    """True where a window can be opened: always on macOS and Windows, with $DISPLAY or $WAYLAND_DISPLAY elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_figure(size, title, what, live=True):
    """The one place that decides where a picture goes, for the lessons' dashboard and compare_runs.py.

    Returns (where, figure): where is "window" (a window of its own, where a display can be reached),
    "notebook" (in a Jupyter kernel: shown as an image in the cell's output) or "file" (drawn off screen,
    for a PNG or a movie: live=False, or no usable display). When a display is set but no window can be
    opened (it cannot be reached, no GUI toolkit, a non-interactive MPLBACKEND), one line on stderr says
    why and the figure is drawn off screen: never a crash.
    """
    if live and notebook_kernel():
        return "notebook", _offscreen_figure(size)
    if live and display_available():
        try:
            import matplotlib.pyplot as plt
            if matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo", "template"):
                display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                raise RuntimeError(f"matplotlib found no usable window system: the display {display} cannot "
                                   "be reached, or no GUI toolkit is installed (on Linux: python3-tk)")
            figure = plt.figure(figsize=size)
            figure.canvas.manager.set_window_title(title)
            return "window", figure
        except Exception as e:  # no usable display: fall back to headless, never crash
            print(f"{what}: cannot open a window ({str(e).splitlines()[0] if str(e) else type(e).__name__}); "
                  "continuing headless", file=sys.stderr)
    return "file", _offscreen_figure(size)


def present(where, figure, png=None, dpi=80, handle=None):
    """Show a finished figure where open_figure() put it: in the notebook cell (a new image, or in place of
    the one shown through `handle`), and/or saved whole as `png`. A window is left to its owner (it is
    already on screen: wait_until_closed() keeps it there). Returns the notebook's display handle."""
    if where == "notebook":
        handle = show_in_notebook(figure, handle)
    if png:
        save_png(figure, png, dpi=dpi)
    return handle


def _offscreen_figure(size):
    """A matplotlib figure drawn off screen (for a PNG, a movie or a notebook cell)."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure


def notebook_kernel():
    """True inside a Jupyter kernel (Jupyter, JupyterLab, VS Code, Colab...) whose matplotlib backend opens no
    window of its own: the notebooks' default (inline), or any other but a desktop toolkit's (Qt, Tk, GTK,
    wx, macOS) that a learner may have chosen with `%matplotlib qt`, which gets the usual window."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):  # plain Python, or the IPython terminal
        return False
    backend = matplotlib.get_backend().lower()
    return not backend.startswith(("qt", "tk", "gtk", "wx", "macosx"))


def show_in_notebook(figure, handle=None, dpi=NOTEBOOK_DPI):
    """Show a figure as a PNG image in the notebook cell's output: a new one, or in place of the one shown
    through `handle` (an IPython DisplayHandle). Returns the handle."""
    from IPython.display import Image, display
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    image = Image(data=buffer.getvalue(), format="png")
    if handle is None:
        return display(image, display_id=True)
    handle.update(image)
    return handle


def percentile_bands(values):
    """The 8 percentiles PERCENTILES of all values (any shape), which bound 7 bands from min to max."""
    return np.percentile(np.ravel(values), PERCENTILES).astype(np.float32)


def digit_grid(images, labels, predictions, columns, rows, misrecognised_first=True):
    """RGB image [rows*28, columns*28, 3] of rows*columns digits, misrecognised ones on red.

    images: [N, 28, 28] or [N, 28, 28, 1] in [0, 1]; labels, predictions: [N] integers.
    misrecognised_first: all N digits are sorted, misrecognised ones first, before the first rows*columns
        are shown (as in the talk: the whole test set sorted, its first 1,000 on screen); else the first ones.
    Returns (image, number of misrecognised digits among all N).
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    wrong_all = labels != predictions                                         # [N] over all the digits
    order = np.argsort(~wrong_all, kind="stable") if misrecognised_first else np.arange(len(labels))
    shown = order[:rows * columns]                                            # only these become tiles
    count = len(shown)
    images = np.asarray(images[shown], np.float32).reshape(count, DIGIT, DIGIT)
    labels, predictions, wrong = labels[shown], predictions[shown], wrong_all[shown]

    background = np.where(wrong[:, None, None, None], BACKGROUND_WRONG, BACKGROUND_OK)  # [n, 1, 1, 3]
    tiles = background * (1 - images[..., None]) + INK * images[..., None]              # [n, 28, 28, 3]
    tiles = tiles.astype(np.uint8)
    for i in np.flatnonzero(wrong):
        tiles[i, 1:11, 1:7][GLYPHS[int(labels[i])]] = LABEL_CORRECT
        tiles[i, 1:11, DIGIT - 7:DIGIT - 1][GLYPHS[int(predictions[i])]] = LABEL_PREDICTED
    grid = np.full((rows * columns, DIGIT, DIGIT, 3), 240, np.uint8)  # light grey where there is no digit
    grid[:count] = tiles
    grid = grid.reshape(rows, columns, DIGIT, DIGIT, 3).transpose(0, 2, 1, 3, 4)
    return grid.reshape(rows * DIGIT, columns * DIGIT, 3), int(wrong_all.sum())


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
    values = [v for curve in curves for v in curve[int(len(curve) * skip):] if v is not None and np.isfinite(v)]
    if not values:
        return None
    if figure_name == "accuracy":
        low = min(values)
        return max(0.0, low - 0.2 * (1.0 - low) - 0.003), 1.0
    return 0.0, 1.15 * max(values) + 1e-6


def draw_bands(ax, steps, percentiles, limits=None, fills=None):
    """The 7 nested percentile bands (min-max, 10-90, 25-75, 40-60) of values over training steps.
    percentiles: [points, 8] (PERCENTILES at each step); limits: a fixed (low, high) y range, or None to follow
    the values; fills: a list holding the bands drawn before, removed and replaced (the live dashboard)."""
    fills = [] if fills is None else fills
    for fill in fills:
        fill.remove()
    fills.clear()
    values = np.asarray(percentiles, np.float32).reshape(-1, len(PERCENTILES))
    if len(values):
        for k in range(len(PERCENTILES) // 2):  # nested: min-max, 10-90, 25-75, 40-60
            fills.append(ax.fill_between(steps, values[:, k], values[:, -1 - k], color="tab:blue", alpha=0.25, lw=0))
        low, high = limits or (float(values.min()), float(values.max()))
        margin = 0.05 * (high - low) + 1e-6
        ax.set_ylim(low - margin, high + margin)
    return fills


class Dashboard:
    """Draws a run: its curves (a Curves, the run's one history, read at each drawing), the digits and the
    bands it is shown; live (window=True: in a window where a display can be reached, in the cell's output
    in a notebook) or only when asked (headless: window=False, or no display).

    band_titles: titles of the two percentile-band panels.
    band_limits: a fixed (low, high) y range per band panel, or None to follow the values (e.g. (0, 1) to
        show a sigmoid's whole range).
    movie: a .gif or .mp4 path to record one frame per test evaluation into, or None.
    """

    TRAIN_GRID = (10, 10)  # rows, columns
    TEST_GRID = (25, 40)

    def __init__(self, title, curves=None, band_titles=("weights", "biases"), window=True, movie=None,
                 band_limits=(None, None)):
        self.title = title
        self.curves = curves if curves is not None else Curves()
        self.band_titles = tuple(band_titles)
        self.band_limits = tuple(band_limits)
        # live as images in a notebook cell's output, or in a window; else headless (drawn for the PNG, movie)
        self.where, self._figure = open_figure((13, 7.5), title, "dashboard", live=window)
        self.notebook = self.where == "notebook"
        self.window = self.where == "window"
        if self.window:
            self._figure.canvas.mpl_connect("key_press_event", self._on_key)
            self._figure.canvas.mpl_connect("close_event", self._on_close)
        self.paused = False
        self.closed = False
        self.finished = False  # training over: closing the window ends the program
        # what the curves do not hold, all per instance
        self.band_steps, self.bands = [], ([], [])
        self.train_digits = None
        self.test_digits = None
        self._drawn_digits = (None, None)  # the digits the grids on screen were built from
        self._dirty = False
        self._next_draw = 0.0
        self._next_events = 0.0
        self._notebook_display = None
        self.draw_seconds = 0.0
        self.frames = 0

        self._movie_writer = None
        self._movie_path = movie
        self._movie_partial = None
        self._build_panels()
        if movie:
            self._start_movie(movie)
        if self.window or self.notebook:  # the empty panels at once, before training starts
            started = time.perf_counter()
            if self.window:
                import matplotlib.pyplot as plt
                plt.show(block=False)
                self._figure.canvas.draw()  # the first drawing is the slowest (fonts, toolkit): not in the loop
                self._process_events()
            else:
                self._notebook_display = show_in_notebook(self._figure)
            self._next_draw = started + self._pause_after(time.perf_counter() - started)

    # ------------------------------------------------------------------ figure and panels
    def _build_panels(self):
        fig = self._figure
        fig.suptitle(self.title, fontsize=13)
        grid = fig.add_gridspec(2, 3, left=0.05, right=0.95, bottom=0.06, top=0.9, wspace=0.25, hspace=0.3,
                                width_ratios=(1, 1, 1.3))  # the digit panels get more room
        self.axes = [fig.add_subplot(grid[row, col]) for row in range(2) for col in range(3)]
        self._home_positions = [ax.get_position() for ax in self.axes]
        acc_ax, loss_ax, train_ax, band1_ax, band2_ax, test_ax = self.axes

        self._acc_lines = (acc_ax.plot([], [], color="tab:blue", label="training")[0],
                           acc_ax.plot([], [], color="tab:red", lw=2, label="test")[0])
        acc_ax.legend(loc="lower right", fontsize=8)
        self._loss_lines = (loss_ax.plot([], [], color="tab:blue", label="training")[0],
                            loss_ax.plot([], [], color="tab:red", lw=2, label="test")[0])
        loss_ax.legend(loc="upper right", fontsize=8)
        for ax in (acc_ax, loss_ax, band1_ax, band2_ax):
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
            ax.set_xlabel("training step", fontsize=8)

        blank = np.full((1, 1, 3), 240, np.uint8)
        self._train_image = train_ax.imshow(blank, interpolation="nearest")
        self._test_image = test_ax.imshow(blank, interpolation="nearest")
        train_ax.set_xticks([])
        train_ax.set_yticks([])
        test_ax.set_xticks([])
        # side scale: where the red digits end reads as the % of the whole test set recognised
        rows, columns = self.TEST_GRID
        test_ax.yaxis.tick_right()
        self._set_test_scale(rows * columns)
        test_ax.set_yticks([r * DIGIT - 0.5 for r in range(rows + 1)], minor=True)
        self._band_fills = ([], [])
        for ax, title in zip((band1_ax, band2_ax), self.band_titles):
            ax.set_title(title, fontsize=10)
        self._set_titles()

    def _set_test_scale(self, total):
        positions, labels = recognised_scale(*self.TEST_GRID, total)
        self._test_scale_total = total
        self.axes[5].set_yticks(positions)
        self.axes[5].set_yticklabels(labels, fontsize=8)

    def _set_titles(self):
        acc_ax, loss_ax, train_ax, _, _, test_ax = self.axes
        test = self.curves.test
        if test["accuracy"]:
            acc_ax.set_title(f"accuracy: test {test['accuracy'][-1]:.4f}, max {max(test['accuracy']):.4f}",
                             fontsize=10)
            loss_ax.set_title(f"cross-entropy loss: test {test['loss'][-1]:.2f}", fontsize=10)
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
        self._dirty = True

    def band_history(self):
        """The two band panels' history, for the run summary (compare_runs.py --bands draws it again):
        titles, fixed y ranges (or None), steps, and the 8 PERCENTILES of each panel at each step."""
        return {"titles": list(self.band_titles), "limits": [list(l) if l else None for l in self.band_limits],
                "step": [int(s) for s in self.band_steps],
                "percentiles": [[[round(float(v), 6) for v in panel[i]] for panel in self.bands]
                                for i in range(len(self.band_steps))]}

    def show_test(self, images=None, labels=None, predictions=None):
        """After a test-set measurement (already in the curves): images/labels/predictions, of the whole test
        set, feed the test-digit grid (all sorted, misrecognised first, and the first 1,000 shown). A movie
        records one frame here."""
        if images is not None:
            self.test_digits = (images, labels, predictions)
        self._dirty = True
        if self._movie_writer is not None:
            self._render()
            self._movie_writer.grab_frame()
            self.frames += 1

    # ------------------------------------------------------------------ drawing
    def _render(self):
        """Bring every artist up to date with the figures collected so far (no drawing on screen)."""
        acc_ax, loss_ax, train_ax, band1_ax, band2_ax, test_ax = self.axes
        train, test = self.curves.train, self.curves.test
        for ax, lines, figure_name in ((acc_ax, self._acc_lines, "accuracy"), (loss_ax, self._loss_lines, "loss")):
            lines[0].set_data(train["step"], train[figure_name])
            lines[1].set_data(test["step"], test[figure_name])
            # zoom on what matters: the first quarter of the curves (the steep start) left out of the y range
            limits = zoomed_limits(figure_name, [train[figure_name], test[figure_name]])
            if limits:
                ax.set_ylim(*limits)
        last_step = max(train["step"][-1:] + test["step"][-1:] + [1])
        for ax in (acc_ax, loss_ax, band1_ax, band2_ax):
            ax.set_xlim(0, last_step)

        for ax, fills, history, limits in zip((band1_ax, band2_ax), self._band_fills, self.bands, self.band_limits):
            draw_bands(ax, self.band_steps, history, limits, fills)

        # the digit grids are built only when drawn, and only when new digits came in since the last drawing
        if self.train_digits is not None and self._drawn_digits[0] is not self.train_digits:
            image, _ = digit_grid(*self.train_digits, columns=self.TRAIN_GRID[1], rows=self.TRAIN_GRID[0])
            self._set_image(self._train_image, image)
        if self.test_digits is not None and self._drawn_digits[1] is not self.test_digits:
            image, _ = digit_grid(*self.test_digits, columns=self.TEST_GRID[1], rows=self.TEST_GRID[0])
            self._set_image(self._test_image, image)
            if len(self.test_digits[1]) != self._test_scale_total:
                self._set_test_scale(len(self.test_digits[1]))
        self._drawn_digits = (self.train_digits, self.test_digits)
        self._set_titles()
        self._dirty = False

    @staticmethod
    def _set_image(artist, image):
        artist.set_data(image)
        height, width = image.shape[:2]
        artist.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
        artist.axes.set_xlim(-0.5, width - 0.5)
        artist.axes.set_ylim(height - 0.5, -0.5)

    def update(self):
        """Call once per training step: redraws the live window or notebook image when due, handles the
        window's keys, waits while paused."""
        if not (self.window or self.notebook) or self.closed:
            return
        now = time.perf_counter()
        if self._dirty and now >= self._next_draw:
            self._render()
            if self.notebook:
                self._notebook_display = show_in_notebook(self._figure, self._notebook_display)
            else:
                self._figure.canvas.draw()
                self._process_events()
            spent = time.perf_counter() - now
            self.draw_seconds += spent
            self._next_draw = now + self._pause_after(spent)
        elif self.window and now >= self._next_events:
            self._process_events()
        while self.paused and not self.closed:
            self._figure.canvas.start_event_loop(0.1)

    def _pause_after(self, spent):
        """Seconds from the start of a drawing that took `spent` seconds to the next one: long enough that
        drawing stays under MAX_DRAW_FRACTION of the time (and a notebook gets at most an image a second)."""
        return max(spent / MAX_DRAW_FRACTION, NOTEBOOK_MIN_INTERVAL if self.notebook else 0)

    def _process_events(self):
        self._figure.canvas.flush_events()
        self._next_events = time.perf_counter() + EVENT_INTERVAL

    # ------------------------------------------------------------------ keys
    def _on_key(self, event):
        if event.key == " ":
            self.paused = not self.paused
            self._figure.suptitle(self.title + ("   [paused: space resumes]" if self.paused else ""), fontsize=13)
            self._figure.canvas.draw_idle()
        elif event.key in PANEL_KEYS or event.key in ("0", "escape"):
            self.show_panels(PANEL_KEYS.get(event.key))

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
        self._figure.canvas.draw_idle()

    def _on_close(self, _event):
        if not self.closed and not self.finished:
            print("dashboard window closed: training goes on, text only", flush=True)
        self.closed = True
        self.paused = False

    # ------------------------------------------------------------------ movie and PNG
    def _start_movie(self, path):
        from matplotlib import animation
        extension = os.path.splitext(path)[1].lower()
        if extension == ".gif":
            writer = GifRecorder(fps=8)
        elif extension == ".mp4":
            if not animation.writers.is_available("ffmpeg"):
                raise ValueError(f"--save-movie {path}: recording .mp4 needs ffmpeg, which is not installed. "
                                 "Install ffmpeg, or record a .gif instead.")
            writer = animation.FFMpegWriter(fps=8)
        else:
            raise ValueError(f"--save-movie {path}: the movie must be a .gif or an .mp4 file.")
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise ValueError(f"--save-movie {path}: cannot write there ({e.strerror or e})") from None
        stem, extension = os.path.splitext(os.path.basename(path))  # the writer goes by the extension
        self._movie_partial = os.path.join(folder, f".{stem}.partial{extension}")
        writer.setup(self._figure, self._movie_partial, dpi=60)
        self._movie_writer = writer
        atexit.register(self.abort)  # however the program ends, no half-recorded movie is left behind

    def finish(self, png=None, wait=True):
        """End of training: the final drawing; the movie and the PNG written, each whole or not at all.

        Returns {path: None when written, else why it could not be}. In a live window, wait=True keeps
        it open until the user closes it (or presses Ctrl-C).
        """
        self.finished = True
        self._render()
        results = {}
        if self._movie_writer is not None:
            results[self._movie_path] = self._finish_movie()
        if png:
            try:
                save_png(self._figure, png)
                results[png] = None
            except OSError as e:
                results[png] = e.strerror or str(e)
        if self.window and not self.closed:
            self._figure.canvas.draw_idle()
            if wait:
                self.wait_until_closed()
        # in a notebook, the final dashboard stays in the cell's output
        self._notebook_display = present(self.where, self._figure, handle=self._notebook_display)
        return results

    def _finish_movie(self):
        try:
            if not self.frames:
                self._movie_writer.grab_frame()
            self._movie_writer.finish()
            thinned = getattr(self._movie_writer, "kept_one_in", 1)
            self._movie_writer = None
            os.replace(self._movie_partial, self._movie_path)
            if thinned > 1:
                print(f"movie: one test evaluation in {thinned} kept (at most {GifRecorder(1).max_frames} frames, "
                      "to bound the memory)")
            return None
        except OSError as e:
            self.abort()
            return e.strerror or str(e)

    def wait_until_closed(self):
        """Keep the live window open (its keys still work) until the user closes it or presses Ctrl-C."""
        wait_until_closed(self._figure)

    def abort(self):
        """Drop a half-recorded movie (on Ctrl-C or an error): no partial file is left behind."""
        if self._movie_writer is not None:
            try:
                self._movie_writer.finish()
            except Exception:
                pass
            self._movie_writer = None
        if self._movie_partial and os.path.exists(self._movie_partial):
            os.remove(self._movie_partial)


class GifRecorder:
    """Records an animated GIF frame by frame in bounded memory (matplotlib's PillowWriter keeps every frame
    as full RGBA, 1.4 MB each here: a long run filled the memory). Each frame is kept in the GIF's own
    256-colour form (a quarter of the size), and past max_frames every other frame is dropped and only one
    grab in 2 (then 4...) kept, so the movie always spans the whole run; `kept_one_in` says how thinned it is.
    The writer interface is matplotlib's: setup(figure, path, dpi), grab_frame(), finish()."""

    def __init__(self, fps, max_frames=300):
        self.fps, self.max_frames = fps, max_frames
        self.kept_one_in = 1
        self._frames, self._grabs = [], 0

    def setup(self, figure, path, dpi):
        self._figure, self._path, self._dpi = figure, path, dpi

    def grab_frame(self):
        from PIL import Image
        self._grabs += 1
        if (self._grabs - 1) % self.kept_one_in:
            return
        buffer = io.BytesIO()
        self._figure.savefig(buffer, format="rgba", dpi=self._dpi)
        width, height = (int(v * self._dpi) for v in self._figure.get_size_inches())  # as savefig sizes it
        frame = Image.frombuffer("RGBA", (width, height), buffer.getbuffer(), "raw", "RGBA", 0, 1)
        self._frames.append(frame.convert("RGB").quantize(256))
        if len(self._frames) > self.max_frames:
            self._frames = self._frames[::2]
            self.kept_one_in *= 2

    def finish(self):
        if self._frames:
            self._frames[0].save(self._path, format="GIF", save_all=True, append_images=self._frames[1:],
                                 duration=int(1000 / self.fps), loop=0)
        self._frames = []


def wait_until_closed(figure):
    """Keep a pyplot figure's window open until the user closes it or presses Ctrl-C; then close it."""
    import matplotlib.pyplot as plt
    import signal

    # Ctrl-C only raises a flag: raised as an exception inside the GUI toolkit's event loop, it would
    # be caught and printed there (a Tkinter traceback) and the wait would go on
    interrupted = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    except ValueError:  # not the main thread
        previous = None
    try:
        print("Close the window to exit (or press Ctrl-C).", flush=True)
        while plt.fignum_exists(figure.number) and not interrupted:
            figure.canvas.start_event_loop(0.1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        plt.close(figure)


def save_png(figure, path, dpi=80):
    """Save a figure as PNG, whole or not at all."""
    with atomic_output(path, "wb") as f:
        figure.savefig(f, dpi=dpi, format="png")
