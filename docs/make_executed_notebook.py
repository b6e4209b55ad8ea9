"""Run lessons.ipynb top to bottom in a real Jupyter kernel, with short lessons, and save the executed copy.

    python docs/make_executed_notebook.py [--steps 300] [--data-dir DIR] [--output docs/lessons_executed.ipynb]

The copy keeps every cell's output: each lesson's dashboard in its final state, its printed lines, the
comparisons. It is what a reader browsing the project sees without running anything (GitHub renders
notebooks); the lessons' real figures need their full length (`STEPS = None` in the notebook itself).
--steps sets the notebook's STEPS (every lesson trains that many steps). The run summaries go where the
notebook puts them (runs/notebook-DATE-TIME/). The copy's pictures are stored with a palette of 256 colours
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


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--steps", type=positive_int, default=300, help="training steps of every lesson (default: 300)")
    parser.add_argument("--data-dir", metavar="DIR", help="the MNIST folder (default: the notebook's own choice, "
                        "data/mnist/ beside the lessons, downloaded on first use)")
    parser.add_argument("--output", default=os.path.join(PROJECT_DIR, "docs", "lessons_executed.ipynb"),
                        metavar="FILE", help="the executed copy (default: docs/lessons_executed.ipynb)")
    return parser.parse_args(argv)


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
        raise UsageError("the notebook extra is not installed: pip install -r requirements-notebook.txt")
    check_output_dir(os.path.dirname(os.path.abspath(args.output)), "--output")
    nb = nbformat.read(os.path.join(PROJECT_DIR, "lessons.ipynb"), as_version=4)
    parameters = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])][0]
    settings = f"STEPS = {args.steps}\n"
    if args.data_dir:
        settings += f"DATA_DIR = {os.path.abspath(args.data_dir)!r}\n"
    parameters.source += "\n# this copy's settings (python docs/make_executed_notebook.py)\n" + settings
    print(f"running lessons.ipynb with STEPS = {args.steps} in a Jupyter kernel...", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=1800,
                                     resources={"metadata": {"path": PROJECT_DIR}})
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as error:
        raise UsageError(f"a cell of lessons.ipynb failed, nothing written: {str(error).strip().splitlines()[-1]}")
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = with_a_palette(output["data"]["image/png"])
    with atomic_output(args.output) as f:
        nbformat.write(nb, f)
    print(f"written: {args.output} ({os.path.getsize(args.output) / 1e6:.2f} MB)")


if __name__ == "__main__":
    run_main(main)
