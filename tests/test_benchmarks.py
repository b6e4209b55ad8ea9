"""The benchmark commands run and say what they measured (tiny sizes: the figures themselves are not checked,
speed is never asserted in a test)."""
import os
import re
import subprocess
import sys

import pytest

from conftest import PROJECT_DIR


def run_benchmark(script, *flags, timeout=600):
    env = dict(os.environ, MPLBACKEND="Agg", MNIST_MIRRORS="http://127.0.0.1:9/")
    return subprocess.run([sys.executable, os.path.join(PROJECT_DIR, "benchmarks", script), *flags],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=PROJECT_DIR)


@pytest.mark.slow
def test_peers_measures_the_project_and_says_which_peer_is_missing(lesson_data_dir):
    pytest.importorskip("keras", reason="Keras is not installed (it comes with TensorFlow 2.21)")
    result = run_benchmark("peers.py", "--rounds", "1", "--only", "conv", "--conv-steps", "12",
                           "--data-dir", lesson_data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    row = re.search(r"^\| lesson 3\.1 training \| steps/s \| (.*)$", result.stdout, re.MULTILINE)
    assert row, result.stdout
    cells = [c.strip() for c in row.group(1).split("|") if c.strip()]
    project, keras = (float(c.replace(",", "")) for c in cells[:2])
    assert project > 0 and keras > 0
    assert re.search(r"\d+\.\d\dx", row.group(1))  # the ratio project / Keras
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "pytorch is not installed (pip install -r requirements-bench.txt): left out" in result.stdout


@pytest.mark.slow
def test_dashboard_overhead_prints_pictures_beside_the_overhead(lesson_data_dir):
    result = run_benchmark("dashboard_overhead.py", "--lessons", "1.0", "--repeat", "1", "--modes", "png",
                           "--iterations", "20", "--data-dir", lesson_data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| pictures a second | one picture, ms |" in result.stdout
    assert re.search(r"^\| mnist_1\.0_softmax \| --save-png \| [\d.]+ \| [+-]\d+% \|", result.stdout, re.MULTILINE), \
        result.stdout
