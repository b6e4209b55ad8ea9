"""The dashboard (tensorflowvisu) and what it draws: percentile bands, the digit grids, the run's curves; the
headless PNG and movie, panel layouts."""

import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

from bands import percentile_bands
import digits
from runcurves import Curves
import tensorflowvisu as visu


def test_percentile_bands_of_known_values():
    bands = percentile_bands(np.arange(101, dtype=np.float32).reshape(1, 101))
    assert list(bands) == [0, 10, 25, 40, 60, 75, 90, 100]
    assert len(bands) - 1 == 7  # seven bands from min to max


def test_percentile_bands_of_mixed_tensors_are_ordered():
    values = np.random.default_rng(0).normal(size=5000).astype(np.float32)
    bands = percentile_bands(values)
    assert bands[0] == values.min() and bands[-1] == values.max()
    assert np.all(np.diff(bands) >= 0)


def _digits(count, wrong_at):
    images = np.zeros((count, 28, 28, 1), np.float32)
    images[:, 10:18, 12:16] = 1.0  # a dark stroke in the middle of each tile
    labels = np.arange(count) % 10
    predictions = labels.copy()
    predictions[wrong_at] = (labels[wrong_at] + 3) % 10
    return images, labels, predictions


def test_digit_grid_misrecognised_first_on_red():
    images, labels, predictions = _digits(100, wrong_at=[42, 77])
    grid, wrong = digits.digit_grid(images, labels, predictions, columns=10, rows=10)
    assert grid.shape == (280, 280, 3) and grid.dtype == np.uint8
    assert wrong == 2
    corner = (slice(20, 28), slice(20, 27))  # bottom right of a tile: background only
    first, second, third = grid[0:28, 0:28], grid[0:28, 28:56], grid[0:28, 56:84]
    assert tuple(first[corner][0, 0]) == tuple(digits.BACKGROUND_WRONG.astype(np.uint8))
    assert tuple(second[corner][0, 0]) == tuple(digits.BACKGROUND_WRONG.astype(np.uint8))
    assert tuple(third[corner][0, 0]) == (255, 255, 255)
    # the labels are drawn in: correct (white glyph, top left) and predicted (yellow glyph, top right)
    correct_glyph = digits.GLYPHS[int(labels[42])]
    predicted_glyph = digits.GLYPHS[int(predictions[42])]
    assert np.all(first[1:11, 1:7][correct_glyph] == digits.LABEL_CORRECT)
    assert np.all(first[1:11, 21:27][predicted_glyph] == digits.LABEL_PREDICTED)
    # a well recognised digit is dark ink on white, with no label
    assert tuple(third[14, 13]) == tuple(digits.INK.astype(np.uint8))


def test_digit_grid_pads_missing_digits():
    images, labels, predictions = _digits(30, wrong_at=[])
    grid, wrong = digits.digit_grid(images, labels, predictions, columns=40, rows=25)
    assert grid.shape == (700, 1120, 3) and wrong == 0
    assert tuple(grid[690, 1110]) == (240, 240, 240)


def _fill(dashboard, steps=200, update=False):
    """Measurements as a lesson makes them: the training batch every 10 steps, the test set every 50;
    update: the dashboard's update() after each, as the lesson's training steps call it."""
    rng = np.random.default_rng(0)
    images, labels, predictions = _digits(1000, wrong_at=list(range(0, 1000, 37)))
    for step in range(0, steps + 1, 10):
        dashboard.curves.add("train", step, 0.5 + step / 1000, 50 - step / 10, learning_rate=0.003)
        dashboard.show_training(
            step,
            images[:100],
            labels[:100],
            predictions[:100].copy(),
            bands=(percentile_bands(rng.normal(size=500)), percentile_bands(rng.normal(size=20))),
        )
        if step % 50 == 0:
            dashboard.curves.add("test", step, 0.5 + step / 1000, 50 - step / 10, seconds=step / 100)
            dashboard.show_test(images, labels, predictions.copy())
        if update:
            dashboard.update()


def test_headless_png(tmp_path):
    dashboard = visu.Dashboard("test run", window=False)
    _fill(dashboard)
    path = str(tmp_path / "sub" / "dash.png")
    assert dashboard.finish(png=path) == {path: None}
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path / "sub") == ["dash.png"]  # no partial file left


def test_gif_movie_records_the_pictures_as_drawn(tmp_path):
    path = str(tmp_path / "movie.gif")
    dashboard = visu.Dashboard("movie", window=False, movie=path, watch=True, steps=100)  # every measurement
    _fill(dashboard, steps=100, update=True)
    assert not os.path.exists(path)  # written at the end only
    dashboard.finish()
    assert dashboard.pictures == 11 and dashboard.live.movie_frames == 12  # 11 measurements, and the end
    from PIL import Image

    with Image.open(path) as movie:
        assert movie.n_frames == 12 and movie.size == (780, 450)
        movie.seek(1)
        second = np.asarray(movie.convert("RGB"))
        movie.seek(11)
        last = np.asarray(movie.convert("RGB"))
    assert (second != last).any(), "the pictures move"
    assert os.listdir(tmp_path) == ["movie.gif"]


