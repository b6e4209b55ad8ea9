"""compare_runs.py: overlays of real lesson run summaries, in a PNG or a window; bad summaries in one line."""
import json
import os
import re

import pytest

from conftest import run_script


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two short runs of lesson 1.0 on synthetic data that differ by their learning rate."""
    from conftest import write_mnist
    folder = tmp_path_factory.mktemp("compare")
    data = write_mnist(str(folder / "mnist"))
    paths = []
    for rate in ("0.005", "0.05"):
        result = run_script("mnist_1.0_softmax.py", "--no-visu", "--iterations", "40", "--test-every", "10",
                            "--learning-rate", rate, "--data-dir", data, "--runs-dir", str(folder / "runs"))
        assert result.returncode == 0, result.stderr[-2000:]
        paths.append(re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1))
    return paths


def test_labels_name_the_flags_that_differ(two_runs):
    import compare_runs
    summaries = [compare_runs.load_summary(path) for path in two_runs]
    assert compare_runs.labels(summaries) == ["1.0 --learning-rate 0.005", "1.0 --learning-rate 0.05"]


def test_png_of_two_runs(two_runs, tmp_path):
    png = tmp_path / "out" / "compare.png"
    result = run_script("compare_runs.py", *two_runs, "--steps", "20", "--save-png", str(png))
    assert result.returncode == 0, result.stderr[-2000:]
    assert png.read_bytes()[:4] == b"\x89PNG" and f"saved: {png}" in result.stdout
    assert os.listdir(tmp_path / "out") == ["compare.png"]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("{not json", "cannot read it as JSON"),
    ('{"lesson": "x"}', "not a lesson's run summary"),
    (json.dumps({"lesson": "x", "hyperparameters": {}, "curves": {"test": {"step": [0, 1], "accuracy": [0.5],
                                                                       "loss": [1, 2]}}}), "differ in length"),
])
def test_bad_summary_one_line(content, message, two_runs, tmp_path):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    result = run_script("compare_runs.py", two_runs[0], str(path), "--save-png", str(tmp_path / "x.png"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and message in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_window_closes_on_ctrl_c(two_runs, virtual_display):
    from conftest import interrupt_after
    returncode, _, stderr = interrupt_after("Close the window", "compare_runs.py", *two_runs, timeout=30,
                                            env={"DISPLAY": virtual_display, "MPLBACKEND": "TkAgg"})
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
