"""A live figure: one that animates while a program trains, in a window, a notebook cell or a movie.

LiveFigure goes where figures.open_figure() puts it, and animates cheaply enough to draw several pictures a
second, the way matplotlib's own animation guide does it (blitting):

    whole drawing, rarely       axes, ticks, labels, legends: everything that stays put, drawn once and
                                kept as each panel's background (again only when an axis range changes)
    each picture                for each panel whose figures changed: its background put back, its moving
                                artists (curves, images, bands, titles) drawn over it, that rectangle shown

Its pace: a picture when something changed, PICTURE_INTERVAL apart at least (START_INTERVAL for the first
START_PICTURES pictures, so that a run shorter than a blink still moves), and only while the drawing's
share of the time since the first picture stays under a budget (START_ALLOWANCE seconds beyond it).
With watch=True every change is drawn, whatever it costs: the run goes at the pace of its drawing (the
talk's demos ran that way).
In a window: keys go to the figure's owner (space pauses, the owner says what the others do); closing the
window leaves the run going, text only. In a notebook: each picture is a PNG replacing the previous one
in place (an IPython display handle), no more often than Jupyter's output rate limit allows. A movie
(movies.py: .gif, or .mp4 where ffmpeg is installed) records the same pictures as they are drawn.

Its helpers: PixelImage, an image copied into the canvas as it is (fit_image() sizes one to its axes), and
steady_limits(), an axis range that moves seldom, since each change costs a drawing of that panel anew.
"""

import atexit
import concurrent.futures
import io
import os
import time

import numpy as np
import matplotlib
import matplotlib.image
from matplotlib.transforms import Bbox

from figures import open_figure, present, save_png, show_in_notebook, wait_until_closed
from movies import MOVIE_DPI, start_movie

PICTURE_INTERVAL = 0.18  # seconds between two pictures: 5.5 a second, a smooth enough motion for a curve
START_INTERVAL = 0.05  # and for the first START_PICTURES pictures, up to 20 a second:
START_PICTURES = 20  # a run shorter than a blink still moves
START_ALLOWANCE = 1.0  # seconds of drawing allowed beyond DRAW_SHARE, for those first pictures
DRAW_SHARE = {"window": 0.10, "notebook": 0.12, "file": 0.10}  # the drawing's share of the time, at most:
# slower pictures when they cost more (a slow machine, a big window)
NOTEBOOK_INTERVAL = 0.5  # seconds between two images sent to a notebook, at least
NOTEBOOK_BYTES_PER_SECOND = 250_000  # and at most this many bytes of images a second: Jupyter's server drops
# a cell's output beyond 1 MB/s (base64 makes them a third bigger)
TICK_LABEL_ROOM = 12  # pixels on either side of an axes cleared when it alone is drawn anew
EVENT_INTERVAL = 0.2  # seconds between two looks at the window's keyboard and mouse events
WORK_EVENT_INTERVAL = 0.05  # and while responsive() waits for long work
STEADY_FILL = 0.4  # an axis range is kept while the values fill at least this share of it (steady_limits)


