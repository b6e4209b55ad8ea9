"""Fetching data files from public mirrors, checked, whole or not at all (MNIST and the Shakespeare corpus).

    downloads.fetch_all(folder, ["a.txt", "b.txt"], mirrors=("https://host/path/",),
                        checksums={"a.txt": ("sha256", "9f86d0...")})

Each file is written to a hidden partial file beside its destination and renamed into place only once
it arrived whole (the Content-Length) and matches its checksum: an interrupted, cut-short or tampered
download never leaves a file that looks complete. The mirrors are tried in order, file by file.

A mirror cannot exhaust the machine: no more bytes are read than the file's known size (or a cap, when the
size is not known), whatever the mirror says or sends; a mirror that sends nothing for `timeout` seconds, or
less than MIN_RATE bytes a second once SLOW_AFTER seconds have passed, is given up. Progress is shown as
bytes arrive, however few.
"""

import hashlib
import os
import sys
import time
import urllib.request

from cli import atomic_output


MIN_RATE = 2000  # bytes a second: a mirror slower than this (a 145 KB play in over a minute) is given up
SLOW_AFTER = 30.0  # seconds: ... once this long has passed
DEFAULT_CAP = 50_000_000  # bytes: the most read of a file whose size is not known


class DownloadError(Exception):
    """No mirror delivered a file. The message lists each mirror's reason; the caller adds what to do."""


def mirrors_from(variable, default):
    """The mirrors: the environment variable (comma-separated base URLs) if set, else the default ones."""
    value = os.environ.get(variable)
    if not value:
        return tuple(default)
    return tuple(url if url.endswith("/") else url + "/" for url in value.split(",") if url.strip())


def _progress(message, done, total):
    if total:
        line = f"\r  {message} {100 * done // total:3d}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)"
    else:
        line = f"\r  {message} {done / 1e6:.1f} MB"
    sys.stderr.write(line)
    sys.stderr.flush()


def fetch(url, destination, checksum=None, timeout=30, size=None, cap=DEFAULT_CAP):
    """Download url to destination, whole or not at all. checksum: (hashlib algorithm, hex digest) or None;
    size: the file's known size in bytes, or None (then at most `cap` bytes are read).
    Raises OSError (network, HTTP, time-out) or ValueError (too big, too slow, cut short, checksum mismatch);
    nothing is left behind."""
    algorithm, expected = checksum or ("sha256", None)
    digest = hashlib.new(algorithm)
    limit = size or cap
    done = 0
    started = time.monotonic()
    try:
        with atomic_output(destination, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            try:
                total = int(response.headers.get("Content-Length") or 0)
            except ValueError:
                total = 0
            if total > limit:
                raise ValueError(f"the mirror announces {total:,} bytes, more than the file's {limit:,}")
            while True:
                chunk = response.read1(1 << 16)  # what has arrived, however little: progress for slow mirrors
                if not chunk:
                    break
                done += len(chunk)
                if done > limit:
                    raise ValueError(f"the mirror sent more than the file's {limit:,} bytes")
                out.write(chunk)
                digest.update(chunk)
                _progress(f"downloading {url}", done, total or size)
                seconds = time.monotonic() - started
                if seconds > SLOW_AFTER and done / seconds < MIN_RATE:
                    raise ValueError(f"the mirror is too slow ({done:,} bytes in {seconds:.0f} s)")
            # checked before the block ends: a failed check raises, and the partial file is removed
            for expected_size in (total, size):
                if expected_size and done != expected_size:
                    raise ValueError(f"transfer cut short ({done} of {expected_size} bytes)")
            if expected is not None and digest.hexdigest() != expected:
                raise ValueError(f"checksum mismatch ({algorithm.upper()} {digest.hexdigest()}, expected {expected})")
    finally:
        if done:
            sys.stderr.write("\n")  # end the progress line


def fetch_all(folder, names, mirrors, checksums, timeout=30, sizes=None, cap=DEFAULT_CAP):
    """Download each file of `names` into folder, trying each mirror in order. Files already fetched stay
    when a later one fails (each is whole and checked), so a second try fetches only the rest.
    sizes: {name: bytes} where known; the others are read up to `cap` bytes.
    Raises DownloadError naming the first file no mirror delivered."""
    for name in names:
        errors = []
        for mirror in mirrors:
            try:
                fetch(
                    mirror + name,
                    os.path.join(folder, name),
                    checksums.get(name),
                    timeout,
                    size=(sizes or {}).get(name),
                    cap=cap,
                )
                break
            except (OSError, ValueError) as e:  # URLError and socket timeouts are OSErrors
                errors.append(f"{mirror}: {getattr(e, 'reason', e)}")
        else:
            raise DownloadError(f"could not download {name} ({'; '.join(errors)})")
