"""docs/make_executed_notebook.py: the executed copies of the notebooks, their pictures stored with a palette."""

import base64
import io
import os
import sys

import numpy as np

from conftest import PROJECT_DIR

sys.path.insert(0, os.path.join(PROJECT_DIR, "docs"))
import make_executed_notebook  # noqa: E402


def test_a_plot_with_a_palette_keeps_its_pixels_and_shrinks():
    from matplotlib.figure import Figure
    from PIL import Image

    figure = Figure(figsize=(6, 3))
    axes = figure.add_subplot()
    steps = np.arange(300)
    for share in (0.1, 0.3, 0.5):
        axes.fill_between(steps, -share * np.sqrt(steps), share * np.sqrt(steps), alpha=0.3)
    axes.plot(steps, np.log1p(steps), "r")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    original = base64.b64encode(buffer.getvalue()).decode("ascii")

    smaller = make_executed_notebook.with_a_palette(original)

    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB"), dtype=int)

    assert pixels(smaller).shape == pixels(original).shape
    difference = np.abs(pixels(smaller) - pixels(original))
    # a plot has few colours: only the anti-aliased edges move, and little
    assert difference.mean() < 1.0 and np.mean(difference.max(axis=2) <= 8) > 0.99, (
        difference.mean(),
        difference.max(),
    )
    assert len(smaller) < len(original)


def executed_copy(notebook_name):
    """(the executed copy in docs/, the notebook), after checking that the copy is small and has the notebook's
    cells (remake the copy when the notebook changes), the settings cell aside: the copy's adds its own."""
    import pytest

    nbformat = pytest.importorskip("nbformat", reason="the notebook extra is not installed")
    copy_path = os.path.join(PROJECT_DIR, "docs", notebook_name.replace(".ipynb", "_executed.ipynb"))
    assert os.path.getsize(copy_path) < 3e6
    copy = nbformat.read(copy_path, as_version=4)
    notebook = nbformat.read(os.path.join(PROJECT_DIR, notebook_name), as_version=4)

    def cells(nb):
        return [c.source for c in nb.cells if "parameters" not in c.metadata.get("tags", [])]

    assert cells(copy) == cells(notebook), (
        f"{notebook_name} changed: python docs/make_executed_notebook.py --notebook {notebook_name}"
    )
    return copy, notebook


def test_the_executed_copy_is_the_notebook_with_outputs_and_small():
    copy, _ = executed_copy("lessons.ipynb")
    runs = [c for c in copy.cells if c.cell_type == "code" and c.source.startswith("%run")]
    assert runs and all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in runs)


def test_the_rnn_notebooks_executed_copy_is_the_notebook_with_outputs():
    copy, _ = executed_copy("rnn.ipynb")
    training = [
        c for c in copy.cells if c.cell_type == "code" and "rnn_train.py" in c.source and "--no-visu" not in c.source
    ]
    assert len(training) == 1 and any("image/png" in o.get("data", {}) for o in training[0].outputs)
    code = [c for c in copy.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    assert all(c.outputs for c in code), "every code cell of the copy (the settings aside) has its output"


def test_the_notebooks_teach_in_prose():
    """Each notebook explains its half of the talk in at least 1,500 words of prose, not only commands."""
    import json

    for name in ("lessons.ipynb", "rnn.ipynb"):
        with open(os.path.join(PROJECT_DIR, name), encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        words = sum(len("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown")
        assert words >= 1500, f"{name}: {words} words of prose"
