"""rnn_dashboard.py, the live view of RNN training: its text panels, curves and PNG, off screen."""

import numpy as np
import pytest

import rnn_dashboard
import txtutils


def test_running_mean_is_the_mean_of_the_last_values():
    values = np.arange(10, dtype=float) ** 2
    means = rnn_dashboard.running_mean(values, window=3)
    assert means[0] == 0 and means[1] == 0.5
    assert np.allclose(means[2:], [(values[i - 2] + values[i - 1] + values[i]) / 3 for i in range(2, 10)])


def test_minibatch_lines_colour_the_wrong_guesses():
    expected = txtutils.encode_array("the cat\n")[None]
    predicted = txtutils.encode_array("tha cat ")[None]
    lines = rnn_dashboard.minibatch_lines(expected, predicted, [1.5], ["hamlet.txt"])
    (want, want_ink), (got, got_ink) = lines
    assert want.endswith("the cat" + txtutils.SYMBOLS["\n"]) and "expected" in want
    assert "predicted  tha cat " in got and got.endswith("loss 1.500")
    assert len(want_ink) == len(want) and len(got_ink) == len(got)
    start = got.index("tha cat")
    wrong = [k - start for k, ink in enumerate(got_ink) if ink == rnn_dashboard.RED]
    assert wrong == [2, 7]  # 'a' for 'e', and a space for the line feed


def test_sample_lines_newest_first_wrapped_and_cut():
    samples = [(100, "first\n" + "x" * 130), (200, "second")]
    lines = rnn_dashboard.sample_lines(samples, columns=50, lines=6)
    texts = [text for text, _ in lines]
    assert texts[0].startswith("--- step 200") and texts[1] == "second"
    assert texts[2].startswith("--- step 100") and texts[3] == "first"
    assert texts[4] == "x" * 50 and len(texts) == 6  # wrapped at 50 columns, cut at 6 lines


def test_text_pixels_draw_the_wrong_guesses_in_red():
    lines = [("right", rnn_dashboard.BLACK), ("wrong", [rnn_dashboard.RED] * 5)]
    picture = rnn_dashboard.text_pixels(lines, width=200, height=60)
    assert picture.shape == (60, 200, 4) and picture.dtype == np.uint8
    rgb = picture[..., :3].astype(int)
    reddish = (rgb[..., 0] > 150) & (rgb[..., 1] < 120)
    rows = np.nonzero(reddish.any(axis=1))[0]
    dark = np.nonzero((rgb.max(axis=2) < 100).any(axis=1))[0]
    assert len(rows) and len(dark) and rows.min() > dark.max()  # red ink only below the black line
    assert (picture[..., 3] == 255).all()
    tiny = rnn_dashboard.text_pixels(lines * 50, width=30, height=20)  # too much text: cut, never an error
    assert tiny.shape == (20, 30, 4)


@pytest.fixture
def view(tmp_path):
    books = ["hamlet.txt"] * rnn_dashboard.ROWS
    return rnn_dashboard.TrainingView(
        "a test", 0, 300, live=False, png=str(tmp_path / "view.png"), books_of=lambda step: books
    )


def test_a_headless_view_saves_its_picture(view, tmp_path):
    from PIL import Image

    codes = txtutils.encode_array("To be, or not to be, that is the question" * 6)[: 8 * 30].reshape(8, 30)
    for step in range(1, 301):
        view.training_step(step, 0, 4.6 - step / 100, step / 400, codes, np.roll(codes, 1, axis=1), np.ones(8))
        if step % 100 == 0:
            view.validated(step, 4.5 - step / 100, step / 350)
            view.sampled(step, "ROMEO:\nwhat light " * 3)
    assert view.where == "file" and not view.drawing and view.pictures == 0  # nothing drawn while it trains
    assert view.report() is None and (tmp_path / "view.png").exists()
    (tmp_path / "view.png").unlink()
    assert view.report() is None and not (tmp_path / "view.png").exists()  # at most every PNG_INTERVAL seconds
    assert view.finish() == {str(tmp_path / "view.png"): None}
    picture = np.asarray(Image.open(tmp_path / "view.png").convert("RGB"))
    assert picture.shape == (600, 1040, 3)  # 13 x 7.5 inches at 80 dots
    red = (picture[..., 0] > 180) & (picture[..., 1] < 80) & (picture[..., 2] < 80)
    assert red.sum() > 200  # the validation curve, and the wrong guesses
    assert view.loss_ax.get_title().startswith("cross-entropy loss: validation 1.500")
    lo, hi = view.loss_ax.get_ylim()
    assert lo == 0 and 4.6 <= hi < 10


def test_earlier_validations_start_the_curve(tmp_path):
    earlier = [
        {"step": 25, "validation_loss": 3.3},
        {"step": 50, "validation_loss": None},
        {"step": 100, "validation_loss": 3.0},
        {"step": 400, "validation_loss": 2.0},
    ]
    view = rnn_dashboard.TrainingView("resumed", 100, 300, live=False, earlier=earlier)
    assert view.validation["step"] == [25, 100]  # known losses up to the step the run resumes from
