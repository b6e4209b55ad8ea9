"""Text plumbing for the Shakespeare RNN: the 98-code alphabet, the mini-batch sequencer that lets the RNN
state flow from batch to batch, and the training loop's text displays, progress bar and speed. The corpus
itself (found, downloaded, checked, read): shakespeare_data.py.

The alphabet (ALPHASIZE = 98 codes):
    0        anything else (unknown: accented letters, curly quotes...)
    1        tab
    2        line feed
    3 - 97   the printable ASCII characters, space (32) to tilde (126)
"""

import sys
import time

import numpy as np

ALPHASIZE = 98
UNKNOWN = 0
UNKNOWN_CHAR = "\ufffd"  # how an unknown code is decoded

# code -> character, and a lookup table character (code point < 128) -> code
_CHARS = [UNKNOWN_CHAR, "\t", "\n"] + [chr(c) for c in range(32, 127)]
_CODES = np.zeros(128, np.uint8)
for _code, _char in enumerate(_CHARS[1:], start=1):
    _CODES[ord(_char)] = _code
_CHARS_ARRAY = np.array(_CHARS)


class TextError(Exception):
    """A corpus or text problem the user can fix; the message is one line."""


def encode_text(text):
    """A string as a list of alphabet codes (0-97)."""
    return encode_array(text).tolist()


def encode_array(text):
    """A string as a uint8 NumPy array of alphabet codes (fast: the whole corpus at once)."""
    # surrogatepass: a lone surrogate (a byte that was not UTF-8 in a command-line argument) is an unknown code
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = _CODES[np.minimum(points, 127)]
    codes[points > 127] = UNKNOWN
    return codes


def decode_to_text(codes):
    """Alphabet codes (a list or array of ints 0-97) back to a string."""
    return "".join(_CHARS_ARRAY[np.asarray(codes, dtype=np.int64)].tolist())


# ------------------------------------------------------------------------------------------------
# Mini-batches
# ------------------------------------------------------------------------------------------------


def batches_per_epoch(data_length, batch_size, sequence_size):
    return (data_length - 1) // (batch_size * sequence_size)


def check_text_length(data_length, batch_size, sequence_size, what="the training text"):
    if batches_per_epoch(data_length, batch_size, sequence_size) < 1:
        raise TextError(
            f"{what} ({data_length:,} characters) is too short for one batch of "
            f"--batch-size {batch_size} x --seqlen {sequence_size} characters: "
            "lower --batch-size or --seqlen, or give more text"
        )


def rnn_minibatch_sequencer(raw_data, batch_size, sequence_size, nb_epochs, start_step=0):
    """Yield (x, y, epoch): x, y [batch_size, sequence_size] codes, y being x shifted by one character.

    The text is cut into batch_size long rows, read sequence_size characters at a time, so that
    sequence k of a batch continues sequence k of the batch before: the RNN's output state can be fed
    back as the next input state. Each epoch rolls the rows by one, so the continuity holds across
    epochs too, except for one sequence at each epoch boundary (it wraps from the end of the text
    back to its start). The end of the text that does not fill a whole batch is left out.
    start_step: skip that many batches (to resume a training run where it stopped).
    """
    data = np.asarray(raw_data)
    check_text_length(len(data), batch_size, sequence_size)
    nb_batches = batches_per_epoch(len(data), batch_size, sequence_size)
    row_length = nb_batches * sequence_size
    xdata = data[: batch_size * row_length].reshape(batch_size, row_length)
    ydata = data[1 : batch_size * row_length + 1].reshape(batch_size, row_length)
    first_epoch, first_batch = divmod(start_step, nb_batches)
    for epoch in range(first_epoch, nb_epochs):
        for batch in range(first_batch if epoch == first_epoch else 0, nb_batches):
            columns = slice(batch * sequence_size, (batch + 1) * sequence_size)
            x = np.roll(xdata[:, columns], -epoch, axis=0)
            y = np.roll(ydata[:, columns], -epoch, axis=0)
            yield x, y, epoch


def minibatch_positions(data_length, batch_size, sequence_size, step):
    """Where in the text each sequence of mini-batch number `step` starts (matches the sequencer)."""
    nb_batches = batches_per_epoch(data_length, batch_size, sequence_size)
    epoch, batch = divmod(step, nb_batches)
    rows = (np.arange(batch_size) + epoch) % batch_size
    return rows * nb_batches * sequence_size + batch * sequence_size


# ------------------------------------------------------------------------------------------------
# Displays
# ------------------------------------------------------------------------------------------------

