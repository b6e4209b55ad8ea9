"""compare_runs.py: overlays of real lesson run summaries, in a PNG or a window; bad summaries in one line."""

import json
import math
import os
import re

import numpy as np
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
        result = run_script(
            "mnist_1.0_softmax.py",
            "--no-visu",
            "--iterations",
            "40",
            "--test-every",
            "10",
            "--learning-rate",
            rate,
            "--data-dir",
            data,
            "--runs-dir",
            str(folder / "runs"),
        )
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


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "cannot read it as JSON"),
        ('{"lesson": "x"}', "not a lesson's run summary"),
        (
            json.dumps(
                {
                    "lesson": "x",
                    "hyperparameters": {},
                    "curves": {"test": {"step": [0, 1], "accuracy": [0.5], "loss": [1, 2]}},
                }
            ),
            "differ in length",
        ),
    ],
)
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

    returncode, _, stderr = interrupt_after(
        "Close the window",
        "compare_runs.py",
        *two_runs,
        timeout=30,
        env={"DISPLAY": virtual_display, "MPLBACKEND": "TkAgg"},
    )
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
        result = run_script(
            "mnist_4.0_batchnorm_five_layers_sigmoid.py",
            "--iterations",
            "20",
            "--test-every",
            "10",
            "--save-png",
            str(tmp_path / f"d{len(paths)}.png"),
            "--data-dir",
            data,
            "--runs-dir",
            str(tmp_path / "runs"),
            *flags,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        paths.append(re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1))
    bands = json.load(open(paths[0]))["bands"]
    assert bands["step"] == [0, 10, 20] and bands["limits"] == [None, [0, 1]]
    assert len(bands["percentiles"][0]) == 2 and all(len(panel) == 8 for panel in bands["percentiles"][0])
    assert bands["titles"][1].startswith("activations")
    png = tmp_path / "bands.png"
    result = run_script(
        "compare_runs.py", *paths, "--bands", "--labels", "batch norm", "no batch norm", "--save-png", str(png)
    )
    assert result.returncode == 0 and png.read_bytes()[:4] == b"\x89PNG", result.stderr[-2000:]
    figure = compare_runs.figures.open_figure((8, 6), "t", "test", live=False)[1]
    compare_runs.draw_band_panels(figure, [compare_runs.load_summary(p) for p in paths], paths, names=["a", "b"])
    assert [ax.get_title().split(":")[0] for ax in figure.axes] == ["a", "a", "b", "b"]
    bad = run_script("compare_runs.py", *paths, "--labels", "only one")
    assert bad.returncode == 2 and "--labels: 1 labels for 2 runs" in bad.stderr


def test_bands_need_a_drawn_run(two_runs, tmp_path):
    result = run_script("compare_runs.py", *two_runs, "--bands", "--save-png", str(tmp_path / "b.png"))
    assert result.returncode == 1 and "has no band panels" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- untrusted summaries: drawn what is valid, or one line
def made_up(runs=1, steps=(0, 10, 20, 30), lesson="mnist_2.1_five_layers_relu_lrdecay", **curve_values):
    """A run summary made by hand: its curves at `steps`; curve_values replace some, e.g. test_loss=[...]."""
    n = len(steps)
    curves = {
        which: {
            "step": list(steps),
            "accuracy": [0.5 + 0.1 * i for i in range(n)],
            "loss": [40.0 - 5 * i for i in range(n)],
        }
        for which in ("test", "train")
    }
    for key, values in curve_values.items():
        which, name = key.split("_", 1)
        curves[which][name] = values
    return {"lesson": lesson, "hyperparameters": {"seed": runs}, "curves": curves}


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))  # (json.dumps writes NaN and Infinity)
    return str(path)


GOOD = made_up()


