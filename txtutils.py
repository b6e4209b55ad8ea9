"""Text plumbing for the Shakespeare RNN: the 98-code alphabet, corpus loading, the mini-batch
sequencer that lets the RNN state flow from batch to batch, and the training loop's text displays.

The alphabet (ALPHASIZE = 98 codes):
    0        anything else (unknown: accented letters, curly quotes...)
    1        tab
    2        line feed
    3 - 97   the printable ASCII characters, space (32) to tilde (126)
"""
import collections
import glob
import os
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
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    codes = _CODES[np.minimum(points, 127)]
    codes[points > 127] = UNKNOWN
    return codes


def decode_to_text(codes):
    """Alphabet codes (a list or array of ints 0-97) back to a string."""
    return "".join(_CHARS_ARRAY[np.asarray(codes, dtype=np.int64)].tolist())


# ------------------------------------------------------------------------------------------------
# Corpus
# ------------------------------------------------------------------------------------------------

class Corpus:
    """The training text, the held-out validation text, and which file ("book") each range came from.

    train, validation: uint8 arrays of codes; books: list of (name, start, end) in the training text.
    unknown: Counter {character: count} of the characters read as UNKNOWN (outside the alphabet);
    skipped: the files left out because they are not UTF-8 text (binary files, other encodings).
    """

    def __init__(self, train, validation, books, validation_books, unknown=None, skipped=()):
        self.train = train
        self.validation = validation
        self.books = books
        self.validation_books = validation_books
        self.unknown = unknown if unknown is not None else collections.Counter()
        self.skipped = list(skipped)

    def book_at(self, position):
        for name, start, end in self.books:
            if start <= position < end:
                return name
        return self.books[-1][0] if self.books else ""


