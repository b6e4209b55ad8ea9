"""The text the RNN trains on, as mnist_data.py is MNIST's: the talk's corpus (the complete works of Shakespeare)
found, downloaded and verified, or texts of one's own; read into a training text and a held-out validation text.

    import shakespeare_data
    pattern = shakespeare_data.find_corpus(args.data)   # --data, else $SHAKESPEARE_DATA, else the talk's corpus
    corpus = shakespeare_data.read_corpus(pattern)      # corpus.train, corpus.validation: arrays of codes

The talk's corpus is 42 plain-text files, one per work, in data/shakespeare/ beside the scripts, downloaded on
first use; every work is checked against its SHA-256, the downloaded ones and those already there. Other texts
(--data 'src/**/*.py', or a folder) are read as they are: files that are not UTF-8 text are skipped, characters
outside the alphabet read as its unknown code (txtutils). Anything wrong raises txtutils.TextError, whose message
is one line saying what to do.
"""

import collections
import glob
import hashlib
import os
import sys

import numpy as np

import downloads
from txtutils import UNKNOWN, TextError, can_show, encode_array

DEFAULT_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "shakespeare")
DATA_ENV_VAR = "SHAKESPEARE_DATA"  # a glob of the corpus's files, instead of data/shakespeare/
MAX_CORPUS_FILES = 20_000  # --data: the most files a corpus may have (TensorFlow's whole Python source: ~3,000)


def find_corpus(data=None):
    """The corpus to read: data (--data: a glob or a folder), else $SHAKESPEARE_DATA, else the talk's corpus in
    data/shakespeare/ (downloaded on first use, checked at every use)."""
    if data:
        return data
    pattern = os.environ.get(DATA_ENV_VAR)
    if pattern:
        try:
            corpus_files(pattern)
        except TextError:
            raise TextError(
                f"{DATA_ENV_VAR}={pattern} matches no file: point it at the corpus's text files, "
                "unset it to download the talk's corpus into data/shakespeare/, "
                "or pass --data 'path/to/*.txt'"
            ) from None
        return pattern
    return fetch(DEFAULT_DATA_DIR)


# ------------------------------------------------------------------------------------------------
# The talk's corpus, downloaded and checked
# ------------------------------------------------------------------------------------------------

# The complete works of Shakespeare, one plain-text file per work (public domain), as
# the talk's repository holds them at a fixed commit, with the SHA-256 of each file.
# SHAKESPEARE_MIRRORS (comma-separated base URLs, each holding the 42 files by name) replaces the source.
SOURCE = (
    "https://raw.githubusercontent.com/martin-gorner/tensorflow-rnn-shakespeare/"
    "25946cd6486e8a8f96d84edb200a8b8b6e961c27/shakespeare/"
)
REPOSITORY = "github.com/martin-gorner/tensorflow-rnn-shakespeare (commit 25946cd)"
MIRRORS_ENV_VAR = "SHAKESPEARE_MIRRORS"
SHA256 = {
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
DOWNLOAD_CAP = 1_000_000  # bytes: the most read of one work from a mirror (the longest, hamlet.txt: 182,567)


def fetch(folder):
    """Make sure folder holds the 42 works of the talk's corpus, downloading the missing ones (each checked
    against its SHA-256 and written whole or not at all); the works already there are checked against their
    SHA-256 too, at each use (5 MB: a few hundredths of a second), so that an edited or damaged work is
    never trained on as the talk's. Returns the glob of the works."""
    missing = [name for name in SHA256 if not os.path.isfile(os.path.join(folder, name))]
    changed = [name for name in SHA256 if name not in missing and _sha256(os.path.join(folder, name)) != SHA256[name]]
    if changed:
        names = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise TextError(
            f"{folder}: {names} differ{'s' if len(changed) == 1 else ''} from the talk's corpus (SHA-256): "
            "delete them to download them again, or pass --data FOLDER to train on texts of your own"
        )
    if missing:
        what = "the complete works" if len(missing) == len(SHA256) else f"{len(missing)} missing works"
        print(f"Shakespeare: downloading {what} ({len(missing)} files) into {folder}", file=sys.stderr, flush=True)
        created = not os.path.isdir(folder)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise TextError(
                f"cannot create the corpus folder {folder}: {e.strerror}; "
                "pass --data FOLDER with the text files to train on"
            ) from None
        mirrors = downloads.mirrors_from(MIRRORS_ENV_VAR, (SOURCE,))
        try:
            checksums = {name: ("sha256", digest) for name, digest in SHA256.items()}
            downloads.fetch_all(folder, missing, mirrors, checksums, cap=DOWNLOAD_CAP)
        except downloads.DownloadError as e:
            if created and not os.listdir(folder):  # nothing left behind: not even the empty folder
                os.rmdir(folder)
            raise TextError(
                f"{e}. Offline? Put the 42 .txt files of the folder shakespeare/ of "
                f"{REPOSITORY} into {folder}, or pass --data 'path/to/*.txt'"
            ) from None
    return os.path.join(folder, "*.txt")


def _sha256(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError as e:
        raise TextError(
            f"cannot read {path} ({e.strerror}): check its permissions, or delete it to download it again"
        ) from None


# ------------------------------------------------------------------------------------------------
# Any corpus: its files, read into a training and a validation text
# ------------------------------------------------------------------------------------------------


def corpus_files(pattern, flag="--data"):
    """The files of --data, sorted: a glob ('**' matches folders at any depth), or a folder: every file
    under it, at any depth (hidden ones left out)."""
    path = os.path.expanduser(pattern)
    too_many = (
        f"{flag} {pattern}: more than {MAX_CORPUS_FILES:,} files: a corpus is a few folders of text, not "
        "a whole disk; pass a narrower folder, or a glob such as 'src/**/*.py' (quoted)"
    )
    if os.path.isdir(path):
        files = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))  # hidden folders left out (.git)
            files += [os.path.join(folder, name) for name in names if not name.startswith(".")]
            if len(files) > MAX_CORPUS_FILES:  # said as soon as it is known, not after walking a whole disk
                raise TextError(too_many)
        files.sort()
        if not files:
            raise TextError(
                f"{flag} {pattern}: this folder is empty; pass a folder of text files, or a glob "
                f"such as {flag} 'shakespeare/*.txt' (quoted)"
            )
        return files
    files = []
    for p in glob.iglob(path, recursive=True):
        if os.path.isfile(p):
            files.append(p)
            if len(files) > MAX_CORPUS_FILES:
                raise TextError(too_many)
    files.sort()
    if not files:
        raise TextError(
            f"no file matches {flag} {pattern!r}: pass a glob of text files, "
            f"for example {flag} 'shakespeare/*.txt' or {flag} 'src/**/*.py' (quoted), or their folder"
        )
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
        common = ", ".join(
            f"{repr(char) if can_show(char, stream) else ascii(char)}: {count:,}"
            for char, count in corpus.unknown.most_common(examples)
        )
        more = ", ..." if len(corpus.unknown) > examples else ""
        parts.append(f"{total:,} characters outside the alphabet ({share}) are read as unknown ({common}{more})")
    if corpus.skipped:
        names = ", ".join(corpus.skipped[:3]) + (", ..." if len(corpus.skipped) > 3 else "")
        count = len(corpus.skipped)
        parts.append(f"{count} file{'s' if count > 1 else ''} skipped, not UTF-8 text ({names})")
    return "; ".join(parts) or None


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
        for _name, start, _end in books:
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
