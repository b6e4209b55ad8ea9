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


@pytest.mark.slow
def test_labels_in_words_and_the_band_panels(tmp_path):
    # two runs drawn headless (--save-png): their summaries keep the dashboard's band panels, which --bands draws
    # side by side; --labels names the runs in words, one label per run
    from conftest import write_mnist
    import compare_runs
    data = write_mnist(str(tmp_path / "mnist"))
    paths = []
    for flags in ([], ["--no-batchnorm"]):
        result = run_script("mnist_4.1_batchnorm_five_layers_sigmoid.py", "--iterations", "20", "--test-every", "10",
                            "--save-png", str(tmp_path / f"d{len(paths)}.png"), "--data-dir", data,
                            "--runs-dir", str(tmp_path / "runs"), *flags)
        assert result.returncode == 0, result.stderr[-2000:]
        paths.append(re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1))
    bands = json.load(open(paths[0]))["bands"]
    assert bands["step"] == [0, 10, 20] and bands["limits"] == [None, [0, 1]]
    assert len(bands["percentiles"][0]) == 2 and all(len(panel) == 8 for panel in bands["percentiles"][0])
    assert bands["titles"][1].startswith("activations")
    png = tmp_path / "bands.png"
    result = run_script("compare_runs.py", *paths, "--bands", "--labels", "batch norm", "no batch norm",
                        "--save-png", str(png))
    assert result.returncode == 0 and png.read_bytes()[:4] == b"\x89PNG", result.stderr[-2000:]
    figure = compare_runs.livefigure.open_figure((8, 6), "t", "test", live=False)[1]
    compare_runs.draw_bands(figure, [compare_runs.load_summary(p) for p in paths], paths, names=["a", "b"])
    assert [ax.get_title().split(":")[0] for ax in figure.axes] == ["a", "a", "b", "b"]
    bad = run_script("compare_runs.py", *paths, "--labels", "only one")
    assert bad.returncode == 2 and "--labels: 1 labels for 2 runs" in bad.stderr


def test_bands_need_a_drawn_run(two_runs, tmp_path):
    result = run_script("compare_runs.py", *two_runs, "--bands", "--save-png", str(tmp_path / "b.png"))
    assert result.returncode == 1 and "has no band panels" in result.stderr and "Traceback" not in result.stderr
