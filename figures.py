"""Where a picture goes: a window of its own, a notebook cell, or off screen for a PNG or a movie.

open_figure() is the one place that decides: a window where a display can be reached, the cell's output in
a Jupyter kernel, else off screen. The lessons' dashboard (tensorflowvisu.py, through livefigure.py), the
RNN's training view (rnn_dashboard.py) and compare_runs.py draw through it; present() shows a finished
figure where it went, save_png() writes one whole or not at all, wait_until_closed() keeps a window open.
"""

import io
import os
import sys

import matplotlib

from cli import atomic_output

WINDOW_DPI = 80  # 13 x 7.5 inches: a 1,040 x 600 window, which fits a laptop's screen
NOTEBOOK_DPI = 72  # 13 x 7.5 inches: a 936 x 540 image


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
                raise RuntimeError(
                    f"matplotlib found no usable window system: the display {display} cannot "
                    "be reached, or no GUI toolkit is installed (on Linux: python3-tk)"
                )
            figure = plt.figure(figsize=size, dpi=WINDOW_DPI)
            figure.canvas.manager.set_window_title(title)
            return "window", figure
        except Exception as e:  # no usable display: fall back to headless, never crash
            print(
                f"{what}: cannot open a window ({str(e).splitlines()[0] if str(e) else type(e).__name__}); "
                "continuing headless",
                file=sys.stderr,
            )
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