class LiveFigure:
    """A figure, placed by figures.open_figure(), whose panels animate by blitting (see the module's docstring).

    The owner builds its panels on .figure, names each panel's moving artists with animate(), and between
    two steps of its work asks picture_due(); when it is, it calls draw(update_artists), with a function that
    brings those artists up to date and returns the regions whose artists changed (calling relayout() when
    an axis range or the layout changed). idle() between steps handles the window's keys and waits while
    paused. finish() draws the last picture whole and writes the movie and the PNG.

    live: False draws nothing until finish() (--save-png), unless a movie is recorded.
    movie: a .gif or .mp4 path to record the pictures into, or None. watch: draw every change.
    what: what the figure is, for messages ("dashboard").
    on_key: called with the key of a key press in the window (space, pause, is handled here).
    draw_share: the drawing's share of the time, at most (default: DRAW_SHARE for where the figure is).
    """

    def __init__(self, size, title, what, live=True, movie=None, watch=False, on_key=None, draw_share=None):
        self.title, self.what = title, what
        self.where, self.figure = open_figure(size, title, what, live=live, dpi=MOVIE_DPI if movie else None)
        self.window, self.notebook = self.where == "window", self.where == "notebook"
        self.watch = watch
        self.draw_share = DRAW_SHARE[self.where] if draw_share is None else draw_share
        self.paused = self.closed = False
        self.finished = False  # the work is over: closing the window ends the program
        self.pictures = 0  # pictures drawn while the work ran
        self.draw_seconds = 0.0  # the time they took, all included
        self.movie_frames = 0
        self._animated = {}  # region (an axes, a title) -> its moving artists, drawn in this order
        self._backgrounds = {}  # region -> (its rectangle in pixels, the still picture under it)
        self._whole_drawing = True  # the next picture draws everything anew
        self._axes_to_redraw = set()  # or these axes, whole (relayout(ax))
        self._axes_boxes = {}  # axes -> the pixels it took when last drawn whole: its ticks, labels...
        self._first_request = None  # when picture_due() was first asked: the pace's time starts
        self._last_picture = -np.inf
        self._notebook_interval = NOTEBOOK_INTERVAL
        self._notebook_display = None
        self._next_events = 0.0
        self._on_key_owner = on_key
        self._worker = None  # the thread responsive() runs work in, made on first use
        self._movie = None
        self._movie_path = movie
        self.figure.canvas.mpl_connect("draw_event", self._on_whole_drawing)
        if movie:
            self._movie = start_movie(movie, self.figure)
            atexit.register(self.abort)  # however the program ends, no half-recorded movie is left behind
        if self.window:
            self.figure.canvas.mpl_connect("key_press_event", self._on_key)
            self.figure.canvas.mpl_connect("close_event", self._on_close)

    @property
    def drawing(self):
        """True where pictures are drawn while the work runs: a window, a notebook cell, or a movie."""
        return (self.window or self.notebook or self._movie is not None) and not self.closed

    def animate(self, region, artists):
        """The artists that move in a region of the figure (drawn in this order over its still background),
        replacing those named before. region: an axes (its rectangle), or an axes' title (the band above
        the axes that it takes: a title is drawn apart, as it changes less often than the curves)."""
        for artist in artists:
            artist.set_animated(True)
        self._animated[region] = list(artists)

    def relayout(self, ax=None):
        """Something still changed: the next picture draws anew the axes `ax` (its range, ticks, labels:
        a few tens of milliseconds), or, with no axes named, the whole figure (a title, the layout)."""
        if ax is None:
            self._whole_drawing = True
        else:
            self._axes_to_redraw.add(ax)

    def show_first(self):
        """The empty panels, at once, before the work starts (the first drawing of a window is its slowest:
        fonts, toolkit; it is not counted in the work's drawing time)."""
        if self.window:
            import matplotlib.pyplot as plt

            plt.show(block=False)
            self.figure.canvas.draw()
            self._process_events()
        elif self.notebook:
            self.figure.canvas.draw()
            self._notebook_display = show_in_notebook(self._png_now())
        self._whole_drawing = False

    def picture_due(self, changed=True):
        """Whether to draw a picture now: something `changed`, and the pace allows it (see the module)."""
        if not self.drawing or not changed:
            return False
        now = time.perf_counter()
        if self._first_request is None:
            self._first_request = now
        if self.watch:
            return True
        starting = self.pictures < START_PICTURES
        interval = self._notebook_interval if self.notebook else START_INTERVAL if starting else PICTURE_INTERVAL
        allowed = self.draw_share * (now - self._first_request) + START_ALLOWANCE
        return now - self._last_picture >= interval and self.draw_seconds <= allowed

    def draw(self, update_artists):
        """Draw a picture: update_artists() brings the moving artists up to date and returns the regions that
        changed (see animate()); those are drawn on their backgrounds, or everything after relayout(). It goes
        to the window, the notebook cell and the movie, and its time, all included, to draw_seconds."""
        started = time.perf_counter()
        changed = update_artists()
        canvas = self.figure.canvas
        if self._whole_drawing or not self._backgrounds:
            canvas.draw()  # everything; _on_whole_drawing keeps the backgrounds and draws the moving artists
            self._whole_drawing = False
            self._axes_to_redraw.clear()
        else:
            redrawn = [self._redraw_axes(ax) for ax in self._axes_to_redraw if ax in self._axes_boxes]
            self._axes_to_redraw.clear()
            boxes = [box for _, box in redrawn]
            redrawn_axes = {ax for ax, _ in redrawn}  # drawn whole: their moving artists too
            for region in dict.fromkeys(changed):
                if region in self._backgrounds and region.axes not in redrawn_axes:
                    box, background = self._backgrounds[region]
                    canvas.restore_region(background)
                    for artist in self._animated.get(region, ()):
                        self.figure.draw_artist(artist)
                    boxes.append(box)
            for box in _rows(boxes):  # to the screen: a few large rectangles cost less than many small ones
                canvas.blit(box)
        if self.window:
            self._process_events()
        elif self.notebook:
            png = self._png_now()
            self._notebook_display = show_in_notebook(png, self._notebook_display)
            self._notebook_interval = max(NOTEBOOK_INTERVAL, len(png) / NOTEBOOK_BYTES_PER_SECOND)
        if self._movie is not None:
            self._movie.add(self._pixels())
            self.movie_frames += 1
        self.pictures += 1
        finished = time.perf_counter()
        self.draw_seconds += finished - started
        self._last_picture = finished

    def _redraw_axes(self, ax):
        """Draw one axes anew, still parts and moving ones, where it was (its range or ticks changed): its
        pixels and its ticks' cleared, the axes drawn, its regions' backgrounds kept again. Returns (ax, the
        rectangle to show)."""
        renderer = self.figure.canvas.get_renderer()
        box = self._axes_boxes[ax]
        pixels = np.asarray(renderer.buffer_rgba())  # [height, width, 4], the top row first
        height, width = pixels.shape[:2]
        x0, x1 = max(0, int(box.x0)), min(width, int(np.ceil(box.x1)))
        y0, y1 = max(0, int(box.y0)), min(height, int(np.ceil(box.y1)))
        background = np.array(matplotlib.colors.to_rgba(self.figure.get_facecolor())) * 255
        pixels[height - y1 : height - y0, x0:x1] = background
        ax.draw(renderer)  # its moving artists are left out (animated)
        for artist in (*self.figure.legends, self.figure._suptitle):  # still artists of the figure around it
            if artist is not None and artist.get_window_extent(renderer).overlaps(box):
                artist.draw(renderer)
        self._keep_backgrounds(renderer, [region for region in self._animated if region.axes is ax])
        return ax, box

    def _keep_backgrounds(self, renderer, regions):
        """Keep each region's still background (as drawn now), then draw its moving artists over it."""
        for region in regions:
            if not region.get_visible() or not region.axes.get_visible():
                continue
            box = _rectangle(region, renderer)
            self._backgrounds[region] = (box, self.figure.canvas.copy_from_bbox(box))
            for artist in self._animated[region]:
                self.figure.draw_artist(artist)

    def _on_whole_drawing(self, _event):
        """After matplotlib drew the whole figure (a picture after relayout(), a resized window, a key that
        changed the panels): keep each panel's still background, then draw its moving artists over it."""
        canvas = self.figure.canvas
        if canvas.is_saving():
            return  # savefig draws everything itself, moving artists included
        renderer = canvas.get_renderer()
        self._backgrounds = {}
        self._keep_backgrounds(renderer, list(self._animated))
        # where each axes draws (its ticks, labels, title), with room for wider tick labels: what a drawing
        # of it alone clears first
        self._axes_boxes = {
            ax: Bbox.from_extents(*ax.get_tightbbox(renderer).padded(3).extents)
            for ax in {region.axes for region in self._animated}
            if ax.get_visible()
        }
        for box in self._axes_boxes.values():
            box.x0, box.x1 = box.x0 - TICK_LABEL_ROOM, box.x1 + TICK_LABEL_ROOM

    def _pixels(self):
        """The picture as drawn now: [height, width, 3] uint8."""
        return np.asarray(self.figure.canvas.buffer_rgba())[..., :3]

    def _png_now(self):
        """The picture as drawn now, as PNG bytes, in 256 colours (a third of the size, for the notebook's
        output rate limit), quickly compressed."""
        from PIL import Image

        buffer = io.BytesIO()
        image = Image.fromarray(self._pixels()).quantize(256, method=Image.Quantize.FASTOCTREE)
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def idle(self):
        """Between two steps of the work: the window's keys and mouse now and then; wait while paused."""
        if self.window and not self.closed and time.perf_counter() >= self._next_events:
            self._process_events()
        while self.paused and not self.closed:
            self.figure.canvas.start_event_loop(0.1)

    def responsive(self, work):
        """work() (a long computation: seconds of TensorFlow), with the window still answering meanwhile
        (moved, resized, closed, a key): in a window, work() runs in a second thread while this one handles
        the window's events; elsewhere it simply runs. Returns what work() returns, raises what it raises."""
        if not self.window or self.closed:
            return work()
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="work")
        done = self._worker.submit(work)
        while True:  # TensorFlow lets go of Python's lock while it computes: this thread can answer the window
            try:
                return done.result(timeout=WORK_EVENT_INTERVAL)
            except concurrent.futures.TimeoutError:
                if not self.closed:
                    self._process_events()

    def _process_events(self):
        self.figure.canvas.flush_events()
        self._next_events = time.perf_counter() + EVENT_INTERVAL

    def _on_key(self, event):
        if event.key == " ":
            self.paused = not self.paused
            self.figure.suptitle(self.title + ("   [paused: space resumes]" if self.paused else ""), fontsize=13)
            self.figure.canvas.draw_idle()
        elif self._on_key_owner is not None:
            self._on_key_owner(event.key)

    def _on_close(self, _event):
        if not self.closed and not self.finished:
            print(f"{self.what} window closed: training goes on, text only", flush=True)
        self.closed = True
        self.paused = False

    # ------------------------------------------------------------------ the end
    def finish(self, png=None, wait=True):
        """The work is over: the last picture (everything, its final state), the movie and the PNG written,
        each whole or not at all. Returns {path: None when written, else why it could not be}. In a live
        window, wait=True keeps it open until the user closes it (or presses Ctrl-C)."""
        self.finished = True
        for artists in self._animated.values():  # from now on every drawing is whole, as a still figure's
            for artist in artists:
                artist.set_animated(False)
        self._animated, self._backgrounds = {}, {}
        results = {}
        if self._movie is not None:
            if not self.closed:  # the final picture (a closed window's canvas is gone: its last one stands)
                self.figure.canvas.draw()
                self._movie.add(self._pixels())
                self.movie_frames += 1
            results[self._movie_path] = self._finish_movie()
        if png:
            try:
                save_png(self.figure, png)
                results[png] = None
            except OSError as e:
                results[png] = e.strerror or str(e)
        if self.window and not self.closed:
            self.figure.canvas.draw_idle()
            if wait:
                wait_until_closed(self.figure)
        # in a notebook, the final picture stays in the cell's output
        self._notebook_display = present(self.where, self.figure, handle=self._notebook_display)
        return results

    def _finish_movie(self):
        movie, self._movie = self._movie, None
        try:
            movie.finish()
            os.replace(movie.partial, self._movie_path)
            if movie.kept_one_in > 1:
                print(
                    f"movie: one picture in {movie.kept_one_in} kept (at most {movie.max_frames} frames, "
                    "to bound the memory)"
                )
            return None
        except OSError as e:
            movie.abort()
            return e.strerror or str(e)

    def abort(self):
        """Drop a half-recorded movie (on Ctrl-C or an error): no partial file is left behind."""
        if self._movie is not None:
            self._movie.abort()
            self._movie = None


