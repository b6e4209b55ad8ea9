"""The lessons in a real Jupyter kernel: `%run LESSON.py` in a cell, lessons.ipynb and rnn.ipynb top to bottom.

The dashboard must update in place in the cell's output while the lesson trains: one image, replaced
(IPython display updates, as Jupyter, JupyterLab, VS Code and Colab show them), not a pile of images and
not one picture at the end. The kernel's messages are recorded as they arrive to check that.
Needs the notebook extra (pip install -r requirements-notebook.txt); skips without it.
"""

import os
import re
import time

import pytest

from conftest import PROJECT_DIR, real_mnist_dir, write_mnist

pytestmark = pytest.mark.slow  # a real Jupyter kernel, and lessons in it: python -m pytest -m slow

EXTRA = "the notebook extra is not installed: pip install -r requirements-notebook.txt"
nbformat = pytest.importorskip("nbformat", reason=EXTRA)
nbclient = pytest.importorskip("nbclient", reason=EXTRA)
pytest.importorskip("ipykernel", reason=EXTRA)


class RecordingClient(nbclient.NotebookClient):
    """Runs a notebook in a real kernel and records every output message, in order:
    (cell index, message type, display id, text, when it arrived)."""

    def __init__(self, nb, **kwargs):
        super().__init__(nb, kernel_name="python3", resources={"metadata": {"path": PROJECT_DIR}}, **kwargs)
        self.messages = []

    def process_message(self, msg, cell, cell_index):
        content = msg["content"]
        display_id = (content.get("transient") or {}).get("display_id")
        self.messages.append((cell_index, msg["msg_type"], display_id, content.get("text", ""), time.perf_counter()))
        return super().process_message(msg, cell, cell_index)


def execute(nb, timeout, interrupt_on_timeout=False):
    """Execute nb in a fresh kernel as a learner's notebook has it: no display, matplotlib's notebook default.
    interrupt_on_timeout: a cell still running after `timeout` seconds gets the kernel interrupted, as the
    notebook's stop button does."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    env["MNIST_MIRRORS"] = "http://127.0.0.1:9/"  # never download in a test
    client = RecordingClient(nb, timeout=timeout, interrupt_on_timeout=interrupt_on_timeout)
    client.execute(env=env)
    return client


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Real MNIST where present, else a small synthetic set."""
    return real_mnist_dir() or write_mnist(str(tmp_path_factory.mktemp("mnist")), train_count=2000, test_count=500)


def images(cell):
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


def text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_run_in_a_cell_updates_the_dashboard_in_place(data_dir, tmp_path):
    # A lesson far longer than the test, stopped with the notebook's stop button (a kernel interrupt) after
    # TRAIN seconds: the same wall time on any machine and any data, so the dashboard's time budget allows
    # the same few redraws everywhere. The interrupted lesson must end as after Ctrl-C, its figures kept.
    runs = tmp_path / "runs"
    cells = [
        f"%run mnist_2.2_five_layers_relu_lrdecay_dropout.py --iterations 1000000 --data-dir {data_dir} "
        f"--runs-dir {runs}",
        "%run mnist_1.0_softmax.py --iterations 0",  # a bad flag
        f"%run mnist_1.0_softmax.py --data-dir {tmp_path / 'nothing'} --runs-dir {runs}",
    ]  # no data
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = execute(nb, timeout=60, interrupt_on_timeout=True)  # TensorFlow's import, then ~45 s of training

    run = nb.cells[0]
    assert not [o for o in run.outputs if o.output_type == "error"], run.outputs
    assert "stopped by Ctrl-C after" in text(run) and "max test accuracy" in text(run), text(run)
    assert len(images(run)) == 1, "one dashboard image in the cell's output, replaced in place, not a pile"
    messages = [m for m in client.messages if m[0] == 0]
    shown = [m for m in messages if m[1] == "display_data"]
    assert len(shown) == 1 and shown[0][2], "the dashboard is shown once, with a display id to update"
    display_id = shown[0][2]
    kinds = [m[1] for m in messages]
    updates = [i for i, m in enumerate(messages) if m[1] == "update_display_data" and m[2] == display_id]
    stopped = min(i for i, m in enumerate(messages) if m[1] == "stream" and "Ctrl-C" in m[3])
    started = min(i for i, m in enumerate(messages) if m[1] == "stream" and "step      0" in m[3])
    during = [i for i in updates if started < i < stopped]
    training_seconds = messages[stopped][4] - messages[started][4]
    assert len(during) >= training_seconds, (
        f"{len(during)} images in {training_seconds:.0f} s of training, fewer than one a second: {kinds}"
    )
    assert updates[-1] > stopped, "the final dashboard replaces the image at the end"
    assert len(os.listdir(runs)) == 1  # the run summary; no PNG: the dashboard is in the notebook

    for cell, expected in ((nb.cells[1], "--iterations"), (nb.cells[2], "nothing")):
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
        errors = [o.text for o in cell.outputs if o.get("name") == "stderr"]
        assert errors and expected in errors[-1], cell.outputs
        assert "SystemExit" not in text(cell) and "Traceback" not in text(cell), text(cell)