# The mini-batch display shows each sequence on one line, one symbol per character: line feeds and tabs
# as arrows, columns separated by a box-drawing bar. A terminal whose encoding lacks these symbols
# (Windows' cp1252, plain ASCII) gets readable ASCII ones instead of a UnicodeEncodeError.
SYMBOLS = {"\n": "\u21b5", "\t": "\u2192", UNKNOWN_CHAR: UNKNOWN_CHAR, "column": "\u2502"}
ASCII_SYMBOLS = {"\n": "/", "\t": ">", UNKNOWN_CHAR: "?", "column": "|"}


def can_show(text, stream=None):
    """Whether the stream's encoding (default: stdout's) has every character of text."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def display_symbols(stream=None):
    """SYMBOLS when the stream's encoding can show them all, else ASCII_SYMBOLS."""
    return SYMBOLS if can_show("".join(SYMBOLS.values()), stream) else ASCII_SYMBOLS


def replace_unencodable_output(stream=None):
    """Make the stream write '?' for a character its encoding lacks, instead of raising UnicodeEncodeError:
    generated text, a priming text or a file name can hold any character."""
    stream = stream or sys.stdout
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")


def printable(codes, symbols=SYMBOLS):
    """Decoded text on one line, one symbol per character: line feeds shown as ↵, tabs as →."""
    text = decode_to_text(codes)
    for char in ("\n", "\t", UNKNOWN_CHAR):
        text = text.replace(char, symbols[char])
    return text


def format_minibatch(x, predicted, losses, books, batch_loss, batch_accuracy, epoch, step, rows=8, symbols=SYMBOLS):
    """The talk's code's view of a mini-batch: index, book, training sequence | predicted sequence | loss.

    x, predicted: [batch, seqlen] codes; losses: [batch] mean loss per sequence; books: [batch] names;
    symbols: SYMBOLS, or ASCII_SYMBOLS for a terminal that cannot show them (see display_symbols).
    """
    bar = symbols["column"]
    lines = []
    for k in range(min(rows, len(x))):
        lines.append(
            f"{k:3d} {books[k][:14]:<14} {bar} {printable(x[k], symbols)} {bar} "
            f"{printable(predicted[k], symbols)} {bar} loss: {losses[k]:.4f}"
        )
    lines.append(f"epoch {epoch}, step {step}: batch loss {batch_loss:.4f}, batch accuracy {batch_accuracy:.4f}")
    return "\n".join(lines)


class Progress:
    """A one-line text progress bar: Progress(total, label).step() once per unit of work."""

    def __init__(self, total, label="", width=40, stream=None):
        self.total = max(1, total)
        self.label = label
        self.width = width
        self.done = 0
        self.stream = stream or sys.stdout
        self.started = time.perf_counter()

    def step(self, count=1, extra=""):
        self.done = min(self.total, self.done + count)
        if not self.stream.isatty():  # a log file gets the reports, not hundreds of bar updates
            return
        filled = self.width * self.done // self.total
        bar = "=" * filled + " " * (self.width - filled)
        self.stream.write(f"\r{self.label}[{bar}] {self.done}/{self.total} {extra}")
        if self.done == self.total:
            self.stream.write("\r" + " " * (self.width + len(self.label) + len(extra) + 24) + "\r")
        self.stream.flush()


class Speed:
    """Training speed in characters per second: over each interval between two reports, and in all."""

    def __init__(self, chars_per_step):
        self.chars_per_step = chars_per_step
        self.started = time.perf_counter()
        self.restart()

    def restart(self):
        """A new interval starts (after a report, so that the report's own time is not counted)."""
        self._interval_started, self._interval_steps = time.perf_counter(), 0

    def step(self):
        self._interval_steps += 1

    def since_last_report(self):
        seconds = time.perf_counter() - self._interval_started
        chars_per_second = self._interval_steps * self.chars_per_step / max(seconds, 1e-9)
        return f"{chars_per_second:,.0f} chars/s ({self._interval_steps} steps in {seconds:.1f} s)"

    def total_seconds(self):
        return time.perf_counter() - self.started


class Pace:
    """A training loop's pace: a progress bar to the next report, and the speed since the last one (Speed).

    step(loss) after each training step; next_report(step) once a report is written; restart() after a report's
    or a milestone's work, which is not training time."""

    def __init__(self, chars_per_step, report_every, step, end_step):
        self.chars_per_step, self.report_every, self.end_step = chars_per_step, report_every, end_step
        self.speed = Speed(chars_per_step)
        self.next_report(step)

    def next_report(self, step):
        self.progress = Progress(min(self.report_every, max(1, self.end_step - step)), "training ")

    def step(self, loss):
        self.speed.step()
        self.progress.step(extra=f"loss {loss:.3f}")

    def restart(self):
        self.speed.restart()