def _rows(boxes):
    """Rectangles that share some height merged into one (the panels of a row): fewer, larger blits."""
    merged = []
    for box in sorted(boxes, key=lambda b: b.y0):
        if merged and box.y0 <= merged[-1].y1:
            merged[-1] = Bbox.union([merged[-1], box])
        else:
            merged.append(box)
    return merged


class PixelImage(matplotlib.image.AxesImage):
    """An image that fills its axes, given at the axes' own size in pixels (RGBA, uint8): in a live picture it
    is copied into the canvas as it is, with none of matplotlib's resampling (2 ms a picture for a digit
    grid); in any other drawing (a PNG, a resized window) it is drawn as any image is."""

    def draw(self, renderer):
        pixels = self.get_array()
        canvas = self.figure.canvas if self.figure is not None else None
        box = self.axes.bbox
        x0, y1 = int(round(box.x0)), int(round(box.y1))
        height, width = pixels.shape[:2]
        if (
            canvas is None
            or canvas.is_saving()
            or renderer is not canvas.get_renderer()
            or pixels.dtype != np.uint8
            or pixels.ndim != 3
            or pixels.shape[2] != 4
            or (height, width) != (int(round(box.height)), int(round(box.width)))
        ):
            return super().draw(renderer)
        buffer = np.asarray(renderer.buffer_rgba())  # [height, width, 4], the top row first
        top = buffer.shape[0] - y1
        if 0 <= top and top + height <= buffer.shape[0] and 0 <= x0 and x0 + width <= buffer.shape[1]:
            buffer[top : top + height, x0 : x0 + width] = pixels
        else:
            super().draw(renderer)
        self.stale = False