def test_unwritable_png_and_movie_reported_not_raised(tmp_path):
    import shutil

    folder = tmp_path / "out"
    movie = str(folder / "movie.gif")
    dashboard = visu.Dashboard("movie", window=False, movie=movie)
    _fill(dashboard, steps=50)
    shutil.rmtree(folder)
    folder.write_text("in the way")  # the output folder became a file during the run
    png = str(folder / "dash.png")
    results = dashboard.finish(png=png)
    assert set(results) == {movie, png} and all(results.values())  # a reason for each, no exception
    assert os.listdir(tmp_path) == ["out"] and folder.read_text() == "in the way"


def test_aborted_movie_leaves_nothing(tmp_path):
    dashboard = visu.Dashboard("movie", window=False, movie=str(tmp_path / "movie.gif"))
    _fill(dashboard, steps=50)
    dashboard.abort()
    assert os.listdir(tmp_path) == []


def test_bad_movie_extension():
    with pytest.raises(ValueError, match="--save-movie"):
        visu.Dashboard("movie", window=False, movie="movie.avi")


def test_mp4_needs_ffmpeg(tmp_path):
    from matplotlib import animation

    if animation.writers.is_available("ffmpeg"):
        pytest.skip("ffmpeg is installed here: the error case cannot happen")
    with pytest.raises(ValueError, match="ffmpeg"):
        visu.Dashboard("movie", window=False, movie=str(tmp_path / "movie.mp4"))


def test_keys_choose_panels():
    dashboard = visu.Dashboard("keys", window=False)
    _fill(dashboard, steps=50)
    press = dashboard.live._on_key  # what a key press in the window calls
    press(SimpleNamespace(key="6"))
    assert [ax.get_visible() for ax in dashboard.axes] == [False] * 5 + [True]
    press(SimpleNamespace(key="7"))
    assert [ax.get_visible() for ax in dashboard.axes] == [True, True, False, False, False, False]
    press(SimpleNamespace(key="escape"))
    assert all(ax.get_visible() for ax in dashboard.axes)
    press(SimpleNamespace(key=" "))
    assert dashboard.live.paused
    press(SimpleNamespace(key=" "))
    assert not dashboard.live.paused


def test_no_state_shared_between_dashboards():
    first = visu.Dashboard("one", window=False)
    second = visu.Dashboard("two", window=False)
    _fill(first, steps=20)
    assert first.curves.train["step"] and not second.curves.train["step"]
    assert first.bands[0] and not second.bands[0]


def test_whole_test_set_sorted_before_the_first_1000_are_shown():
    # 10,000 digits, 800 misrecognised, most of them beyond the first 1,000: all must come first
    images, labels, predictions = _digits(10000, wrong_at=list(range(200, 10000, 12))[:800])
    image, wrong = digits.digit_grid(images, labels, predictions, columns=40, rows=25)
    assert wrong == 800
    red_tiles = (image[::28, ::28] == digits.BACKGROUND_WRONG.astype(np.uint8)).all(axis=-1)  # top-left pixels
    assert red_tiles.sum() == 800 and red_tiles.flatten()[:800].all()  # row by row: the first 800 are red
    positions, scale = digits.recognised_scale(25, 40, 10000)
    assert scale[0] == "100%" and scale[-1] == "90%"  # 1,000 of 10,000 digits on screen
    edge_row = 800 // 40  # where the red ends...
    assert scale[edge_row // 5] == "92%"  # ...the scale reads 92% recognised, as in the talk


def test_dashboard_scale_follows_the_test_set_size():
    dashboard = visu.Dashboard("scale", window=False)
    images, labels, predictions = _digits(2000, wrong_at=[5, 1500])
    dashboard.curves.add("test", 0, 0.999, 1.0)
    dashboard.show_test(images, labels, predictions)
    dashboard._render()
    labels_shown = [t.get_text() for t in dashboard.axes[5].get_yticklabels()]
    assert labels_shown[0] == "100%" and labels_shown[-1] == "50%"  # 1,000 of 2,000 shown


def test_the_dashboard_draws_the_one_history_it_is_given():
    curves = Curves()
    dashboard = visu.Dashboard("history", curves, window=False)
    curves.add("train", 0, 0.1, 230.0, learning_rate=0.003)
    curves.add("train", 10, 0.5, 120.0, learning_rate=0.0029)
    curves.add("test", 10, 0.6, 110.0, seconds=1.5)
    dashboard._render()
    train_line, test_line = dashboard._acc_lines
    assert list(train_line.get_xdata()) == [0, 10] and list(train_line.get_ydata()) == [0.1, 0.5]
    assert list(test_line.get_ydata()) == [0.6] and dashboard.axes[0].get_title().startswith("accuracy: test 0.6000")
    assert curves.as_dict()["train"]["learning_rate"] == [0.003, 0.0029]


def test_curves_read_back_and_checked():
    curves = Curves()
    curves.add("train", 0, 0.25, 2.0, learning_rate=0.1)
    curves.add("test", 0, 0.5, 1.0, seconds=0.5)
    again = Curves(json.loads(json.dumps(curves.as_dict())))
    assert again.as_dict() == curves.as_dict()
    old = {
        "train": {"step": [0], "accuracy": [0.2], "loss": [2.0]},
        "test": {"step": [0], "accuracy": [0.5], "loss": [1.0]},
    }
    assert Curves(old).train["learning_rate"] == []  # a summary from before the learning rate was kept
    with pytest.raises(ValueError, match="differ in length"):
        Curves({"train": {"step": [0, 1], "accuracy": [0.2], "loss": [2.0]}, "test": old["test"]})
    with pytest.raises(ValueError, match="no test loss"):
        Curves({"train": old["train"], "test": {"step": [0], "accuracy": [0.5]}})