@pytest.mark.parametrize(
    "data, field",
    [
        ("[1, 2]", "the file holds a list, not an object"),
        ('"a run"', 'the file holds the string "a run"'),
        ({**GOOD, "lesson": 21}, "lesson is 21, not a string"),
        ({**GOOD, "hyperparameters": [1]}, "hyperparameters is a list, not an object"),
        ({k: v for k, v in GOOD.items() if k != "curves"}, "no curves"),
        ({**GOOD, "curves": []}, "curves is a list, not an object"),
        ({**GOOD, "curves": {"test": GOOD["curves"]["test"]}}, "no curves.train"),
        ({**GOOD, "curves": {**GOOD["curves"], "test": "x"}}, 'curves.test is the string "x", not an object'),
        (made_up(test_accuracy="abcd"), 'curves.test.accuracy is the string "abcd", not a list'),
        (made_up(train_step=[0, "10", 20, 30]), 'curves.train.step[1] is the string "10", not a number'),
        (made_up(test_loss=[1, [2], 3, 4]), "curves.test.loss[1] is a list, not a number"),
        (made_up(train_accuracy=[0.1, {"a": 1}, 0.3, 0.4]), "curves.train.accuracy[1] is an object, not a number"),
        (made_up(test_step=[True, 10, 20, 30]), "curves.test.step[0] is true, not a number"),
        (made_up(train_learning_rate="0.003"), 'curves.train.learning_rate is the string "0.003", not a list'),
        ({**GOOD, "curves": {**GOOD["curves"], "train": {"step": [0], "accuracy": [0.5]}}}, "no curves.train.loss"),
        (
            made_up(
                test_accuracy=[None] * 4,
                test_loss=[float("nan")] * 4,
                train_accuracy=[float("inf")] * 4,
                train_loss=[None] * 4,
            ),
            "nothing to draw",
        ),
    ],
)
def test_hand_made_summary_refused_in_one_line_naming_the_field(data, field, tmp_path):
    import compare_runs
    from cli import UsageError

    path = write(tmp_path, "hand.json", data)
    with pytest.raises(UsageError) as refused:
        compare_runs.load_summary(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: not a lesson's run summary (") and field in message and "\n" not in message


def test_hand_made_summary_on_the_command_line_one_line(tmp_path):
    good = write(tmp_path, "good.json", GOOD)
    bad = write(tmp_path, "bad.json", made_up(train_step=[0, "10", 20, 30]))
    result = run_script("compare_runs.py", good, bad, "--save-png", str(tmp_path / "x.png"))
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        f'error: {bad}: not a lesson\'s run summary (curves.train.step[1] is the string "10", not a number)'
    ]
    assert not (tmp_path / "x.png").exists()


def test_measurements_that_are_not_numbers_are_left_out_and_said(tmp_path):
    # NaN and Infinity (Python's JSON reads them), null (a diverged run's measurement) and a null step: the
    # other points are drawn, the training trend included (a NaN in its running mean would blank 11 points),
    # and one line on stderr names the file and the curves
    nan, inf = float("nan"), float("inf")
    odd = made_up(
        steps=list(range(0, 300, 10)),
        test_loss=[40.0] * 10 + [nan, inf, None] + [30.0] * 17,
        train_step=[0, None] + list(range(20, 300, 10)),
        train_accuracy=[0.5] * 15 + [nan] + [0.6] * 14,
    )
    path = write(tmp_path, "odd.json", odd)
    good = write(tmp_path, "good.json", GOOD)
    png = tmp_path / "odd.png"
    result = run_script("compare_runs.py", good, path, "--save-png", str(png))
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"note: {path}: not drawn: "), lines
    assert "curves.test.loss: 3 values (Infinity, NaN, null), the first at step 100" in lines[0]
    assert "curves.train.step: 1 value (null)" in lines[0] and "curves.train.accuracy: 1 value (NaN)" in lines[0]

    import compare_runs
    import runsummary

    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    compare_runs.draw(figure, [runsummary.read_summary(path)[0]])
    test_loss, train_accuracy = figure.axes[2].lines, figure.axes[1].lines
    assert len(test_loss[0].get_xdata()) == 27 and all(map(math.isfinite, test_loss[0].get_ydata()))
    faint, bold = train_accuracy
    assert len(faint.get_xdata()) == len(bold.get_xdata()) == 28 and all(map(math.isfinite, bold.get_ydata()))
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["2.1"]


def test_a_number_too_big_for_a_float_is_left_out_and_said(tmp_path):
    import compare_runs
    import runsummary

    path = write(tmp_path, "big.json", made_up(test_step=[0, 10**400, 20, 30], train_loss=[1, 2, -(10**400), 4]))
    summary, left_out = runsummary.read_summary(path)
    assert left_out == [
        "curves.test.step: 1 value (too big)",
        "curves.train.loss: 1 value (too big), the first at step 20",
    ]
    assert summary["curves"]["test"]["step"] == [0, None, 20, 30]
    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    compare_runs.draw(figure, [summary])
    assert len(figure.axes[0].lines[0].get_xdata()) == 3


def test_a_run_with_nothing_in_the_steps_shown_is_not_in_the_legend(tmp_path, capsys):
    # --steps 15: the run measured from step 20 on has no line, so no legend entry (a line says why)
    import compare_runs

    early, late = made_up(runs=1), made_up(runs=2, steps=(20, 30, 40))
    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    compare_runs.draw(figure, [early, late], steps=15)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["2.1 --seed 1"]
    err = capsys.readouterr().err
    assert "note: 2.1 --seed 2: nothing to draw in the first 15 steps: left out of the legend" in err
    none = run_script(
        "compare_runs.py", write(tmp_path, "late.json", late), "--steps", "15", "--save-png", str(tmp_path / "x.png")
    )
    assert none.returncode == 1 and "--steps 15: no run has a measurement in its first 15 steps" in none.stderr


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b.update(step=[0, None]), "bands.step[1] is null, not a step"),
        (lambda b: b.update(limits="none"), 'bands.limits is the string "none", not a list'),
        (lambda b: b.update(limits=[None, [1, "2"]]), "bands.limits[1] is a list, not null or [low, high]"),
        (lambda b: b["percentiles"][1][0].__setitem__(3, "x"), "bands.percentiles[1] is not 2 lists"),
        (lambda b: b.pop("titles"), "bands.titles is missing"),
        (lambda b: b.update(percentiles=[]), "bands.percentiles has 0 points for 2 steps"),
    ],
)
def test_hand_made_band_panels_refused_in_one_line(change, field, tmp_path):
    import compare_runs
    from cli import UsageError

    bands = {
        "titles": ["weights", "biases"],
        "limits": [None, [0, 1]],
        "step": [0, 10],
        "percentiles": [[[0.1 * k for k in range(8)]] * 2, [[0.1 * k for k in range(8)]] * 2],
    }
    change(bands)
    path = write(tmp_path, "bands.json", {**GOOD, "bands": bands})
    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    with pytest.raises(UsageError, match=re.escape(f"--bands: {path}: {field}")):
        compare_runs.draw_band_panels(figure, [compare_runs.load_summary(path)], [path])