def test_lessons_notebook_runs_top_to_bottom(data_dir, tmp_path):
    nb = nbformat.read(os.path.join(PROJECT_DIR, "lessons.ipynb"), as_version=4)
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged 'parameters' holds the notebook's settings"
    runs = tmp_path / "runs"
    parameters[0].source += f"\n# the test's settings\nSTEPS = 60\nDATA_DIR = {str(data_dir)!r}\nRUNS = {str(runs)!r}\n"
    execute(nb, timeout=900)

    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], (cell.source, cell.outputs)
    lessons = [c for c in code if c.source.startswith("%run mnist_")]
    comparisons = [c for c in code if c.source.startswith("%run compare_runs.py")]
    assert len(lessons) == 15 and len(comparisons) == 7  # 4.0 and 4.1 run twice: with and without batch norm
    for cell in lessons:
        assert len(images(cell)) == 1, cell.source  # its live dashboard, in its final state
        assert "max test accuracy" in text(cell), (cell.source, text(cell))
        assert "steps of" in text(cell) and "60 steps" in text(cell)
    for cell in comparisons:
        assert len(images(cell)) == 1, (cell.source, cell.outputs)
    summaries = [f for _, _, files in os.walk(runs) for f in files if f.endswith(".json")]
    assert len(summaries) == 15


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The real Shakespeare corpus where present, else a small synthetic one (six works of verse)."""
    from conftest import real_shakespeare_glob

    real = real_shakespeare_glob()
    if real:
        return real
    folder = tmp_path_factory.mktemp("corpus")
    verse = (
        "ROMEO:\n\tBut soft, what light through yonder window breaks?\n"
        "JULIET:\n\tO Romeo, Romeo, wherefore art thou Romeo?\n"
    )
    for i in range(6):
        (folder / f"work{i}.txt").write_text(verse * 150)
    return str(folder)


def test_rnn_notebook_runs_top_to_bottom(corpus, tmp_path):
    nb = nbformat.read(os.path.join(PROJECT_DIR, "rnn.ipynb"), as_version=4)
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged 'parameters' holds the notebook's settings"
    parameters[0].source += (
        f"\n# the test's settings\nTRAIN_STEPS = 60\nCODE_STEPS = 30\nDATA = {corpus!r}\n"
        f"RUNS = {str(tmp_path / 'runs')!r}\n"
    )
    client = execute(nb, timeout=600)

    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], (cell.source, cell.outputs)
    training = [c for c in code if c.source.startswith("%run -G rnn_train.py") and "--no-visu" not in c.source]
    assert len(training) == 1
    assert len(images(training[0])) == 1, "the live view: one image in the cell's output, replaced in place"
    index = nb.cells.index(training[0])
    updates = [m for m in client.messages if m[0] == index and m[1] == "update_display_data"]
    assert updates, "the live view is updated while the network trains"
    assert "trained " in text(training[0]) and "validation: loss" in text(training[0])
    replay = [c for c in code if "rnn_play.py --replay" in c.source][0]
    assert "==== step 25" in text(replay)
    scores = [c for c in code if "--score" in c.source][0]
    assert text(scores).count("nats") >= 2, text(scores)
    first = [c for c in code if "for char in" in c.source][0]
    assert "next:" in text(first)
    gru = [c for c in code if "def gru_step" in c.source][0]
    difference = float(re.search(r"largest difference ([\d.e+-]+)", text(gru)).group(1))
    assert difference < 1e-4, text(gru)  # the NumPy GRU and the TensorFlow graph agree
