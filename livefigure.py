"""Where a picture goes, and how a live one animates: a window, a notebook cell, a movie, a PNG.

open_figure() is the one place that decides where a figure is shown: a window of its own where a display
can be reached, the cell's output in a Jupyter kernel, else off screen (for a PNG or a movie). The MNIST
dashboard (tensorflowvisu.py) and compare_runs.py draw through it.

LiveFigure animates a figure while a program trains, cheaply enough to do it several times a second, the
way matplotlib's own animation guide does it (blitting):

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
(.gif, or .mp4 where ffmpeg is installed) records the same pictures as they are drawn.
"""
import atexit
import concurrent.futures
import io
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import matplotlib
import matplotlib.image
from matplotlib.transforms import Bbox

from cli import atomic_output

PICTURE_INTERVAL = 0.18   # seconds between two pictures: 5.5 a second, a smooth enough motion for a curve
START_INTERVAL = 0.05     # and for the first START_PICTURES pictures, up to 20 a second:
START_PICTURES = 20       # a run shorter than a blink still moves
START_ALLOWANCE = 1.0     # seconds of drawing allowed beyond DRAW_SHARE, for those first pictures
DRAW_SHARE = {"window": 0.10, "notebook": 0.12, "file": 0.10}  # the drawing's share of the time, at most:
                          # slower pictures when they cost more (a slow machine, a big window)
NOTEBOOK_INTERVAL = 0.5   # seconds between two images sent to a notebook, at least
NOTEBOOK_BYTES_PER_SECOND = 250_000  # and at most this many bytes of images a second: Jupyter's server drops
                                     # a cell's output beyond 1 MB/s (base64 makes them a third bigger)
WINDOW_DPI = 80           # 13 x 7.5 inches: a 1,040 x 600 window, which fits a laptop's screen
NOTEBOOK_DPI = 72         # 13 x 7.5 inches: a 936 x 540 image
MOVIE_DPI = 60            # a movie's frames: 13 x 7.5 inches at 60 dots: 780 x 450
MOVIE_FPS = 10
TICK_LABEL_ROOM = 12      # pixels on either side of an axes cleared when it alone is drawn anew
EVENT_INTERVAL = 0.2      # seconds between two looks at the window's keyboard and mouse events
WORK_EVENT_INTERVAL = 0.05  # and while responsive() waits for long work


# ------------------------------------------------------------------------------------------------
# Where a figure goes
# ------------------------------------------------------------------------------------------------

def display_available():
    """True where a window can be opened: always on macOS and Windows, with $DISPLAY or $WAYLAND_DISPLAY elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_figure(size, title, what, live=True, dpi=None):
    """The one place that decides where a picture goes, for the lessons' dashboard and compare_runs.py.

    Returns (where, figure): where is "window" (a window of its own, where a display can be reached),
    "notebook" (in a Jupyter kernel: shown as an image in the cell's output) or "file" (drawn off screen,
    for a PNG or a movie: live=False, or no usable display). When a display is set but no window can be
    opened (it cannot be reached, no GUI toolkit, a non-interactive MPLBACKEND), one line on stderr says
    why and the figure is drawn off screen: never a crash. dpi: an off-screen figure's dots per inch.
    """
    if live and notebook_kernel():
        return "notebook", _offscreen_figure(size, NOTEBOOK_DPI)
    if live and display_available():
        try:
            import matplotlib.pyplot as plt
            if matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo", "template"):
                display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                raise RuntimeError(f"matplotlib found no usable window system: the display {display} cannot "
                                   "be reached, or no GUI toolkit is installed (on Linux: python3-tk)")
            figure = plt.figure(figsize=size, dpi=WINDOW_DPI)
            figure.canvas.manager.set_window_title(title)
            return "window", figure
        except Exception as e:  # no usable display: fall back to headless, never crash
            print(f"{what}: cannot open a window ({str(e).splitlines()[0] if str(e) else type(e).__name__}); "
                  "continuing headless", file=sys.stderr)
    return "file", _offscreen_figure(size, dpi)


def present(where, figure, png=None, dpi=80, handle=None):
    """Show a finished figure where open_figure() put it: in the notebook cell (a new image, or in place of
    the one shown through `handle`), and/or saved whole as `png`. A window is left to its owner (it is
    already on screen: wait_until_closed() keeps it there). Returns the notebook's display handle."""
    if where == "notebook":
        handle = show_in_notebook(_png_of(figure, NOTEBOOK_DPI), handle)
    if png:
        save_png(figure, png, dpi=dpi)
    return handle


