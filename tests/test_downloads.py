"""downloads.py against misbehaving mirrors (a local server on 127.0.0.1): a download is bounded in bytes
and in time, shows its progress while bytes come, and leaves nothing behind when it fails."""

import os
import time

import pytest

import downloads
import shakespeare_data
import txtutils


def endless(out):
    """A mirror that streams without end, and without a Content-Length."""
    chunk = b"x" * 65536
    for _ in range(2000):  # 130 MB at most, should a client never stop reading
        out.write(chunk)


def trickle(out):
    """A mirror that sends a byte now and then."""
    for _ in range(100):
        out.write(b"x")
        out.flush()
        time.sleep(0.2)


def test_a_stream_without_length_stops_at_the_cap(server, tmp_path):
    server.routes["/f.txt"] = (200, endless, None)
    with pytest.raises(ValueError, match="more than the file's 100,000 bytes"):
        downloads.fetch(server.url + "/f.txt", str(tmp_path / "f.txt"), cap=100_000)
    assert os.listdir(tmp_path) == []  # no partial file


def test_a_known_size_bounds_what_is_read(server, tmp_path):
    server.routes["/big"] = (200, b"y" * 5000, None)  # announces 5,000 bytes
    with pytest.raises(ValueError, match="announces 5,000 bytes, more than the file's 1,000"):
        downloads.fetch(server.url + "/big", str(tmp_path / "f"), size=1000)
    server.routes["/quiet"] = (200, endless, None)  # announces nothing
    with pytest.raises(ValueError, match="more than the file's 1,000 bytes"):
        downloads.fetch(server.url + "/quiet", str(tmp_path / "f"), size=1000)
    assert os.listdir(tmp_path) == []


def test_a_trickling_mirror_is_given_up_with_progress_shown(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(downloads, "SLOW_AFTER", 1.0)
    monkeypatch.setattr(downloads, "MIN_RATE", 100)
    server.routes["/slow"] = (200, trickle, None)
    started = time.monotonic()
    with pytest.raises(ValueError, match="too slow"):
        downloads.fetch(server.url + "/slow", str(tmp_path / "f"))
    assert time.monotonic() - started < 10
    assert "downloading" in capsys.readouterr().err  # the few bytes that came were shown
    assert os.listdir(tmp_path) == []


def test_a_silent_mirror_times_out(server, tmp_path):
    server.routes["/silent"] = (200, lambda out: time.sleep(3), 10)
    with pytest.raises(OSError):
        downloads.fetch(server.url + "/silent", str(tmp_path / "f"), timeout=1)
    assert os.listdir(tmp_path) == []


def test_the_corpus_from_a_streaming_mirror_leaves_nothing(server, tmp_path, monkeypatch):
    server.routes["/s/1kinghenryiv.txt"] = (200, endless, None)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", server.url + "/s/")
    monkeypatch.setattr(shakespeare_data, "DOWNLOAD_CAP", 200_000)
    folder = tmp_path / "data" / "shakespeare"
    with pytest.raises(txtutils.TextError, match="more than the file's 200,000 bytes"):
        shakespeare_data.fetch(str(folder))
    assert not os.path.exists(folder)  # not a byte written, not even the folder
