"""The live view of rnn_train.py: the character model learning, in a window, in a notebook cell, or a PNG.

    +-----------------------+-----------------------+------------------------+
    | 1 loss: training      | 2 accuracy: the share | 4 the samples: what    |
    |   batches (faint, and | of next characters    |   the network writes   |
    |   their running mean) | guessed right         |   from a line feed, at |
    |   and validation text |                       |   each report, newest  |
    +-----------------------+-----------------------+   first                |
    | 3 the mini-batch just trained on: for 8 of    |                        |
    |   its sequences, the characters to predict    |                        |
    |   and the network's guesses (red: wrong)      |                        |
    +-----------------------------------------------+------------------------+

The loss is the cross-entropy in nats per character, the mean of -ln(probability of the right next
character): ln(98) = 4.585 for a network that knows nothing (a dotted line), about 1.36 for the shipped
model. Panel 3 is the talk's console display of a mini-batch (rnn_train.py prints it at each report),
drawn at every picture: the guesses are those the network made while it trained on the batch (dropout
on), read in the same run as the training step, at no extra cost.

It goes where the lessons' dashboard goes (figures.open_figure): a window where a display can be
reached (its events answered during a training step: livefigure.LiveFigure.responsive), the cell's
output in a Jupyter kernel, else a PNG rewritten at most every PNG_INTERVAL seconds at the reports, and
at the end. It animates the way the dashboard does (livefigure: only what moved is drawn, over each
panel's still background), a picture whenever a step brought something new and the pace allows, for at
most DRAW_SHARE of the training time. With the talk's 3 x 512 network a step takes a second or two on 2
cores: a picture per step. Space pauses in the window.

Nothing here knows TensorFlow: rnn_train.py hands it plain numbers, codes and text.
"""

import math
import re
import textwrap
import time
import typing

import numpy as np

import figures  # where the view goes (a window, a notebook cell, a PNG), as the lessons' dashboard
import livefigure
import runcurves  # the y ranges that show the curves past their steep start, as the lessons' dashboard's
import txtutils

DRAW_SHARE = 0.04  # the drawing's share of the training time, at most (the dashboard's is 0.10)
PNG_INTERVAL = 30.0  # seconds between two rewrites of a headless run's PNG, at least
ROWS = 8  # sequences of the mini-batch shown
SMOOTHING = 25  # training-batch measurements in the running mean drawn over them
SAMPLE_COLUMNS = 52  # the sample's lines are wrapped at this width
SAMPLE_LINES = 40  # lines of samples shown, the newest first
UNIFORM_LOSS = math.log(txtutils.ALPHASIZE)  # the loss of a network that knows nothing: all 98 codes alike


