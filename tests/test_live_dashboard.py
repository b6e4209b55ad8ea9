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
    watcher, output = screen_pictures.watch_lesson("mnist_1.0_softmax.py", ["--data-dir", lesson_data_dir],
                                                   virtual_display, str(tmp_path))
    assert "max test accuracy" in output and "Traceback" not in output, output[-2000:]
    (summary_file,) = [f for f in os.listdir(tmp_path) if f.endswith(".json")]
    with open(tmp_path / summary_file) as f:
        summary = json.load(f)
    assert summary["dashboard_where"] == "window"
    seen = watcher.changes + 1
    assert seen >= 10, f"{seen} distinct pictures on screen while lesson 1.0 trained ({watcher.shots} screenshots)"
    assert summary["dashboard_pictures"] >= 10 and summary["dashboard_picture_seconds"] > 0
