"""Command-line plumbing shared by the lessons and the Shakespeare scripts: flag types that reject
bad values with one line naming the flag, the docstring as --help, and a main() wrapper that turns
a user's mistake or Ctrl-C into one line instead of a traceback."""
import argparse
import math
import sys


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


def probability(text):
    return _number(text, float, "a number", lambda v: 0 < v <= 1, "in (0, 1]")


def parser_from_docstring(doc):
    """An ArgumentParser whose --help shows doc: its first paragraph first, the rest after the flags."""
    summary, _, details = doc.strip().partition("\n\n")
    return argparse.ArgumentParser(description=summary, epilog=details,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def run_main(main, *args):
    """Call main(*args): a UsageError ends with 'error: ...' and exit status 1, Ctrl-C with status 130."""
    try:
        main(*args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
