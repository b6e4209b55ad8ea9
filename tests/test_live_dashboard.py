"""The live dashboard as a person sees it: a real window under a real X server (Xvfb), screenshots taken
while a lesson trains, the distinct pictures counted (benchmarks/screen_pictures.py does the counting)."""

import json
import os
import sys

import pytest

from conftest import PROJECT_DIR

pytestmark = pytest.mark.slow  # a real X server, a real window, a lesson: python -m pytest -m slow

sys.path.insert(0, os.path.join(PROJECT_DIR, "benchmarks"))
import screen_pictures  # noqa: E402


def test_the_first_lesson_animates_in_a_real_window(virtual_display, lesson_data_dir, tmp_path):
    pytest.importorskip("PIL.ImageGrab")
    watcher, output = screen_pictures.watch_lesson(
        "mnist_1.0_softmax.py", ["--data-dir", lesson_data_dir], virtual_display, str(tmp_path)
    )
    assert "max test accuracy" in output and "Traceback" not in output, output[-2000:]
    assert watcher.error is None, watcher.error
    (summary_file,) = [f for f in os.listdir(tmp_path) if f.endswith(".json")]
    with open(tmp_path / summary_file) as f:
        summary = json.load(f)
    assert summary["dashboard_where"] == "window"
    seen = watcher.changes + 1
    assert seen >= 10, f"{seen} distinct pictures on screen while lesson 1.0 trained ({watcher.shots} screenshots)"
    assert summary["dashboard_pictures"] >= 10 and summary["dashboard_picture_seconds"] > 0


def test_rnn_training_animates_in_a_real_window(virtual_display, tmp_path):
    # a small network on a small text: a step is a few milliseconds, so the view's own pace shows
    pytest.importorskip("PIL.ImageGrab")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"work{i}.txt").write_text("ROMEO:\n\tBut soft, what light through yonder window breaks?\n" * 300)
    flags = [
        "--data",
        str(corpus),
        "--layers",
        "2",
        "--internal-size",
        "64",
        "--batch-size",
        "20",
        "--seqlen",
        "20",
        "--steps",
        "1500",
        "--report-every",
        "500",
    ]
    watcher, output = screen_pictures.watch_lesson("rnn_train.py", flags, virtual_display, str(tmp_path / "run"))
    assert "trained 1500 steps" in output and "Traceback" not in output, output[-2000:]
    assert watcher.error is None, watcher.error
    drew = [line for line in output.splitlines() if line.startswith("training view:") and "pictures" in line]
    assert len(drew) == 1, output[-2000:]  # the view opened in the window and says how much it drew
    (line,) = drew
    drawn = int(line.split()[2])
    seconds = watcher.stopped - watcher.started
    seen = watcher.changes + 1
    assert seen >= min(10, seconds), f"{seen} distinct pictures on screen in {seconds:.1f} s ({watcher.shots} shots)"
    assert drawn >= 10, line
    assert not os.path.exists(tmp_path / "run" / "checkpoints" / "training.png")  # a window: no PNG
