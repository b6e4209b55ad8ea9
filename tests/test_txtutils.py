"""txtutils: the alphabet, the mini-batch sequencer, corpus loading and its errors, the displays."""
import io
import os

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


def _write_books(folder, sizes):
    for i, size in enumerate(sizes):
        lines = (f"LINE {i} OF BOOK\n" * (size // 15 + 1))[:size]
        (folder / f"book{i}.txt").write_text(lines)
    return str(folder / "*.txt")


def test_corpus_books_and_validation_split(tmp_path):
    pattern = _write_books(tmp_path, [5000] * 9 + [1000])
    corpus = txtutils.read_corpus(pattern)
    assert [name for name, _, _ in corpus.validation_books] == ["book9"]  # the last work, whole
    assert corpus.held_out == "book9 (whole)"
    assert len(corpus.validation) == 1000
    assert len(corpus.train) == 45000
    assert corpus.books[3] == ("book3", 15000, 20000)
    assert corpus.book_at(15000) == "book3"


def test_corpus_validation_at_most_a_tenth_and_90kb(tmp_path):
    pattern = _write_books(tmp_path, [200_000] * 6)  # the last work is larger than the budget
    corpus = txtutils.read_corpus(pattern)
    assert 0 < len(corpus.validation) <= 90 * 1024
    assert txtutils.decode_to_text(corpus.validation[:5]) == "LINE "  # starts at a line start
    assert corpus.validation_books[0][0] == "book5"


@pytest.mark.parametrize("sizes", [[6000], [3000, 3000], [2000, 2000, 2000]])
def test_few_files_still_hold_out_the_end_of_the_text(tmp_path, sizes):
    corpus = txtutils.read_corpus(_write_books(tmp_path, sizes))
    assert len(corpus.train) + len(corpus.validation) == 6000
    assert 500 <= len(corpus.validation) <= 600  # a tenth, from the next line start
    assert txtutils.decode_to_text(corpus.validation[:5]) == "LINE "
    assert txtutils.decode_to_text(corpus.train[-1:]) == "\n"
    last = f"book{len(sizes) - 1}"
    assert corpus.held_out.startswith(f"the end of {last}, from line ")
    lines_before = txtutils.decode_to_text(corpus.train[corpus.books[-1][1]:]).count("\n")
    assert corpus.held_out == f"the end of {last}, from line {lines_before + 1:,}"


def test_validation_of_a_tiny_text_says_why_there_is_none(tmp_path):
    (tmp_path / "a.txt").write_text("to be\n")
    corpus = txtutils.read_corpus(str(tmp_path / "a.txt"))
    assert len(corpus.validation) == 0 and corpus.held_out.startswith("none: the text (6 characters) is too short")


def test_binary_and_non_utf8_files_skipped(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"ab\xff\xfecd")          # not UTF-8
    (tmp_path / "b.bin").write_bytes(b"text\0with a NUL byte")  # binary
    (tmp_path / "c.txt").write_text("kept\n")
    corpus = txtutils.read_corpus(str(tmp_path / "*"))
    assert txtutils.decode_to_text(corpus.train) == "kept\n" and corpus.skipped == ["a.txt", "b.bin"]
    assert txtutils.describe_unknown(corpus) == "2 files skipped, not UTF-8 text (a.txt, b.bin)"


def test_only_binary_files_is_one_clear_error(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"\0\1\2")
    with pytest.raises(txtutils.TextError, match="hold 1 files that are not UTF-8 text"):
        txtutils.read_corpus(str(tmp_path))


def test_corpus_counts_characters_outside_the_alphabet(tmp_path):
    (tmp_path / "a.txt").write_text("caf\u00e9 " * 3 + "\u2019tis" * 2 + "plain " * 100, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"Latin-1 caf\xe9\n")
    (tmp_path / "c.txt").write_text("all known\n")
    corpus = txtutils.read_corpus(str(tmp_path / "*.txt"))
    assert corpus.unknown == {"\u00e9": 3, "\u2019": 2}
    assert corpus.skipped == ["b.txt"]
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert txtutils.describe_unknown(corpus, utf8) == (
        "5 characters outside the alphabet (0.79%) are read as unknown ('\u00e9': 3, '\u2019': 2); "
        "1 file skipped, not UTF-8 text (b.txt)")
    ascii_terminal = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert "('\\xe9': 3, '\\u2019': 2)" in txtutils.describe_unknown(corpus, ascii_terminal)


def test_corpus_all_in_the_alphabet_says_nothing(tmp_path):
    corpus = txtutils.read_corpus(_write_books(tmp_path, [3000, 3000]))
    assert txtutils.describe_unknown(corpus) is None


def test_corpus_from_a_folder_at_any_depth(tmp_path):
    _write_books(tmp_path, [3000, 2000])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.md").write_text("a text file too")
    (tmp_path / ".hidden").write_text("left out")
    corpus = txtutils.read_corpus(str(tmp_path))
    assert [name for name, _, _ in corpus.books + corpus.validation_books] == ["book0", "book1", "notes"]


def test_recursive_glob(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "top.py").write_text("def top():\n    pass\n")
    (tmp_path / "src" / "pkg" / "inner.py").write_text("x = (1, 2)\n")
    (tmp_path / "src" / "pkg" / "data.json").write_text("{}")
    corpus = txtutils.read_corpus(str(tmp_path / "src" / "**" / "*.py"))
    assert [name for name, _, _ in corpus.books + corpus.validation_books] == ["inner", "top"]


def test_empty_folder(tmp_path):
    with pytest.raises(txtutils.TextError, match=f"--data {tmp_path}: this folder is empty"):
        txtutils.read_corpus(str(tmp_path))


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(txtutils.TextError, match="no file matches --data"):
        txtutils.read_corpus(str(tmp_path / "*.txt"))


def test_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(txtutils.TextError, match="hold no text"):
        txtutils.read_corpus(str(tmp_path / "*.txt"))


def test_minibatch_display():
    x = np.array([txtutils.encode_text("To be, or\nnot"), txtutils.encode_text("What's in a n")])
    predicted = np.array([txtutils.encode_text("o be  or\nnot"), txtutils.encode_text("hat s in a n")])
    text = txtutils.format_minibatch(x, predicted, [1.5, 2.25], ["hamlet", "romeoandjuliet"], 1.875, 0.5, 0, 100)
    lines = text.splitlines()
    assert lines[0].startswith("  0 hamlet") and "To be, or\u21b5not" in lines[0] and "loss: 1.5000" in lines[0]
    assert "romeoandjulie" in lines[1]
    assert lines[-1] == "epoch 0, step 100: batch loss 1.8750, batch accuracy 0.5000"


@pytest.mark.parametrize("encoding, symbols", [("utf-8", txtutils.SYMBOLS), ("cp1252", txtutils.ASCII_SYMBOLS),
                                               ("ascii", txtutils.ASCII_SYMBOLS)])
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


def test_real_shakespeare_split():
    from conftest import real_shakespeare_glob
    pattern = real_shakespeare_glob()
    if pattern is None:
        pytest.skip("the Shakespeare corpus is absent (put it in data/shakespeare/, or set SHAKESPEARE_DATA)")
    corpus = txtutils.read_corpus(pattern)
    total = len(corpus.train) + len(corpus.validation)
    assert total > 5_000_000 and len(corpus.books) >= 40
    assert 0 < len(corpus.validation) <= min(total // 10, 90 * 1024)
    assert (corpus.train == txtutils.UNKNOWN).mean() < 0.001


# ---------------------------------------------------------------- the talk's corpus, downloaded
def _serve_works(server, monkeypatch, count=3):
    import hashlib
    works = {f"work{i}.txt": f"ACT {i}\n\tSCENE I.\n".encode() * 50 for i in range(count)}
    monkeypatch.setattr(txtutils, "SHAKESPEARE_SHA256", {n: hashlib.sha256(d).hexdigest() for n, d in works.items()})
    return works


def test_shakespeare_checksums_are_the_talks_42_works():
    assert len(txtutils.SHAKESPEARE_SHA256) == 42 and "winterstale.txt" in txtutils.SHAKESPEARE_SHA256
    assert all(len(digest) == 64 for digest in txtutils.SHAKESPEARE_SHA256.values())


def test_real_shakespeare_matches_its_checksums():
    """The corpus the README tells users to put in data/shakespeare/ is byte for byte the downloaded one."""
    import hashlib
    from conftest import real_shakespeare_glob
    pattern = real_shakespeare_glob()
    if pattern is None:
        pytest.skip("the Shakespeare corpus is absent (put it in data/shakespeare/, or set SHAKESPEARE_DATA)")
    folder = os.path.dirname(pattern)
    for name, digest in txtutils.SHAKESPEARE_SHA256.items():
        with open(os.path.join(folder, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name


def test_fetch_shakespeare_from_the_second_mirror(tmp_path, server, monkeypatch):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/good/{name}"] = (200, data, None)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"http://127.0.0.1:9/,{server.url}/missing/,{server.url}/good")
    pattern = txtutils.fetch_shakespeare(str(tmp_path / "shakespeare"))
    assert pattern == str(tmp_path / "shakespeare" / "*.txt")
    assert sorted(os.listdir(tmp_path / "shakespeare")) == sorted(works)
    assert all((tmp_path / "shakespeare" / name).read_bytes() == data for name, data in works.items())


def test_fetch_shakespeare_damaged_file_leaves_nothing_then_fetches_only_what_is_missing(tmp_path, server,
                                                                                         monkeypatch):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/m/{name}"] = (200, data, None)
    server.routes["/m/work1.txt"] = (200, works["work1.txt"].replace(b"ACT", b"ACt", 1), None)  # damaged
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"{server.url}/m/")
    folder = tmp_path / "shakespeare"
    with pytest.raises(txtutils.TextError) as error:
        txtutils.fetch_shakespeare(str(folder))
    assert "could not download work1.txt" in str(error.value) and "checksum mismatch" in str(error.value)
    assert "\n" not in str(error.value)
    assert os.listdir(folder) == ["work0.txt"]  # whole and checked; no partial file of work1
    server.routes["/m/work1.txt"] = (200, works["work1.txt"], None)
    server.routes["/m/work0.txt"] = (404, b"gone", None)  # already there: not asked for again
    txtutils.fetch_shakespeare(str(folder))
    assert sorted(os.listdir(folder)) == sorted(works)


def test_fetch_shakespeare_checks_the_works_already_there_and_keeps_them(tmp_path, monkeypatch, server):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/w/{name}"] = (200, data, None)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"{server.url}/w/")
    folder = tmp_path / "shakespeare"
    txtutils.fetch_shakespeare(str(folder))
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", "http://127.0.0.1:9/")
    txtutils.fetch_shakespeare(str(folder))  # verified again, nothing to download: no network needed
    edited = sorted(works)[1]
    (folder / edited).write_text("my own copy\n")
    with pytest.raises(txtutils.TextError) as error:
        txtutils.fetch_shakespeare(str(folder))  # an edited work is never trained on as the talk's
    message = str(error.value)
    assert "\n" not in message and edited in message and "--data" in message
    assert (folder / edited).read_text() == "my own copy\n"  # the user's file is left as it is