def _offscreen_figure(size, dpi=None):
    """A matplotlib figure drawn off screen (for a PNG, a movie or a notebook cell)."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    figure = Figure(figsize=size, dpi=dpi)
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


def _png_of(figure, dpi):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show_in_notebook(png, handle=None):
    """Show PNG bytes as an image in the notebook cell's output: a new one, or in place of the one shown
    through `handle` (an IPython DisplayHandle). Returns the handle."""
    from IPython.display import Image, display
    image = Image(data=png, format="png")
    if handle is None:
        return display(image, display_id=True)
    handle.update(image)
    return handle


def save_png(figure, path, dpi=80):
    """Save a figure as PNG, whole or not at all."""
    with atomic_output(path, "wb") as f:
        figure.savefig(f, dpi=dpi, format="png")


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


# ------------------------------------------------------------------------------------------------
# A figure that animates
# ------------------------------------------------------------------------------------------------

class LiveFigure:
    """A figure, placed by open_figure(), whose panels animate by blitting (see the module's docstring).

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
        self.finished = False          # the work is over: closing the window ends the program
        self.pictures = 0              # pictures drawn while the work ran
        self.draw_seconds = 0.0        # the time they took, all included
        self.movie_frames = 0
        self._animated = {}            # region (an axes, a title) -> its moving artists, drawn in this order
        self._backgrounds = {}         # region -> (its rectangle in pixels, the still picture under it)
        self._whole_drawing = True     # the next picture draws everything anew
        self._axes_to_redraw = set()   # or these axes, whole (relayout(ax))
        self._axes_boxes = {}          # axes -> the pixels it took when last drawn whole: its ticks, labels...
        self._first_request = None     # when picture_due() was first asked: the pace's time starts
        self._last_picture = -np.inf
        self._notebook_interval = NOTEBOOK_INTERVAL
        self._notebook_display = None
        self._next_events = 0.0
        self._on_key_owner = on_key
        self._worker = None            # the thread responsive() runs work in, made on first use
        self._movie = None
        self._movie_path = movie
        self.figure.canvas.mpl_connect("draw_event", self._on_whole_drawing)
        if movie:
            self._movie = _start_movie(movie, self.figure)
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
        pixels[height - y1:height - y0, x0:x1] = np.array(matplotlib.colors.to_rgba(self.figure.get_facecolor())) * 255
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
        self._axes_boxes = {ax: Bbox.from_extents(*ax.get_tightbbox(renderer).padded(3).extents)
                            for ax in {region.axes for region in self._animated} if ax.get_visible()}
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
                print(f"movie: one picture in {movie.kept_one_in} kept (at most {movie.max_frames} frames, "
                      "to bound the memory)")
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
        if canvas is None or canvas.is_saving() or renderer is not canvas.get_renderer() or \
                pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4 or \
                (height, width) != (int(round(box.height)), int(round(box.width))):
            return super().draw(renderer)
        buffer = np.asarray(renderer.buffer_rgba())  # [height, width, 4], the top row first
        top = buffer.shape[0] - y1
        if 0 <= top and top + height <= buffer.shape[0] and 0 <= x0 and x0 + width <= buffer.shape[1]:
            buffer[top:top + height, x0:x0 + width] = pixels
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


# ------------------------------------------------------------------------------------------------
# Movies: the pictures as they were drawn
# ------------------------------------------------------------------------------------------------

def _start_movie(path, figure):
    """A recorder for the movie at `path` (.gif, or .mp4 with ffmpeg), writing to a hidden partial file
    beside it; ValueError, with the flag's name, when it cannot be."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".gif", ".mp4"):
        raise ValueError(f"--save-movie {path}: the movie must be a .gif or an .mp4 file.")
    if extension == ".mp4" and not shutil.which(matplotlib.rcParams["animation.ffmpeg_path"]):
        raise ValueError(f"--save-movie {path}: recording .mp4 needs ffmpeg, which is not installed. "
                         "Install ffmpeg, or record a .gif instead.")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise ValueError(f"--save-movie {path}: cannot write there ({e.strerror or e})") from None
    stem = os.path.splitext(os.path.basename(path))[0]
    partial = os.path.join(folder, f".{stem}.partial{extension}")
    width, height = (int(round(v * MOVIE_DPI)) for v in figure.get_size_inches())
    return (GifRecorder if extension == ".gif" else Mp4Recorder)(partial, (width, height), MOVIE_FPS)


class GifRecorder:
    """Records an animated GIF picture by picture in bounded memory: each frame kept in the GIF's own
    256-colour form, and past max_frames every other frame dropped and only one picture in 2 (then 4...)
    kept, so the movie always spans the whole run; `kept_one_in` says how thinned it is."""

    def __init__(self, partial, size, fps, max_frames=300):
        self.partial, self.size, self.fps, self.max_frames = partial, size, fps, max_frames
        self.kept_one_in = 1
        self._frames, self._added = [], 0

    def add(self, pixels):
        """One picture: [height, width, 3] uint8, resized to the movie's size."""
        from PIL import Image
        self._added += 1
        if (self._added - 1) % self.kept_one_in:
            return
        frame = Image.fromarray(pixels)
        if frame.size != self.size:
            frame = frame.resize(self.size, Image.Resampling.BILINEAR)
        self._frames.append(frame.quantize(256, method=Image.Quantize.FASTOCTREE))
        if len(self._frames) > self.max_frames:
            self._frames = self._frames[::2]
            self.kept_one_in *= 2

    def finish(self):
        if self._frames:
            self._frames[0].save(self.partial, format="GIF", save_all=True, append_images=self._frames[1:],
                                 duration=int(1000 / self.fps), loop=0)
        self._frames = []

    def abort(self):
        self._frames = []
        if os.path.exists(self.partial):
            os.remove(self.partial)


class Mp4Recorder:
    """Records an .mp4 picture by picture: the frames piped to ffmpeg as they come (no memory kept)."""

    max_frames = kept_one_in = 1

    def __init__(self, partial, size, fps):
        self.partial, self.size = partial, (size[0] // 2 * 2, size[1] // 2 * 2)  # H.264 wants even sizes
        command = [matplotlib.rcParams["animation.ffmpeg_path"], "-y", "-loglevel", "error", "-f", "rawvideo",
                   "-pix_fmt", "rgb24", "-s", f"{self.size[0]}x{self.size[1]}", "-r", str(fps), "-i", "-",
                   "-pix_fmt", "yuv420p", "-f", "mp4", partial]
        self._ffmpeg = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def add(self, pixels):
        from PIL import Image
        frame = Image.fromarray(pixels)
        if frame.size != self.size:
            frame = frame.resize(self.size, Image.Resampling.BILINEAR)
        self._ffmpeg.stdin.write(frame.tobytes())

    def finish(self):
        _, errors = self._ffmpeg.communicate()
        if self._ffmpeg.returncode:
            raise OSError(f"ffmpeg failed: {errors.decode(errors='replace').strip()[-200:]}")

    def abort(self):
        if self._ffmpeg.poll() is None:
            self._ffmpeg.kill()
            self._ffmpeg.wait()
        if os.path.exists(self.partial):
            os.remove(self.partial)
