"""Run a notebook top to bottom in a real Jupyter kernel and save the executed copy: lessons.ipynb with
short lessons, or rnn.ipynb at its own settings.

    python docs/make_executed_notebook.py [--steps 300] [--data-dir DIR] [--output docs/lessons_executed.ipynb]
    python docs/make_executed_notebook.py --notebook rnn.ipynb     (docs/rnn_executed.ipynb)

The copy keeps every cell's output: each lesson's dashboard in its final state, its printed lines, the
comparisons; the RNN's live view, its replays and samples. It is what a reader browsing the project sees
without running anything (GitHub renders notebooks); the lessons' real figures need their full length
(`STEPS = None` in the notebook itself). --steps sets lessons.ipynb's STEPS (every lesson trains that
many steps; default 300), or rnn.ipynb's TRAIN_STEPS (default: the notebook's own); --data-dir its
DATA_DIR (MNIST) or DATA (the corpus). The run summaries and checkpoints go where the notebook puts them
(runs/notebook-DATE-TIME/, runs/rnn-notebook-DATE-TIME/). The copy's pictures are stored with a palette of 256 colours
(plots and digits need no more; a third of the size); it is written whole or not at all, and its size printed.
Needs the notebook extra: pip install -r requirements-notebook.txt
"""

import base64
import io
import os
import sys

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, atomic_output, check_output_dir, parser_from_docstring, positive_int, run_main  # noqa: E402


# notebook -> (the settings --steps and --data-dir set, --steps's default)
SETTINGS = {"lessons.ipynb": ("STEPS", "DATA_DIR", 300), "rnn.ipynb": ("TRAIN_STEPS", "DATA", None)}


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument(
        "--notebook",
        choices=sorted(SETTINGS),
        default="lessons.ipynb",
        help="the notebook to run (default: lessons.ipynb)",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="training steps of every lesson (default: "
        "300), or of rnn.ipynb's live training (default: the notebook's own)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="the MNIST folder, or the corpus for rnn.ipynb (default: "
        "the notebook's own choice, downloaded on first use)",
    )
    parser.add_argument(
        "--output", default=None, metavar="FILE", help="the executed copy (default: docs/NOTEBOOK_executed.ipynb)"
    )
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = os.path.join(PROJECT_DIR, "docs", args.notebook.replace(".ipynb", "_executed.ipynb"))
    return args


def with_a_palette(png_base64):
    """The same picture as a PNG of 256 colours at most (base64 in, base64 out)."""
    from PIL import Image

    picture = Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("RGB")
    buffer = io.BytesIO()
    picture.quantize(colors=256).save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def main(argv=None):
    args = parse_args(argv)
    try:
        import nbclient
        import nbformat
    except ImportError:
        raise UsageError("the notebook extra is not installed: pip install -r requirements-notebook.txt") from None
    check_output_dir(os.path.dirname(os.path.abspath(args.output)), "--output")
    nb = nbformat.read(os.path.join(PROJECT_DIR, args.notebook), as_version=4)
    parameters = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])][0]
    steps_name, data_name, default_steps = SETTINGS[args.notebook]
    settings = ""
    if args.steps or default_steps:
        settings += f"{steps_name} = {args.steps or default_steps}\n"
    if args.data_dir:
        settings += f"{data_name} = {os.path.abspath(args.data_dir)!r}\n"
    if settings:
        parameters.source += "\n# this copy's settings (python docs/make_executed_notebook.py)\n" + settings
    print(
        f"running {args.notebook} in a Jupyter kernel{' with ' + settings.strip() if settings else ''}...", flush=True
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=1800, resources={"metadata": {"path": PROJECT_DIR}}
    )
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as error:
        last_line = str(error).strip().splitlines()[-1]
        raise UsageError(f"a cell of {args.notebook} failed, nothing written: {last_line}") from None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = with_a_palette(output["data"]["image/png"])
    with atomic_output(args.output) as f:
        nbformat.write(nb, f)
    print(f"written: {args.output} ({os.path.getsize(args.output) / 1e6:.2f} MB)")


if __name__ == "__main__":
    run_main(main)
