"""Fetching data files from public mirrors, checked, whole or not at all (MNIST and the Shakespeare corpus).

    downloads.fetch_all(folder, ["a.txt", "b.txt"], mirrors=("https://host/path/",),
                        checksums={"a.txt": ("sha256", "9f86d0...")})

Each file is written to a hidden partial file beside its destination and renamed into place only once
it arrived whole (the Content-Length) and matches its checksum: an interrupted, cut-short or tampered
download never leaves a file that looks complete. The mirrors are tried in order, file by file.
"""
import hashlib
import os
import sys
import urllib.request

from cli import atomic_output


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


def fetch(url, destination, checksum=None, timeout=30):
    """Download url to destination, whole or not at all. checksum: (hashlib algorithm, hex digest) or None.
    Raises OSError (network, HTTP) or ValueError (cut short, checksum mismatch); nothing is left behind."""
    algorithm, expected = checksum or ("sha256", None)
    digest = hashlib.new(algorithm)
    done = 0
    try:
        with atomic_output(destination, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                _progress(f"downloading {url}", done, total)
            # checked before the block ends: a failed check raises, and the partial file is removed
            if total and done != total:
                raise ValueError(f"transfer cut short ({done} of {total} bytes)")
            if expected is not None and digest.hexdigest() != expected:
                raise ValueError(f"checksum mismatch ({algorithm.upper()} {digest.hexdigest()}, expected {expected})")
    finally:
        if done:
            sys.stderr.write("\n")  # end the progress line


def fetch_all(folder, names, mirrors, checksums, timeout=30):
    """Download each file of `names` into folder, trying each mirror in order. Files already fetched stay
    when a later one fails (each is whole and checked), so a second try fetches only the rest.
    Raises DownloadError naming the first file no mirror delivered."""
    for name in names:
        errors = []
        for mirror in mirrors:
            try:
                fetch(mirror + name, os.path.join(folder, name), checksums.get(name), timeout)
                break
            except (OSError, ValueError) as e:  # URLError and socket timeouts are OSErrors
                errors.append(f"{mirror}: {getattr(e, 'reason', e)}")
        else:
            raise DownloadError(f"could not download {name} ({'; '.join(errors)})")
