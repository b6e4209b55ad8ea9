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
default, activations in lesson 4.2; the key under them says which percentiles each shade spans. The loss
is the lessons' cross-entropy: the mean over the images, times 100 (the total over a batch of 100).

Keys in the live window: 1-6 one panel alone, 7 accuracy + loss, 8 the two band panels,
9 training + test digits, 0 or Esc all six, space pause / resume.

In a notebook (Jupyter, JupyterLab, VS Code, Colab: `%run mnist_1.0_softmax.py` in a cell), matplotlib's
default backend there draws no window: the dashboard is one image in the cell's output, replaced in place
(an IPython display handle) about twice a second, while the step lines print below it.

It animates (livefigure.py): the curves grow across x axes that span the whole run from the start, and
each picture draws only what moved (curves, bands, digit grids, titles) over each panel's still
background; an axis range changes seldom and by a tidy step (livefigure.steady_limits), and only that panel
is then drawn anew. About 5 pictures a second in a window, for about a tenth of the training time or less.

Nothing here knows TensorFlow: the curves come from a Curves (runcurves.py: the run's one history, kept by the
lesson's run log), the digits and bands as plain NumPy values through show_training() and show_test(). What
the panels are made of has a module each: the digit grids (digits.py), the percentile bands (bands.py).
"""

import time

import numpy as np

from bands import PERCENTILES, band_key, draw_bands
from digits import DIGIT, digit_grid, halved, recognised_scale
from livefigure import LiveFigure, PixelImage, fit_image, steady_limits
from runcurves import Curves, zoomed_limits

TITLE_INTERVAL = 0.5  # seconds between two updates of the titles' figures, at least
# keys of the live window -> the panels they show (0-5: accuracy, loss, training digits, bands 1, bands 2,
# test digits); 0 or Esc show all six
PANEL_KEYS = {"1": (0,), "2": (1,), "3": (2,), "4": (3,), "5": (4,), "6": (5,), "7": (0, 1), "8": (3, 4), "9": (2, 5)}


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

    def __init__(
        self,
        title,
        curves=None,
        band_titles=("weights", "biases"),
        window=True,
        movie=None,
        band_limits=(None, None),
        steps=None,
        watch=False,
    ):
        self.title = title
        self.curves = curves if curves is not None else Curves()
        self.band_titles = tuple(band_titles)
        self.band_limits = tuple(band_limits)
        self.steps = steps
        # live as images in a notebook cell's output, or in a window; else headless (drawn for the PNG, movie)
        self.live = LiveFigure(
            (13, 7.5), title, "dashboard", live=window, movie=movie, watch=watch, on_key=self._on_key
        )
        self.where, self._figure = self.live.where, self.live.figure
        # what the curves do not hold, all per instance
        self.band_steps, self.bands = [], ([], [])
        self.train_digits = None
        self.test_digits = None
        self._test_ink = (None, None)  # the test images shown, and as levels of ink (digits.halved)
        self._drawn_digits = (None, None)  # the digits the grids on screen were built from
        self._drawn_points = (0, 0, 0)  # training and test measurements, band points, drawn so far
        self._limits = [None] * 6  # each panel's y range (steady_limits), by panel index
        self._x_limit = None  # the curves' and bands' x range: 0 to this step
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
        grid = fig.add_gridspec(
            2, 3, left=0.05, right=0.95, bottom=0.12, top=0.9, wspace=0.25, hspace=0.35, width_ratios=(1, 1, 1.3)
        )  # the digit panels get more room
        self.axes = [fig.add_subplot(grid[row, col]) for row in range(2) for col in range(3)]
        self._home_positions = [ax.get_position() for ax in self.axes]
        acc_ax, loss_ax, train_ax, band1_ax, band2_ax, test_ax = self.axes
        self._build_curve_panels()
        self._build_digit_panels()
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
        self.live.animate(acc_ax.title, [acc_ax.title])  # the test figures: they change less often
        self.live.animate(loss_ax.title, [loss_ax.title])
        self.live.animate(train_ax, [self._images[train_ax]])
        self.live.animate(test_ax, [self._images[test_ax]])
        self.live.animate(band1_ax, [])
        self.live.animate(band2_ax, [])

    def _build_curve_panels(self):
        """The accuracy and loss panels' lines (empty), and the axes of the curves and of the bands."""
        acc_ax, loss_ax, _, band1_ax, band2_ax, _ = self.axes
        self._acc_lines = (
            acc_ax.plot([], [], color="tab:blue", lw=1, label="training batch")[0],
            acc_ax.plot([], [], color="tab:red", lw=2, label="test set")[0],
        )
        self._loss_lines = (
            loss_ax.plot([], [], color="tab:blue", lw=1, label="training batch")[0],
            loss_ax.plot([], [], color="tab:red", lw=2, label="test set")[0],
        )
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

    def _build_digit_panels(self):
        """The digit grids: their full images kept, drawn resized to their panels' pixels (fit_image); the test
        panel's side scale."""
        train_ax, test_ax = self.axes[2], self.axes[5]
        self._grids = {}
        self._images = {}
        for ax, (rows, columns) in ((train_ax, self.TRAIN_GRID), (test_ax, self.TEST_GRID)):
            self._grids[ax] = np.full((rows * DIGIT, columns * DIGIT, 4), 240, np.uint8)
            image = PixelImage(ax, interpolation="none", extent=(-0.5, columns * DIGIT - 0.5, rows * DIGIT - 0.5, -0.5))
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
        test_ax.set_title(
            f"test digits: all {total:,} sorted, misrecognised first; the first {shown:,}"
            if total > shown
            else f"{total:,} test digits, misrecognised first",
            fontsize=10,
        )

    # ------------------------------------------------------------------ what the curves do not hold
    def show_training(self, step, images=None, labels=None, predictions=None, bands=None):
        """After a training-batch measurement (already in the curves): images/labels/predictions feed the digit
        grid; bands: for each of the two band panels, the 8 PERCENTILES of the values it shows at this step
        (bands.percentile_bands() computes them from values, bands.percentiles_in_graph() in a graph)."""
        if images is not None:
            self.train_digits = (images, labels, predictions)
        if bands is not None:
            self.band_steps.append(step)
            for history, percentiles in zip(self.bands, bands):
                history.append(np.asarray(percentiles, np.float32).reshape(len(PERCENTILES)))

    def band_history(self):
        """The two band panels' history, for the run summary (compare_runs.py --bands draws it again):
        titles, fixed y ranges (or None), steps, and the 8 PERCENTILES of each panel at each step."""
        return {
            "titles": list(self.band_titles),
            "limits": [list(limits) if limits else None for limits in self.band_limits],
            "step": [int(s) for s in self.band_steps],
            "percentiles": [
                [[round(float(v), 6) for v in panel[i]] for panel in self.bands] for i in range(len(self.band_steps))
            ],
        }

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
        return (
            points != self._drawn_points
            or self._drawn_digits[0] is not self.train_digits
            or self._drawn_digits[1] is not self.test_digits
            or self._titles_due()
        )

    def _titles_due(self):
        """The titles' test figures, when they are behind the curves and were last written TITLE_INTERVAL ago:
        text is the dearest thing to draw, and a number that changes 20 times a second cannot be read."""
        return (
            self._titled_points != len(self.curves.test["step"])
            and time.perf_counter() - self._titled_at >= TITLE_INTERVAL
        )

    def _render(self):
        """Bring every moving artist up to date with the figures collected so far (no drawing on screen).
        Returns the regions whose artists changed; an axes whose range moved is handed to live.relayout(ax)."""
        train, test = self.curves.train, self.curves.test
        points = (len(train["step"]), len(test["step"]), len(self.band_steps))
        changed = self._render_curves(points)
        if points[2] != self._drawn_points[2]:
            changed += self._render_bands()
        self._drawn_points = points
        return changed + self._render_digits()

    def _render_curves(self, points):
        """The accuracy and loss curves, their y ranges, the titles' test figures when due, and the x range
        (doubled when the run goes past it). Returns the regions that changed."""
        acc_ax, loss_ax, _, band1_ax, band2_ax, _ = self.axes
        train, test = self.curves.train, self.curves.test
        changed = []
        if points[:2] != self._drawn_points[:2]:
            for index, ax, lines, name in (
                (0, acc_ax, self._acc_lines, "accuracy"),
                (1, loss_ax, self._loss_lines, "loss"),
            ):
                lines[0].set_data(train["step"], train[name])
                lines[1].set_data(test["step"], test[name])
                # zoom on what matters: the first quarter of the curves (the steep start) left out of the y range
                wanted = zoomed_limits(name, [train[name], test[name]])
                if wanted:
                    limits = steady_limits(
                        self._limits[index], *wanted, floor=0.0, ceiling=1.0 if name == "accuracy" else None
                    )
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
        return changed

    def _render_bands(self):
        """The two band panels, their outlines moved in place, and their y ranges. Returns the panels."""
        changed = []
        band_axes = (self.axes[3], self.axes[4])
        for panel, (ax, history, fixed) in enumerate(zip(band_axes, self.bands, self.band_limits)):
            artist = self._band_artists[panel]
            self._band_artists[panel] = draw_bands(
                ax, self.band_steps, history, bands=artist, limits=fixed or self._limits[3 + panel] or (0, 1)
            )
            if artist is None:
                self.live.animate(ax, [self._band_artists[panel]])
            if not fixed and history:
                values = np.asarray(history)
                self._set_ylim(
                    3 + panel, steady_limits(self._limits[3 + panel], float(values.min()), float(values.max()))
                )
            changed.append(ax)
        return changed

    def _render_digits(self):
        """The digit grids, built only when drawn, and only when new digits came in since the last picture;
        fitted anew to their panels after a resize. Returns the panels that changed."""
        train_ax, test_ax = self.axes[2], self.axes[5]
        if self.train_digits is not None and self._drawn_digits[0] is not self.train_digits:
            rows, columns = self.TRAIN_GRID
            self._grids[train_ax] = digit_grid(*self.train_digits, columns=columns, rows=rows, rgba=True)[0]
        if self.test_digits is not None and self._drawn_digits[1] is not self.test_digits:
            rows, columns = self.TEST_GRID
            self._grids[test_ax] = digit_grid(*self.test_digits, columns=columns, rows=rows, rgba=True)[0]
            if len(self.test_digits[1]) != self._test_scale_total:
                self._set_test_scale(len(self.test_digits[1]))
                self._set_titles()
                self.live.relayout()
        changed = []
        for ax, digits, drawn in (
            (train_ax, self.train_digits, self._drawn_digits[0]),
            (test_ax, self.test_digits, self._drawn_digits[1]),
        ):
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