def _rectangle(region, renderer):
    """The pixels a region of animate() takes: an axes' rectangle, or the band of the axes' width where its
    title is drawn."""
    if region is region.axes:
        return region.bbox.padded(1)
    title = region.get_window_extent(renderer)
    return Bbox([[region.axes.bbox.x0, title.y0 - 2], [region.axes.bbox.x1, title.y1 + 2]])


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


def steady_limits(current, low, high, floor=None, ceiling=None):
    """An axis range that moves seldom and by much: `current` (low, high) is kept while the values' range
    [low, high] fits in it and fills at least STEADY_FILL of it; else a new range around the values, a
    margin added and its ends rounded to a tidy step, within [floor, ceiling]. In a live dashboard each
    change costs a drawing of that panel anew (its ticks move), a few times a run rather than at every picture."""
    if (
        current is not None
        and current[0] <= low
        and high <= current[1]
        and high - low >= STEADY_FILL * (current[1] - current[0])
    ):
        return current
    span = max(high - low, 0.05 * max(abs(low), abs(high)), 1e-6)  # values all alike: a range around them
    step = 10.0 ** np.floor(np.log10(span / 4))
    step *= next(m for m in (1, 2, 5, 10) if span / 4 <= m * step)  # a tidy step: 1, 2 or 5 x 10^k
    # room to move on a side the values crossed (growing weights go on growing), a little on the others
    below = 0.35 if current is not None and low < current[0] else 0.1
    above = 0.35 if current is not None and high > current[1] else 0.1
    new_low, new_high = np.floor((low - below * span) / step) * step, np.ceil((high + above * span) / step) * step
    if floor is not None:
        new_low = max(new_low, floor)
    if ceiling is not None:
        new_high = min(new_high, ceiling)
    return round(float(new_low), 9), round(float(new_high), 9)
