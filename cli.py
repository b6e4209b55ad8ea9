"""Command-line plumbing shared by the lessons and the Shakespeare scripts: flag types that reject
bad values with one line naming the flag, the docstring as --help, and a main() wrapper that turns
a user's mistake or Ctrl-C into one line instead of a traceback."""

import argparse
import contextlib
import math
import os
import signal
import sys
import tempfile


class UsageError(Exception):
    """Something the user can fix (a flag, a missing or corrupt file): the message is one line."""


def _number(text, convert, kind, accept, requirement):
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"{text} must be {requirement}")
    return value


def positive_int(text):
    return _number(text, int, "a whole number", lambda v: v >= 1, "at least 1")


def positive_float(text):
    return _number(text, float, "a number", lambda v: 0 < v < math.inf, "a positive number")


def non_negative_float(text):
    return _number(text, float, "a number", lambda v: 0 <= v < math.inf, "a number, 0 or more")


def probability(text):
    return _number(text, float, "a number", lambda v: 0 < v <= 1, "in (0, 1]")


def seed(text):
    """A random seed: TensorFlow and NumPy take whole numbers from 0 to 2**31 - 1 alike."""
    return _number(text, int, "a whole number", lambda v: 0 <= v < 2**31, "a whole number from 0 to 2147483647")


def user_path(text):
    """A path flag with ~ expanded (the shell leaves it as is in --flag=~/folder): the up-front check and the
    write then use the same path."""
    return os.path.expanduser(text)


def parser_from_docstring(doc):
    """An ArgumentParser whose --help shows doc: its first paragraph first, the rest after the flags."""
    summary, _, details = doc.strip().partition("\n\n")
    return argparse.ArgumentParser(
        description=summary, epilog=details, formatter_class=argparse.RawDescriptionHelpFormatter
    )


# ------------------------------------------------------------------------------------------------
# Outputs: checked before a long run starts, written whole or not at all
# ------------------------------------------------------------------------------------------------


def _cannot_write_into(folder):
    """Why no file can be written into folder (created if missing), or None when one can."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        return f"{folder} is a file, not a folder"
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        return f"cannot write into {folder}: {e.strerror or e}"
    return None


def check_output_dir(path, flag):
    """Make sure files can be written into the folder `path` (created if missing): returns its absolute
    path, or raises UsageError naming the flag. Called before training, so no run is lost at its end."""
    folder = os.path.abspath(os.path.expanduser(path))
    why = _cannot_write_into(folder)
    if why:
        raise UsageError(f"{flag} {path}: {why}; pass a folder you can write to")
    return folder


def check_output_file(path, flag):
    """Make sure the file `path` can be written (its folder created if missing): returns its absolute path,
    or raises UsageError naming the flag."""
    full_path = os.path.abspath(os.path.expanduser(path))
    why = f"{full_path} is a folder" if os.path.isdir(full_path) else _cannot_write_into(os.path.dirname(full_path))
    if why:
        raise UsageError(f"{flag} {path}: {why}; pass a file name in a folder you can write to")
    return full_path


@contextlib.contextmanager
def atomic_output(path, mode="w"):
    """Write `path` whole or not at all: yields a hidden partial file in the same folder, renamed to `path`
    when the block ends, removed if it fails.   with atomic_output(path) as f: f.write(...)"""
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.chmod(partial, 0o666 & ~_umask())  # mkstemp makes it private; the file gets the usual permissions
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


# ------------------------------------------------------------------------------------------------
# Ctrl-C: a first one stops a long run cleanly, a second one quits at once
# ------------------------------------------------------------------------------------------------


class StopOnCtrlC:
    """While inside `with StopOnCtrlC("what happens now") as stop:`, a first Ctrl-C only sets stop.requested
    (the loop checks it and ends cleanly, keeping its results); a second one raises KeyboardInterrupt as
    usual, to quit at once (cli.run_main turns it into one line).

    SIGTERM (`kill`, `timeout`, a scheduler) and SIGHUP (a closed terminal or SSH session) are treated the
    same way, so that no run is lost to them either; stop.signal_name says which one came."""

    SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
    if hasattr(signal, "SIGHUP"):  # not on Windows
        SIGNALS[signal.SIGHUP] = "SIGHUP"

    def __init__(self, what_happens):
        self.what_happens = what_happens
        self.requested = False
        self.signal_name = None
        self._previous = {}

    def _handle(self, signal_number, _frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = self.SIGNALS.get(signal_number, "a signal")
        again = "Ctrl-C" if signal_number == signal.SIGINT else "Ctrl-C or another one"
        print(f"\n{self.signal_name}: {self.what_happens} ({again} to quit at once)", flush=True)

    def __enter__(self):
        try:
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        except ValueError:  # not the main thread: leave the signals alone
            self._previous = {}
        return self

    def __exit__(self, *_exc):
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        return False


# ------------------------------------------------------------------------------------------------
# main(): one line for what the user can fix, never a traceback
# ------------------------------------------------------------------------------------------------


def run_main(main):
    """Call main(): a UsageError ends with 'error: ...' and exit status 1, Ctrl-C with status 130, and a
    closed output pipe (`python rnn_play.py | head`) quietly.

    Run by IPython (`%run lesson.py --iterations 500` in a notebook), the same one line is printed and the
    shell simply goes on: no exit status, which IPython would report as a SystemExit exception."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C raises KeyboardInterrupt again
    try:
        try:
            main()
        except UsageError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(1)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            sys.exit(130)
        except BrokenPipeError:
            if not inside_ipython():
                # the reader went away: point stdout at nothing so that Python's own final flush stays quiet
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
    except SystemExit as e:  # also argparse's, after its message about a flag
        if inside_ipython() and e.code:
            return
        raise


def inside_ipython():
    """True when IPython runs this (a notebook's kernel, or the IPython terminal's %run)."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None