def running_mean(values, window=SMOOTHING):
    """The mean of each value and the window - 1 before it (fewer at the start): the trend under the noise."""
    values = np.asarray(values, np.float64)
    sums = np.cumsum(np.concatenate([[0.0], values]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


# ------------------------------------------------------------------------------------------------
# Text as pixels: panels 3 and 4 are grids of characters, drawn the way the lessons' digit grids are
# ------------------------------------------------------------------------------------------------
# matplotlib lays out and renders a text glyph by glyph: 16 lines of 75 characters cost 100 ms a picture.
# Here each character of a monospaced font is rendered once, into a cell of a glyph atlas; a panel of text
# is then its characters' cells looked up and tinted in one NumPy operation (about 2 ms), drawn 1:1.
INK = np.array([[20, 20, 20], [214, 39, 40], [120, 120, 120]], np.float32)  # colours: 0 text, 1 wrong, 2 labels
BLACK, RED, GREY = 0, 1, 2
PAPER = np.float32(255)
FONT_PIXELS = (8, 15)  # the smallest and the largest font, in pixels: the largest whose lines fit is taken


class GlyphAtlas:
    """The characters a panel may show (ASCII 32-126 and the display symbols: ↵ → │ �), each rendered once
    in a monospaced font of `pixels` pixels, as an ink mask [cell height, cell width]."""

    CHARACTERS = "".join(chr(c) for c in range(32, 127)) + "".join(txtutils.SYMBOLS.values())

    def __init__(self, pixels):
        from matplotlib import font_manager
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(font_manager.findfont(font_manager.FontProperties(family="monospace")), pixels)
        ascent, descent = font.getmetrics()
        self.height, self.width = ascent + descent + max(1, pixels // 6), max(1, round(font.getlength("M")))
        self.masks = np.zeros([len(self.CHARACTERS), self.height, self.width], np.float32)
        for k, char in enumerate(self.CHARACTERS):
            cell = Image.new("L", (self.width, self.height))
            ImageDraw.Draw(cell).text((0, 0), char, font=font, fill=255)
            self.masks[k] = np.asarray(cell, np.float32) / 255
        self.index = {char: k for k, char in enumerate(self.CHARACTERS)}
        self.unknown = self.index[txtutils.UNKNOWN_CHAR]


_ATLASES = {}


def atlas(pixels):
    if pixels not in _ATLASES:
        _ATLASES[pixels] = GlyphAtlas(pixels)
    return _ATLASES[pixels]


def text_pixels(lines, width, height, margin=4):
    """A panel of text as an RGBA image [height, width, 4]: lines is a list of (text, colours), colours one
    INK index per character (or one for the line), set in the largest font of FONT_PIXELS whose lines fit
    (the smallest when none does: what does not fit is cut)."""
    columns = max([len(text) for text, _ in lines] + [1])
    fits = [
        p
        for p in range(FONT_PIXELS[0], FONT_PIXELS[1] + 1)
        if atlas(p).height * len(lines) <= height - 2 * margin and atlas(p).width * columns <= width - 2 * margin
    ]
    glyphs = atlas(fits[-1] if fits else FONT_PIXELS[0])
    codes = np.full([len(lines), columns], glyphs.index[" "], np.int32)
    colours = np.zeros([len(lines), columns], np.int32)
    for row, (text, ink) in enumerate(lines):
        codes[row, : len(text)] = [glyphs.index.get(char, glyphs.unknown) for char in text]
        colours[row, : len(text)] = ink
    cells = glyphs.masks[codes]  # [rows, columns, cell h, cell w]
    rows_h, columns_w = len(lines) * glyphs.height, columns * glyphs.width
    ink = cells.transpose(0, 2, 1, 3).reshape(rows_h, columns_w)[..., None]  # [rows*cell h, columns*cell w, 1]
    tint = np.repeat(np.repeat(INK[colours], glyphs.height, 0), glyphs.width, 1)  # [rows*cell h, columns*cell w, 3]
    picture = np.full([height, width, 4], 255, np.uint8)
    block = (PAPER + (tint - PAPER) * ink).astype(np.uint8)
    h, w = max(0, min(rows_h, height - margin)), max(0, min(columns_w, width - margin))
    picture[margin : margin + h, margin : margin + w, :3] = block[:h, :w]
    return picture


def minibatch_lines(expected, predicted, losses, books, symbols=txtutils.SYMBOLS):
    """Panel 3's lines [(text, colours)]: for each sequence, the characters to predict, then the network's
    guesses, the wrong ones in red. expected, predicted: [rows, seqlen] codes; losses: [rows]; books: names."""
    lines = []
    for k in range(len(expected)):
        want = txtutils.printable(expected[k], symbols)
        got = txtutils.printable(predicted[k], symbols)
        label = f"{k:2d} {books[k][:13]:<13} "
        lines.append((f"{label}expected   {want}", [GREY] * (len(label) + 11) + [BLACK] * len(want)))
        guesses = f"{'':{len(label)}}predicted  {got}   loss {losses[k]:.3f}"
        lines.append(
            (
                guesses,
                [GREY] * (len(label) + 11)
                + [BLACK if g == w else RED for g, w in zip(got, want)]
                + [GREY] * (len(guesses) - len(label) - 11 - len(got)),
            )
        )
    return lines


def sample_lines(samples, columns=SAMPLE_COLUMNS, lines=SAMPLE_LINES):
    """Panel 4's lines [(text, colour)]: the samples [(step, text)], the newest first, each under a line naming
    its step, as they would print (long lines wrapped, tabs shown, runs of empty lines as one), as many as
    `lines` lines hold."""
    shown = []
    for step, text in reversed(samples):
        shown.append((f"--- step {step} " + "-" * max(0, columns - 10 - len(str(step))), GREY))
        text = re.sub(r"\n{3,}", "\n\n", text.strip("\n"))  # runs of empty lines shown as one
        for line in text.replace("\t", txtutils.SYMBOLS["\t"]).split("\n"):
            shown += [(part, BLACK) for part in textwrap.wrap(line, columns, drop_whitespace=False) or [""]]
        if len(shown) >= lines:
            break
    return shown[:lines]


class Shown(typing.NamedTuple):
    """What the latest picture shows: how many training measurements and validations, which mini-batch, how many
    samples (what changed since is drawn anew)."""

    measurements: int = 0
    validations: int = 0
    minibatch: tuple = None
    samples: int = 0


class TrainingView:
    """Draws an RNN training run (see the module's docstring).

    first_step, end_step: the steps this run trains (its x axes span 0 to end_step from the start).
    live: False: no window, no notebook; png: where a headless run's picture goes (None: nowhere).
    books_of: step -> the names of the works the mini-batch of that step reads, row by row.
    earlier: validation losses measured before this run ({"step", "validation_loss"}: a resumed run's
        milestones), drawn as the validation curve's start.
    """

    def __init__(self, title, first_step, end_step, live=True, png=None, books_of=None, earlier=()):
        self.title, self.png, self.books_of = title, png, books_of
        self.end_step = end_step
        self.live = livefigure.LiveFigure((13, 7.5), title, "training view", live=live, draw_share=DRAW_SHARE)
        self.where, self.figure = self.live.where, self.live.figure
        if self.where == "file":  # drawn at the PNG's own size: its text panels' pixels copied 1:1
            self.figure.set_dpi(figures.WINDOW_DPI)
        self.train = {"step": [], "loss": [], "accuracy": []}
        self.validation = {"step": [], "loss": [], "accuracy": []}
        for m in earlier:
            if m.get("validation_loss") is not None and m["step"] <= first_step:
                self.validation["step"].append(m["step"])
                self.validation["loss"].append(m["validation_loss"])
                self.validation["accuracy"].append(np.nan)
        self.minibatch = None  # (step, epoch, expected, predicted, losses, batch loss, accuracy)
        self.samples = []  # [(step, text)]
        self._shown = Shown()  # what the latest picture shows
        self._limits = [None, None]
        self._png_written = None  # when a headless run's PNG was last written
        self._build_panels()
        self.live.show_first()

    @property
    def pictures(self):
        return self.live.pictures

    @property
    def draw_seconds(self):
        return self.live.draw_seconds

    @property
    def drawing(self):
        """True while pictures are drawn during training (a window, a notebook cell)."""
        return self.live.drawing

    # ------------------------------------------------------------------ panels
    def _build_panels(self):
        fig = self.figure
        fig.suptitle(self.title, fontsize=13)
        grid = fig.add_gridspec(
            2, 3, left=0.05, right=0.98, bottom=0.05, top=0.9, wspace=0.22, hspace=0.32, width_ratios=(1, 1, 1.15)
        )
        self.loss_ax, self.acc_ax = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        self.batch_ax, self.sample_ax = fig.add_subplot(grid[1, :2]), fig.add_subplot(grid[:, 2])
        for ax, name in ((self.loss_ax, "nats per character"), (self.acc_ax, "share of next characters guessed")):
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
            ax.set_xlabel("training step", fontsize=8)
            ax.set_ylabel(name, fontsize=8)
            ax.set_xlim(0, max(1, self.end_step))
        self.loss_ax.axhline(
            UNIFORM_LOSS, color="grey", lw=1, ls=":", label=f"knows nothing: ln 98 = {UNIFORM_LOSS:.2f}"
        )
        self.lines = {}
        for ax, name in ((self.loss_ax, "loss"), (self.acc_ax, "accuracy")):
            self.lines[name] = (
                ax.plot([], [], color="tab:blue", lw=0.6, alpha=0.35)[0],
                ax.plot([], [], color="tab:blue", lw=1.5, label="training batches")[0],
                ax.plot([], [], color="tab:red", lw=1.5, marker="o", ms=3, label="validation text")[0],
            )
            ax.legend(loc="upper right" if name == "loss" else "lower right", fontsize=8)
        self.loss_ax.set_ylim(0, 5)
        self.acc_ax.set_ylim(0, 1)
        self.loss_ax.set_title("cross-entropy loss", fontsize=10)
        self.acc_ax.set_title("accuracy", fontsize=10)
        for ax in (self.batch_ax, self.sample_ax):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
        # panels of text, drawn as pixels (text_pixels)
        self.text_images, self.text_lines = {}, {}
        for ax, lines in (
            (self.batch_ax, [("(the mini-batch, from the first step on)", GREY)]),
            (self.sample_ax, [("(a sample at each report)", GREY)]),
        ):
            self.text_images[ax] = ax.add_image(livefigure.PixelImage(ax, interpolation="none", extent=(0, 1, 0, 1)))
            self.text_images[ax].set_data(np.full([2, 2, 4], 255, np.uint8))
            self.text_lines[ax] = lines
        self.batch_ax.set_title(
            "the mini-batch just trained on: the next characters, and the network's guesses as it trained (red: wrong)",
            fontsize=10,
        )
        self.sample_ax.set_title("what it writes, from a line feed: the newest sample first", fontsize=10)
        self.live.animate(self.loss_ax, self.lines["loss"])
        self.live.animate(self.acc_ax, self.lines["accuracy"])
        for ax in (self.loss_ax, self.acc_ax, self.batch_ax, self.sample_ax):
            self.live.animate(ax.title, [ax.title])
        self.live.animate(self.batch_ax, [self.text_images[self.batch_ax]])
        self.live.animate(self.sample_ax, [self.text_images[self.sample_ax]])

    # ------------------------------------------------------------------ what the run hands over
    def training_step(self, step, epoch, loss, accuracy, expected=None, predicted=None, losses=None):
        """After a training step: its batch loss and accuracy; expected, predicted ([batch, seqlen] codes)
        and losses ([batch], per sequence): the mini-batch for panel 3 (its first ROWS sequences kept)."""
        self.train["step"].append(int(step))
        self.train["loss"].append(float(loss))
        self.train["accuracy"].append(float(accuracy))
        if expected is not None:
            self.minibatch = (step, epoch, expected[:ROWS], predicted[:ROWS], losses[:ROWS], loss, accuracy)

    def validated(self, step, loss, accuracy):
        """The loss and accuracy on the validation text at `step`."""
        self.validation["step"].append(int(step))
        self.validation["loss"].append(float(loss))
        self.validation["accuracy"].append(float(accuracy))

    def sampled(self, step, text):
        """The text the network wrote at `step`."""
        self.samples.append((int(step), text))

    # ------------------------------------------------------------------ drawing
    def _changed(self):
        shown = self._shown
        return (
            len(self.train["step"]) != shown.measurements
            or len(self.validation["step"]) != shown.validations
            or self.minibatch is not shown.minibatch
            or len(self.samples) != shown.samples
        )

    def _render(self):
        """Bring the moving artists up to date; returns the regions that changed (livefigure.LiveFigure.draw)."""
        changed, shown = [], self._shown
        counts = (len(self.train["step"]), len(self.validation["step"]))
        if counts != (shown.measurements, shown.validations):
            for index, (ax, name) in enumerate(((self.loss_ax, "loss"), (self.acc_ax, "accuracy"))):
                raw, trend, validation = self.lines[name]
                raw.set_data(self.train["step"], self.train[name])
                trend.set_data(self.train["step"], running_mean(self.train[name]))
                validation.set_data(self.validation["step"], self.validation[name])
                wanted = runcurves.zoomed_limits(name, [self.train[name], self.validation[name]], skip=0.1)
                if wanted:
                    limits = livefigure.steady_limits(
                        self._limits[index], *wanted, floor=0.0, ceiling=1.0 if name == "accuracy" else None
                    )
                    if limits != self._limits[index]:
                        self._limits[index] = limits
                        ax.set_ylim(*limits)
                        self.live.relayout(ax)
                changed.append(ax)
            if counts[1] != shown.validations:
                loss, accuracy = self.validation["loss"][-1], self.validation["accuracy"][-1]
                self.loss_ax.set_title(
                    f"cross-entropy loss: validation {loss:.3f} ({loss / math.log(2):.2f} bits per character)",
                    fontsize=10,
                )
                if np.isfinite(accuracy):
                    self.acc_ax.set_title(f"accuracy: validation {accuracy:.3f}", fontsize=10)
                changed += [self.loss_ax.title, self.acc_ax.title]
        if self.minibatch is not None and self.minibatch is not shown.minibatch:
            step, epoch, expected, predicted, losses, loss, accuracy = self.minibatch
            books = self.books_of(step)[: len(expected)] if self.books_of else [""] * len(expected)
            self.text_lines[self.batch_ax] = [
                (f"step {step}, epoch {epoch}: batch loss {loss:.3f}, accuracy {accuracy:.3f}", GREY)
            ] + minibatch_lines(expected, predicted, losses, books)
        if len(self.samples) != shown.samples:
            self.text_lines[self.sample_ax] = sample_lines(self.samples)
        for ax, new in (
            (self.batch_ax, self.minibatch is not shown.minibatch),
            (self.sample_ax, len(self.samples) != shown.samples),
        ):
            image = self.text_images[ax]
            size = (max(1, round(ax.bbox.height)), max(1, round(ax.bbox.width)))
            if new or image.get_array().shape[:2] != size:  # new text, or a resized window
                image.set_data(text_pixels(self.text_lines[ax], size[1], size[0]))
                changed.append(ax)
        self._shown = Shown(*counts, self.minibatch, len(self.samples))
        return changed

    def update(self):
        """After each step: a picture when something changed and the pace allows it; the window's keys."""
        if self.live.drawing and self.live.picture_due(self._changed()):
            self.live.draw(self._render)
        self.live.idle()

    def responsive(self, work):
        """work() (a training step, a validation), the window answering meanwhile (LiveFigure.responsive)."""
        return self.live.responsive(work)

    def report(self):
        """At a report: a headless run's PNG rewritten, at most every PNG_INTERVAL seconds. Returns None, or a
        line saying why it could not be (and it is not tried again)."""
        if (
            self.where != "file"
            or not self.png
            or self._png_written is not None
            and time.perf_counter() - self._png_written < PNG_INTERVAL
        ):
            return None
        try:
            self._save_png()
        except OSError as e:  # a full disk: said once, and training goes on
            png, self.png = self.png, None
            return f"training view: cannot write {png} ({e.strerror or e}): training goes on without it"
        return None

    def _save_png(self):
        self._render()
        figures.save_png(self.figure, self.png)
        self._png_written = time.perf_counter()

    def finish(self, wait=True):
        """The end of the run: the final picture (window, notebook, PNG). Returns {png: None when written,
        else why not}; in a window, wait=True keeps it open until it is closed."""
        self._render()
        png = self.png if self.where == "file" else None
        return self.live.finish(png=png, wait=wait)

    def summary(self, training_seconds):
        """One line: the pictures drawn while training, their rate and their share of the training time."""
        if not self.pictures:
            return None
        return (
            f"training view: {self.pictures} pictures in {training_seconds:.0f} s "
            f"({self.pictures / max(training_seconds, 1e-9):.2f} a second), {self.draw_seconds:.1f} s of drawing "
            f"({100 * self.draw_seconds / max(training_seconds, 1e-9):.1f}% of the time)"
        )
