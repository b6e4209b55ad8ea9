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

import downloads

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
        self.held_out = ", ".join(name for name, _, _ in validation_books) or "none"  # in words

    def book_at(self, position):
        for name, start, end in self.books:
            if start <= position < end:
                return name
        return self.books[-1][0] if self.books else ""


def read_corpus(pattern, validation=True, max_validation_chars=90 * 1024, flag="--data"):
    """Load every file of --data (sorted), and hold out the last works for validation.

    pattern: a glob ('**' goes down into folders: 'src/**/*.py'), or a folder: every file under it.
    Files that are not UTF-8 text (binary files, other encodings) are skipped, and listed in
    corpus.skipped. Validation: the end of the text, about a tenth of it and at most max_validation_chars:
    the final works when they fit, else the final part of the last work (from a line start), so that a
    single file gets a validation text too. corpus.held_out says which text, in words (or why none).
    """
    files = corpus_files(pattern, flag)
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
        raise TextError(f"the files of {flag} {pattern!r} hold {what}: pass text files (UTF-8)")

    cut = len(codes) - (min(len(codes) // 10, max_validation_chars) if validation else 0)
    if cut < len(codes):
        # whole works when they fit: move the cut to the start of the first held-out work
        for name, start, end in books:
            if start >= cut:
                cut = start
                break
        else:  # one work, or the last work alone is too big: hold out its end, from the start of a line
            line_starts = np.flatnonzero(codes[cut:-1] == 2)
            cut = cut + int(line_starts[0]) + 1 if len(line_starts) else len(codes)
    train_books = [(n, s, min(e, cut)) for n, s, e in books if s < cut]
    validation_books = [(n, max(s, cut) - cut, e - cut) for n, s, e in books if e > cut]
    corpus = Corpus(codes[:cut], codes[cut:], train_books, validation_books, unknown, skipped)
    corpus.held_out = _describe_held_out(codes, books, cut) if validation else "none (validation=False)"
    return corpus


def _describe_held_out(codes, books, cut):
    """Which text is held out for validation, in words: 'book9 (whole)', 'the end of book5, from line 812'."""
    if cut >= len(codes):
        if len(codes) < 10:
            return f"none: the text ({len(codes):,} characters) is too short to spare a tenth of it"
        return "none: no line starts in the last tenth of the text"
    parts = []
    for name, start, end in books:
        if end <= cut:
            continue
        if start >= cut:
            parts.append(f"{name} (whole)")
        else:
            line = int(np.count_nonzero(codes[start:cut] == 2)) + 1
            parts.append(f"the end of {name}, from line {line:,}")
    return ", ".join(parts)


# The talk's corpus: the complete works of Shakespeare, one plain-text file per work (public domain), as
# the talk's repository holds them at a fixed commit, with the SHA-256 of each file.
# SHAKESPEARE_MIRRORS (comma-separated base URLs, each holding the 42 files by name) replaces the source.
SHAKESPEARE_SOURCE = ("https://raw.githubusercontent.com/martin-gorner/tensorflow-rnn-shakespeare/"
                      "25946cd6486e8a8f96d84edb200a8b8b6e961c27/shakespeare/")
SHAKESPEARE_REPOSITORY = "github.com/martin-gorner/tensorflow-rnn-shakespeare (commit 25946cd)"
SHAKESPEARE_MIRRORS_ENV_VAR = "SHAKESPEARE_MIRRORS"
SHAKESPEARE_SHA256 = {
    "1kinghenryiv.txt": "7590d173c0be7dba0e2322b357ad33e5e65375d7af154c4ad4d7350d86652780",
    "1kinghenryvi.txt": "715e55cc52c1150bcc9ae8fb91dd61a0773d76f3750fece25978b9f8783e1d90",
    "2kinghenryiv.txt": "4a9f52f2db3ed3f0c150eefb96e25941a4a0b402addfc559581e9025186e42e5",
    "2kinghenryvi.txt": "b282843daec114f4d0104330a94a700d217ac31ce3e3fa7aa24c3e296d9992f9",
    "3kinghenryvi.txt": "6156dfad1cd8844c645ddcdc1f4db4e02397f84669ca589cfc148123170863fb",
    "allswellthatendswell.txt": "3bad3562a52b3439cb63c6f267f3fb50ef44116eafd2429011ee9908d4b832bb",
    "antonyandcleopatra.txt": "4cecd44a3320f7d66dc04fb0a50c5250b589ae8a7f8990f8eb98086b19595876",
    "asyoulikeit.txt": "eaa3526fe53859f34ecdf255712f9ecf0b2c903451d4755b2edaa2e2599cb0fc",
    "comedyoferrors.txt": "d53fcfe394885515efa22e36ac945702a899908afbc1b827ee3459cfdfca0c78",
    "coriolanus.txt": "13d7e0259fcd46cdafb125ae0b6cc8b2432fdb4fe59afba55179adea955748b5",
    "cymbeline.txt": "b5bb1a49d38e1b62b14d7c35c5d932acf740cc8c7e08fbb76ebb8379bb103b3a",
    "hamlet.txt": "1846810b98f3dce4174a488cd19f3e7ceabff2a4b00487089fbcb2891003d847",
    "juliuscaesar.txt": "d4b1254e22888a272f4245b6af4aa9b9c61fc24798d30cd0287ff9491f4d8f5f",
    "kinghenryv.txt": "62cbcdfd774cdbc30b20032ef5be5ac92d678581612567f0b54d1cdcb7fd59c5",
    "kinghenryviii.txt": "63fc4a4ec60c4c72eac474917d0c234b9fe15d19deda213c857d911a386a3c49",
    "kingjohn.txt": "251870ca2777912eed076fc30ccb32e88784a124b6ef365855bb31a1ebac34a9",
    "kinglear.txt": "674a2725884307c96398440497c889ad8cecccedf5689df85e6b0faabe4e0fe8",
    "kingrichardii.txt": "7af43884757911af0b365a9b5544e75c4d6c423c40f6b3b289b5a39756fdb1e5",
    "kingrichardiii.txt": "0b5ef70294ed26ffe2c5496e3723650e8bef5ac178c83287ef7735d9c5d2f9d5",
    "loverscomplaint.txt": "28a8c404d06234b70f73bd76dbf80f4228ffd62a686fdffbe0085f70c71cf177",
    "loveslabourslost.txt": "b7521b8ae6d6cff3cd4c709edfb1d9776a40756a9fc0d86d3676ed9f1621269e",
    "macbeth.txt": "339afa674ac54e5038bd610056e87b0ba70f6543b2fbcfea421bfd0fbbc21e7f",
    "measureforemeasure.txt": "1449c06143bdf48eaddf989f9136c8dbd36cf3893d75420f854085c8226ca93e",
    "merchantofvenice.txt": "54b95ab530e81bfcd03325b6bd7b14d20d1a9d41a38c2d8867c3fa8da1b6292c",
    "merrywivesofwindsor.txt": "85dfbea19962e8d21479debc0f0df48c244f05ec99e0cba9d41da0f01739a16c",
    "midsummersnightsdream.txt": "684b22072f158a7965e942d7e9b633bf7c6c65b14a7b519631bbf2f826349370",
    "muchadoaboutnothing.txt": "fad832e284ccabb6fcb5dc3dd34d2636a07358d6474f10eed8e9ed98050208ee",
    "othello.txt": "e1590d00e121e53587157fa952e0da4070b76721599ebcedce3bb698228adbab",
    "periclesprinceoftyre.txt": "f03561e0fb339fd38359093bf6a0c63bfa2c3ba1eafe66ef50aacfe91295a739",
    "rapeoflucrece.txt": "07a6e27ebc352c5e33b7d68080bc6bf0083595398bb6d83d0d31fa09f9b63974",
    "romeoandjuliet.txt": "1cd830b4a8154da63839a2379f15c2e820b8fa5a339a3b751fc554a8e14af327",
    "sonnets.txt": "31a96075d5ae835ed208c683afc5329ba490e257d33a9d1db14c00fa7e0456de",
    "tamingoftheshrew.txt": "87f9d1f22bb050276d1677012ea09d853aadc542ca84adcd44b82f48b4870438",
    "tempest.txt": "1f20301e552d43aaaca298af6f36334319934fac98b24306e6836d849386e6e8",
    "timonofathens.txt": "a01c9ebbf5d31936571997a4a13d3a3554ec3b081956b4da0b4a12d7f4d7581e",
    "titusandronicus.txt": "5135117e84fa127c7a4b0e376bb5ab97ac99cdad7da51ba463ba40febca44801",
    "troilusandcressida.txt": "fdf3a04f0a92ec3c61ea7349d301c4d4eae1805dfa6d6c2d6e477aeabc76e4df",
    "twelfthnight.txt": "68a44a35e82462d4f0217d2a40db874a431d666626691a806b63339118831039",
    "twogentlemenofverona.txt": "53f40375e388911699a92321eff4585ab391ecb45b0c64c0bca0389b0b767413",
    "various.txt": "b7a4796b4286450beddea68a41133c5c2a0dbd00b146bb23b0deb573a0a87ffc",
    "venusandadonis.txt": "ed019d11b26de8676dc7760e927975136b9e43cdc84acbe45de030cd327accc0",
    "winterstale.txt": "9a1c8f6f73264b2bfb7e1b674cc2c8690da8c3eedffc911f28de7deec449d6cd",
}


SHAKESPEARE_CAP = 1_000_000  # bytes: the most read of one work from a mirror (the longest, hamlet.txt: 182,567)


def fetch_shakespeare(folder):
    """Make sure folder holds the 42 works of the talk's corpus, downloading the missing ones (each checked
    against its SHA-256 and written whole or not at all); the works already there are checked against their
    SHA-256 too, at each use (5 MB: a few hundredths of a second), so that an edited or damaged work is
    never trained on as the talk's. Returns the glob of the works."""
    missing = [name for name in SHAKESPEARE_SHA256 if not os.path.isfile(os.path.join(folder, name))]
    changed = [name for name in SHAKESPEARE_SHA256 if name not in missing and
               _sha256(os.path.join(folder, name)) != SHAKESPEARE_SHA256[name]]
    if changed:
        names = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise TextError(f"{folder}: {names} differ{'s' if len(changed) == 1 else ''} from the talk's corpus (SHA-256): "
                        "delete them to download them again, or pass --data FOLDER to train on texts of your own")
    if missing:
        what = "the complete works" if len(missing) == len(SHAKESPEARE_SHA256) else f"{len(missing)} missing works"
        print(f"Shakespeare: downloading {what} ({len(missing)} files) into {folder}", file=sys.stderr, flush=True)
        created = not os.path.isdir(folder)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise TextError(f"cannot create the corpus folder {folder}: {e.strerror}; "
                            "pass --data FOLDER with the text files to train on") from None
        mirrors = downloads.mirrors_from(SHAKESPEARE_MIRRORS_ENV_VAR, (SHAKESPEARE_SOURCE,))
        try:
            downloads.fetch_all(folder, missing, mirrors, {name: ("sha256", digest)
                                                          for name, digest in SHAKESPEARE_SHA256.items()},
                                cap=SHAKESPEARE_CAP)
        except downloads.DownloadError as e:
            if created and not os.listdir(folder):  # nothing left behind: not even the empty folder
                os.rmdir(folder)
            raise TextError(f"{e}. Offline? Put the 42 .txt files of the folder shakespeare/ of "
                            f"{SHAKESPEARE_REPOSITORY} into {folder}, or pass --data 'path/to/*.txt'") from None
    return os.path.join(folder, "*.txt")


MAX_CORPUS_FILES = 20_000  # --data: the most files a corpus may have (TensorFlow's whole Python source: ~3,000)


def _sha256(path):
    import hashlib
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError as e:
        raise TextError(f"cannot read {path} ({e.strerror}): check its permissions, or delete it to download "
                        "it again") from None


def corpus_files(pattern, flag="--data"):
    """The files of --data, sorted: a glob ('**' matches folders at any depth), or a folder: every file
    under it, at any depth (hidden ones left out)."""
    path = os.path.expanduser(pattern)
    too_many = (f"{flag} {pattern}: more than {MAX_CORPUS_FILES:,} files: a corpus is a few folders of text, not "
                "a whole disk; pass a narrower folder, or a glob such as 'src/**/*.py' (quoted)")
    if os.path.isdir(path):
        files = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))  # hidden folders left out (.git)
            files += [os.path.join(folder, name) for name in names if not name.startswith(".")]
            if len(files) > MAX_CORPUS_FILES:  # said as soon as it is known, not after walking a whole disk
                raise TextError(too_many)
        files.sort()
        if not files:
            raise TextError(f"{flag} {pattern}: this folder is empty; pass a folder of text files, or a glob "
                            f"such as {flag} 'shakespeare/*.txt' (quoted)")
        return files
    files = []
    for p in glob.iglob(path, recursive=True):
        if os.path.isfile(p):
            files.append(p)
            if len(files) > MAX_CORPUS_FILES:
                raise TextError(too_many)
    files.sort()
    if not files:
        raise TextError(f"no file matches {flag} {pattern!r}: pass a glob of text files, "
                        f"for example {flag} 'shakespeare/*.txt' or {flag} 'src/**/*.py' (quoted), or their folder")
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
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
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


def printable(codes, symbols=SYMBOLS):
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
        lines.append(f"{k:3d} {books[k][:14]:<14} {bar} {printable(x[k], symbols)} {bar} "
                     f"{printable(predicted[k], symbols)} {bar} loss: {losses[k]:.4f}")
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
