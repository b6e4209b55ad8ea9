"""txtutils: the alphabet, the mini-batch sequencer, the displays, the progress bar."""

import io

import numpy as np
import pytest

import txtutils


def test_alphabet_round_trip():
    supported = "\t\n" + "".join(chr(c) for c in range(32, 127))
    codes = txtutils.encode_text(supported)
    assert codes == list(range(1, 98))
    assert txtutils.decode_to_text(codes) == supported
    assert txtutils.ALPHASIZE == 98


def test_unknown_characters():
    codes = txtutils.encode_text("é€\x00\r")
    assert codes == [0, 0, 0, 0]
    assert txtutils.decode_to_text([0]) == txtutils.UNKNOWN_CHAR


def _sequences(length, batch_size, seqlen, epochs, **kwargs):
    data = np.arange(length)
    return list(txtutils.rnn_minibatch_sequencer(data, batch_size, seqlen, epochs, **kwargs))


def test_sequencer_shapes_and_shift():
    batches = _sequences(1000, 4, 10, 1)
    assert len(batches) == (1000 - 1) // 40
    for x, y, epoch in batches:
        assert x.shape == y.shape == (4, 10) and epoch == 0
        assert np.array_equal(y, x + 1)  # y is x shifted by one character


def test_sequencer_continuity_within_and_across_epochs():
    batches = _sequences(1003, 5, 7, 3)
    breaks_per_boundary = {}
    for (x0, _, e0), (x1, _, e1) in zip(batches, batches[1:]):
        continued = x1[:, 0] == x0[:, -1] + 1  # sequence k goes on in sequence k of the next batch
        if e0 == e1:
            assert continued.all()
        else:
            breaks_per_boundary[e0] = int((~continued).sum())
    assert breaks_per_boundary == {0: 1, 1: 1}  # at most one sequence per epoch boundary


def test_sequencer_drops_the_remainder():
    length, batch_size, seqlen = 1000, 4, 10
    seen = set()
    for x, _, _ in _sequences(length, batch_size, seqlen, 1):
        seen.update(x.ravel().tolist())
    assert len(seen) == (length - 1) // (batch_size * seqlen) * batch_size * seqlen
    assert length - len(seen) < batch_size * seqlen + 1


def test_sequencer_resumes_where_it_stopped():
    full = _sequences(1000, 4, 10, 3)
    resumed = _sequences(1000, 4, 10, 3, start_step=30)
    assert len(resumed) == len(full) - 30
    for (a, _, ea), (b, _, eb) in zip(full[30:], resumed):
        assert np.array_equal(a, b) and ea == eb


def test_minibatch_positions_match_the_sequencer():
    batches = _sequences(1000, 4, 10, 2)
    for step in (0, 5, 24, 30):
        assert np.array_equal(txtutils.minibatch_positions(1000, 4, 10, step), batches[step][0][:, 0])


def test_text_too_short_names_flags():
    with pytest.raises(txtutils.TextError, match="--batch-size 10 x --seqlen 30"):
        list(txtutils.rnn_minibatch_sequencer(np.arange(100), 10, 30, 1))


def test_minibatch_display():
    x = np.array([txtutils.encode_text("To be, or\nnot"), txtutils.encode_text("What's in a n")])
    predicted = np.array([txtutils.encode_text("o be  or\nnot"), txtutils.encode_text("hat s in a n")])
    text = txtutils.format_minibatch(x, predicted, [1.5, 2.25], ["hamlet", "romeoandjuliet"], 1.875, 0.5, 0, 100)
    lines = text.splitlines()
    assert lines[0].startswith("  0 hamlet") and "To be, or\u21b5not" in lines[0] and "loss: 1.5000" in lines[0]
    assert "romeoandjulie" in lines[1]
    assert lines[-1] == "epoch 0, step 100: batch loss 1.8750, batch accuracy 0.5000"


@pytest.mark.parametrize(
    "encoding, symbols",
    [("utf-8", txtutils.SYMBOLS), ("cp1252", txtutils.ASCII_SYMBOLS), ("ascii", txtutils.ASCII_SYMBOLS)],
)
def test_minibatch_display_symbols_fit_the_terminal(encoding, symbols):
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert txtutils.display_symbols(stream) is symbols
    x = np.array([txtutils.encode_text("To be,\tor\nnot\u00e9")])
    text = txtutils.format_minibatch(x, x, [1.5], ["hamlet"], 1.5, 0.5, 0, 100, symbols=symbols)
    text.encode(encoding)  # no UnicodeEncodeError
    if symbols is txtutils.ASCII_SYMBOLS:
        assert text.splitlines()[0] == "  0 hamlet         | To be,>or/not? | To be,>or/not? | loss: 1.5000"


def test_progress_bar():
    import io

    stream = io.StringIO()
    stream.isatty = lambda: True
    progress = txtutils.Progress(4, "training ", width=8, stream=stream)
    progress.step()
    assert "[==      ] 1/4" in stream.getvalue()