def read_corpus(pattern, validation=True, max_validation_chars=90 * 1024):
    """Load every file of --data (sorted), and hold out the last works for validation.

    pattern: a glob ('**' goes down into folders: 'src/**/*.py'), or a folder: every file under it.
    Files that are not UTF-8 text (binary files, other encodings) are skipped, and listed in
    corpus.skipped. Validation: the final works, about a tenth of the text and at most
    max_validation_chars; when the last work alone is bigger than that, its final part (from a line
    start). None when there are fewer than 5 files (too few works to spare one) or validation=False.
    """
    files = corpus_files(pattern)
    pieces, books, position = [], [], 0
    unknown, skipped = collections.Counter(), []
    top = os.path.commonpath([os.path.dirname(path) for path in files])  # to name the skipped files shortly
    for path in files:
        text = _read_text(path)
        if text is None:
            skipped.append(os.path.relpath(path, top))
            continue
        codes = encode_array(text)
        unknown.update(unknown_characters(text, codes))
        pieces.append(codes)
        books.append((os.path.splitext(os.path.basename(path))[0], position, position + len(codes)))
        position += len(codes)
    codes = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
    if len(codes) == 0:
        what = f"{len(skipped)} files that are not UTF-8 text" if skipped and not books else "no text"
        raise TextError(f"the files of --data {pattern!r} hold {what}: pass text files (UTF-8)")

    cut = len(codes)
    if validation and len(books) >= 5:
        budget = min(len(codes) // 10, max_validation_chars)
        cut = len(codes) - budget
        # whole works when they fit: move the cut to the start of the first held-out work
        for name, start, end in books:
            if start >= cut:
                cut = start
                break
        else:  # the last work alone is too big: hold out its end, from the start of a line
            line_starts = np.flatnonzero(codes[cut:] == 2)
            cut = cut + int(line_starts[0]) + 1 if len(line_starts) else cut
    train_books = [(n, s, min(e, cut)) for n, s, e in books if s < cut]
    validation_books = [(n, max(s, cut) - cut, e - cut) for n, s, e in books if e > cut]
    return Corpus(codes[:cut], codes[cut:], train_books, validation_books, unknown, skipped)


def corpus_files(pattern):
    """The files of --data, sorted: a glob ('**' matches folders at any depth), or a folder: every file
    under it, at any depth (hidden ones left out)."""
    path = os.path.expanduser(pattern)
    if os.path.isdir(path):
        files = sorted(os.path.join(folder, name) for folder, subfolders, names in os.walk(path)
                       for name in names if not name.startswith("."))
        if not files:
            raise TextError(f"--data {pattern}: this folder is empty; pass a folder of text files, or a glob "
                            "such as --data 'shakespeare/*.txt' (quoted)")
        return files
    files = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
    if not files:
        raise TextError(f"no file matches --data {pattern!r}: pass a glob of text files, "
                        "for example --data 'shakespeare/*.txt' or --data 'src/**/*.py' (quoted), or their folder")
    return files


def _read_text(path):
    """The file's text, or None when it is not UTF-8 text (a NUL byte: binary; or undecodable bytes)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise TextError(f"cannot read {path}: {e.strerror or e}") from None
    if b"\0" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def unknown_characters(text, codes):
    """Counter {character: count} of the characters of text that encode_array read as UNKNOWN."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    values, counts = np.unique(points[codes == UNKNOWN], return_counts=True)
    return collections.Counter({chr(value): int(count) for value, count in zip(values, counts)})


def describe_unknown(corpus, stream=None, examples=5):
    """One line on what the corpus holds outside the alphabet, or None when it is all known:
    e.g. a Latin-1 file, accented letters or curly quotes all train as the one UNKNOWN code.
    The characters are quoted as Python does, escaped (\\xe9) when the stream cannot show them."""
    parts = []
    total = sum(corpus.unknown.values())
    if total:
        share = total / (len(corpus.train) + len(corpus.validation))
        share = f"{share:.2%}" if share >= 0.0001 else "under 0.01%"
        common = ", ".join(f"{repr(char) if can_show(char, stream) else ascii(char)}: {count:,}"
                           for char, count in corpus.unknown.most_common(examples))
        more = ", ..." if len(corpus.unknown) > examples else ""
        parts.append(f"{total:,} characters outside the alphabet ({share}) are read as unknown "
                     f"({common}{more})")
    if corpus.skipped:
        names = ", ".join(corpus.skipped[:3]) + (", ..." if len(corpus.skipped) > 3 else "")
        count = len(corpus.skipped)
        parts.append(f"{count} file{'s' if count > 1 else ''} skipped, not UTF-8 text ({names})")
    return "; ".join(parts) or None


# ------------------------------------------------------------------------------------------------
# Mini-batches
# ------------------------------------------------------------------------------------------------

def batches_per_epoch(data_length, batch_size, sequence_size):
    return (data_length - 1) // (batch_size * sequence_size)


def check_text_length(data_length, batch_size, sequence_size, what="the training text"):
    if batches_per_epoch(data_length, batch_size, sequence_size) < 1:
        raise TextError(f"{what} ({data_length:,} characters) is too short for one batch of "
                        f"--batch-size {batch_size} x --seqlen {sequence_size} characters: "
                        "lower --batch-size or --seqlen, or give more text")


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
    xdata = data[:batch_size * row_length].reshape(batch_size, row_length)
    ydata = data[1:batch_size * row_length + 1].reshape(batch_size, row_length)
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


def _printable(codes, symbols):
    """Decoded text on one line, one symbol per character: line feeds shown as ↵, tabs as →."""
    text = decode_to_text(codes)
    for char in ("\n", "\t", UNKNOWN_CHAR):
        text = text.replace(char, symbols[char])
    return text


def format_minibatch(x, predicted, losses, books, batch_loss, batch_accuracy, epoch, step, rows=8,
                     symbols=SYMBOLS):
    """The talk's code's view of a mini-batch: index, book, training sequence | predicted sequence | loss.

    x, predicted: [batch, seqlen] codes; losses: [batch] mean loss per sequence; books: [batch] names;
    symbols: SYMBOLS, or ASCII_SYMBOLS for a terminal that cannot show them (see display_symbols).
    """
    bar = symbols["column"]
    lines = []
    for k in range(min(rows, len(x))):
        lines.append(f"{k:3d} {books[k][:14]:<14} {bar} {_printable(x[k], symbols)} {bar} "
                     f"{_printable(predicted[k], symbols)} {bar} loss: {losses[k]:.4f}")
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