def test_band_panels_of_a_diverged_run_are_drawn_where_they_are_numbers(tmp_path, capsys):
    import compare_runs

    nan = float("nan")
    good = [[0.1 * k for k in range(8)]] * 2
    bands = {
        "titles": ["weights", "biases"],
        "limits": [None, None],
        "step": [0, 10, 20],
        "percentiles": [good, [[None] * 8, good[1]], [[nan] * 8, [nan] * 8]],
    }
    path = write(tmp_path, "diverged.json", {**GOOD, "bands": bands})
    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    compare_runs.draw_band_panels(figure, [compare_runs.load_summary(path)], [path])
    figure.canvas.draw()
    assert (
        f"note: {path}: not drawn: bands.percentiles: 3 points with values that are not numbers (NaN, null)"
        in capsys.readouterr().err
    )
    weights, biases = figure.axes[:2]
    assert weights.get_ylim() == pytest.approx((-0.035, 0.735), abs=1e-3)  # the numbers' range, not NaN
    assert all(np.isfinite(path.vertices).all() for path in biases.collections[0].get_paths())


# ---------------------------------------------------------------- many runs: a legend that stays in the figure
def drawn_many(count, label=None):
    import compare_runs

    runs = [made_up(runs=i, steps=range(0, 300, 10)) for i in range(count)]
    figure = compare_runs.figures.open_figure(compare_runs.FIGURE_SIZE, "t", "test", live=False)[1]
    compare_runs.draw(figure, runs, names=[label(i) for i in range(count)] if label else None)
    figure.canvas.draw()
    return figure


def assert_readable(figure):
    """The legend and the title inside the figure, and clear of the panels (their titles and tick labels too)."""
    renderer = figure.canvas.get_renderer()
    legend = figure.legends[0].get_window_extent(renderer)
    title = figure._suptitle.get_window_extent(renderer)
    for box in (legend, title):
        assert (
            figure.bbox.x0 <= box.x0
            and box.x1 <= figure.bbox.x1
            and figure.bbox.y0 <= box.y0
            and box.y1 <= figure.bbox.y1
        ), (box, figure.bbox)
    assert title.y0 >= legend.y1 - 1
    for ax in figure.axes:
        assert ax.get_tightbbox(renderer).y1 <= legend.y0, "the legend covers a panel"


@pytest.mark.parametrize("count", [2, 12, 50])
def test_the_legend_of_many_runs_stays_in_the_figure(count, capsys):
    figure = drawn_many(count)
    assert_readable(figure)
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert texts == [f"2.1 --seed {i}" for i in range(count)]  # every run named
    # each run has a look of its own: beyond matplotlib's 10 colours, another dash
    looks = {
        (line.get_color(), str(line._unscaled_dash_pattern))  # (the dash itself: get_linestyle() says "--"
        for line in figure.legends[0].get_lines()
    }  # of any pattern of its own)
    assert len(looks) == count
    if count > 4:
        assert figure._suptitle.get_text() == f"compared: {count} runs (the legend names them)"
    assert capsys.readouterr().err == ""


def test_a_legend_with_no_room_for_every_run_names_the_first_and_says_so(capsys):
    figure = drawn_many(200, label=lambda i: f"run {i} with a rather long label, --learning-rate 0.00{i}")
    assert_readable(figure)
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    named = len(texts) - 1
    assert 10 < named < 200 and texts[:named] == [
        f"run {i} with a rather long label, --learning-rate 0.00{i}" for i in range(named)
    ]
    assert texts[-1] == f"... and {200 - named} more"
    err = capsys.readouterr().err
    assert f"note: the legend names the first {named} of the 200 runs: no room for more" in err


def test_a_dollar_in_a_label_is_written_as_it_is(tmp_path):
    # matplotlib reads what lies between two $ as a formula, and fails on one it cannot read
    path = write(tmp_path, "dollar.json", {**GOOD, "hyperparameters": {"name": "$\\notacommand$"}})
    other = write(tmp_path, "other.json", GOOD)
    result = run_script("compare_runs.py", path, other, "--save-png", str(tmp_path / "d.png"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
