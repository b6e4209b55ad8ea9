"""shakespeare_data: the corpus read (its files, the held-out validation text, what is outside the alphabet) and the
talk's corpus downloaded and checked."""

import io
import os

import pytest

import shakespeare_data
import txtutils


def _write_books(folder, sizes):
    for i, size in enumerate(sizes):
        lines = (f"LINE {i} OF BOOK\n" * (size // 15 + 1))[:size]
        (folder / f"book{i}.txt").write_text(lines)
    return str(folder / "*.txt")


def test_corpus_books_and_validation_split(tmp_path):
    pattern = _write_books(tmp_path, [5000] * 9 + [1000])
    corpus = shakespeare_data.read_corpus(pattern)
    assert [name for name, _, _ in corpus.validation_books] == ["book9"]  # the last work, whole
    assert corpus.held_out == "book9 (whole)"
    assert len(corpus.validation) == 1000
    assert len(corpus.train) == 45000
    assert corpus.books[3] == ("book3", 15000, 20000)
    assert corpus.book_at(15000) == "book3"


def test_corpus_validation_at_most_a_tenth_and_90kb(tmp_path):
    pattern = _write_books(tmp_path, [200_000] * 6)  # the last work is larger than the budget
    corpus = shakespeare_data.read_corpus(pattern)
    assert 0 < len(corpus.validation) <= 90 * 1024
    assert txtutils.decode_to_text(corpus.validation[:5]) == "LINE "  # starts at a line start
    assert corpus.validation_books[0][0] == "book5"


@pytest.mark.parametrize("sizes", [[6000], [3000, 3000], [2000, 2000, 2000]])
def test_few_files_still_hold_out_the_end_of_the_text(tmp_path, sizes):
    corpus = shakespeare_data.read_corpus(_write_books(tmp_path, sizes))
    assert len(corpus.train) + len(corpus.validation) == 6000
    assert 500 <= len(corpus.validation) <= 600  # a tenth, from the next line start
    assert txtutils.decode_to_text(corpus.validation[:5]) == "LINE "
    assert txtutils.decode_to_text(corpus.train[-1:]) == "\n"
    last = f"book{len(sizes) - 1}"
    assert corpus.held_out.startswith(f"the end of {last}, from line ")
    lines_before = txtutils.decode_to_text(corpus.train[corpus.books[-1][1] :]).count("\n")
    assert corpus.held_out == f"the end of {last}, from line {lines_before + 1:,}"


def test_validation_of_a_tiny_text_says_why_there_is_none(tmp_path):
    (tmp_path / "a.txt").write_text("to be\n")
    corpus = shakespeare_data.read_corpus(str(tmp_path / "a.txt"))
    assert len(corpus.validation) == 0 and corpus.held_out.startswith("none: the text (6 characters) is too short")


def test_binary_and_non_utf8_files_skipped(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"ab\xff\xfecd")  # not UTF-8
    (tmp_path / "b.bin").write_bytes(b"text\0with a NUL byte")  # binary
    (tmp_path / "c.txt").write_text("kept\n")
    corpus = shakespeare_data.read_corpus(str(tmp_path / "*"))
    assert txtutils.decode_to_text(corpus.train) == "kept\n" and corpus.skipped == ["a.txt", "b.bin"]
    assert shakespeare_data.describe_unknown(corpus) == "2 files skipped, not UTF-8 text (a.txt, b.bin)"


def test_only_binary_files_is_one_clear_error(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"\0\1\2")
    with pytest.raises(txtutils.TextError, match="hold 1 files that are not UTF-8 text"):
        shakespeare_data.read_corpus(str(tmp_path))


def test_corpus_counts_characters_outside_the_alphabet(tmp_path):
    (tmp_path / "a.txt").write_text("caf\u00e9 " * 3 + "\u2019tis" * 2 + "plain " * 100, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"Latin-1 caf\xe9\n")
    (tmp_path / "c.txt").write_text("all known\n")
    corpus = shakespeare_data.read_corpus(str(tmp_path / "*.txt"))
    assert corpus.unknown == {"\u00e9": 3, "\u2019": 2}
    assert corpus.skipped == ["b.txt"]
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert shakespeare_data.describe_unknown(corpus, utf8) == (
        "5 characters outside the alphabet (0.79%) are read as unknown ('\u00e9': 3, '\u2019': 2); "
        "1 file skipped, not UTF-8 text (b.txt)"
    )
    ascii_terminal = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert "('\\xe9': 3, '\\u2019': 2)" in shakespeare_data.describe_unknown(corpus, ascii_terminal)


def test_corpus_all_in_the_alphabet_says_nothing(tmp_path):
    corpus = shakespeare_data.read_corpus(_write_books(tmp_path, [3000, 3000]))
    assert shakespeare_data.describe_unknown(corpus) is None


def test_corpus_from_a_folder_at_any_depth(tmp_path):
    _write_books(tmp_path, [3000, 2000])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.md").write_text("a text file too")
    (tmp_path / ".hidden").write_text("left out")
    corpus = shakespeare_data.read_corpus(str(tmp_path))
    assert [name for name, _, _ in corpus.books + corpus.validation_books] == ["book0", "book1", "notes"]


def test_recursive_glob(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "top.py").write_text("def top():\n    pass\n")
    (tmp_path / "src" / "pkg" / "inner.py").write_text("x = (1, 2)\n")
    (tmp_path / "src" / "pkg" / "data.json").write_text("{}")
    corpus = shakespeare_data.read_corpus(str(tmp_path / "src" / "**" / "*.py"))
    assert [name for name, _, _ in corpus.books + corpus.validation_books] == ["inner", "top"]


def test_empty_folder(tmp_path):
    with pytest.raises(txtutils.TextError, match=f"--data {tmp_path}: this folder is empty"):
        shakespeare_data.read_corpus(str(tmp_path))


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(txtutils.TextError, match="no file matches --data"):
        shakespeare_data.read_corpus(str(tmp_path / "*.txt"))


def test_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(txtutils.TextError, match="hold no text"):
        shakespeare_data.read_corpus(str(tmp_path / "*.txt"))


def test_real_shakespeare_split():
    from conftest import real_shakespeare_glob

    pattern = real_shakespeare_glob()
    if pattern is None:
        pytest.skip("the Shakespeare corpus is absent (put it in data/shakespeare/, or set SHAKESPEARE_DATA)")
    corpus = shakespeare_data.read_corpus(pattern)
    total = len(corpus.train) + len(corpus.validation)
    assert total > 5_000_000 and len(corpus.books) >= 40
    assert 0 < len(corpus.validation) <= min(total // 10, 90 * 1024)
    assert (corpus.train == txtutils.UNKNOWN).mean() < 0.001


# ---------------------------------------------------------------- the talk's corpus, downloaded
def _serve_works(server, monkeypatch, count=3):
    import hashlib

    works = {f"work{i}.txt": f"ACT {i}\n\tSCENE I.\n".encode() * 50 for i in range(count)}
    monkeypatch.setattr(shakespeare_data, "SHA256", {n: hashlib.sha256(d).hexdigest() for n, d in works.items()})
    return works


def test_shakespeare_checksums_are_the_talks_42_works():
    assert len(shakespeare_data.SHA256) == 42 and "winterstale.txt" in shakespeare_data.SHA256
    assert all(len(digest) == 64 for digest in shakespeare_data.SHA256.values())


def test_real_shakespeare_matches_its_checksums():
    """The corpus the README tells users to put in data/shakespeare/ is byte for byte the downloaded one."""
    import hashlib
    from conftest import real_shakespeare_glob

    pattern = real_shakespeare_glob()
    if pattern is None:
        pytest.skip("the Shakespeare corpus is absent (put it in data/shakespeare/, or set SHAKESPEARE_DATA)")
    folder = os.path.dirname(pattern)
    for name, digest in shakespeare_data.SHA256.items():
        with open(os.path.join(folder, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name


def test_fetch_shakespeare_from_the_second_mirror(tmp_path, server, monkeypatch):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/good/{name}"] = (200, data, None)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"http://127.0.0.1:9/,{server.url}/missing/,{server.url}/good")
    pattern = shakespeare_data.fetch(str(tmp_path / "shakespeare"))
    assert pattern == str(tmp_path / "shakespeare" / "*.txt")
    assert sorted(os.listdir(tmp_path / "shakespeare")) == sorted(works)
    assert all((tmp_path / "shakespeare" / name).read_bytes() == data for name, data in works.items())


def test_fetch_shakespeare_damaged_file_leaves_nothing_then_fetches_only_what_is_missing(tmp_path, server, monkeypatch):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/m/{name}"] = (200, data, None)
    server.routes["/m/work1.txt"] = (200, works["work1.txt"].replace(b"ACT", b"ACt", 1), None)  # damaged
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"{server.url}/m/")
    folder = tmp_path / "shakespeare"
    with pytest.raises(txtutils.TextError) as error:
        shakespeare_data.fetch(str(folder))
    assert "could not download work1.txt" in str(error.value) and "checksum mismatch" in str(error.value)
    assert "\n" not in str(error.value)
    assert os.listdir(folder) == ["work0.txt"]  # whole and checked; no partial file of work1
    server.routes["/m/work1.txt"] = (200, works["work1.txt"], None)
    server.routes["/m/work0.txt"] = (404, b"gone", None)  # already there: not asked for again
    shakespeare_data.fetch(str(folder))
    assert sorted(os.listdir(folder)) == sorted(works)


def test_fetch_shakespeare_checks_the_works_already_there_and_keeps_them(tmp_path, monkeypatch, server):
    works = _serve_works(server, monkeypatch)
    for name, data in works.items():
        server.routes[f"/w/{name}"] = (200, data, None)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"{server.url}/w/")
    folder = tmp_path / "shakespeare"
    shakespeare_data.fetch(str(folder))
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", "http://127.0.0.1:9/")
    shakespeare_data.fetch(str(folder))  # verified again, nothing to download: no network needed
    edited = sorted(works)[1]
    (folder / edited).write_text("my own copy\n")
    with pytest.raises(txtutils.TextError) as error:
        shakespeare_data.fetch(str(folder))  # an edited work is never trained on as the talk's
    message = str(error.value)
    assert "\n" not in message and edited in message and "--data" in message
    assert (folder / edited).read_text() == "my own copy\n"  # the user's file is left as it is
