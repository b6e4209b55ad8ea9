"""MNIST for the lessons: find the four standard files, download them if missing, check them, parse them.

    import mnist_data
    mnist = mnist_data.read_data_sets("data/mnist")         # or read_data_sets() for the default folder
    mnist.train.images    # float32 [60000, 28, 28, 1], pixel values in [0, 1]
    mnist.train.labels    # float32 [60000, 10] one-hot (integer labels with one_hot=False)
    batch_X, batch_Y = mnist.train.next_batch(100)

The data folder is, in order: the `data_dir` argument (the lessons' --data-dir flag), the environment
variable MNIST_DATA_DIR, or data/mnist/ beside this file, so a lesson finds its data from any folder.
Each file may be stored gzip-compressed (.gz) or uncompressed. Files found on disk are checked by their
IDX headers and sizes, and a file of the official size by the checksum of its content, so that another
data set with the same file names (Fashion-MNIST, say) or a damaged copy is refused, not trained on.
Downloads are checked against the official MD5 checksums and written atomically, so an interrupted or
failed download never leaves a partial file behind.

Anything wrong raises DataError, whose message is one line naming the file and what to do.
"""

import gzip
import hashlib
import os
import sys
import zlib

import numpy as np

import downloads

ENV_VAR = "MNIST_DATA_DIR"
DEFAULT_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mnist")

# The four standard files, and the MD5 checksums of their official .gz downloads.
TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
OFFICIAL_MD5 = {
    TRAIN_IMAGES + ".gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    TRAIN_LABELS + ".gz": "d53e105ee54ea40749a09fcbcd1e9432",
    TEST_IMAGES + ".gz": "9fb629c4189551a2d022fa330f9573f3",
    TEST_LABELS + ".gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
OFFICIAL_GZ_SIZE = {  # the official .gz files' sizes in bytes, by their MD5: no mirror is read beyond them
    "f68b3c2dcbeaaa9fbdd348bbdeb94873": 9912422,
    "d53e105ee54ea40749a09fcbcd1e9432": 28881,
    "9fb629c4189551a2d022fa330f9573f3": 1648877,
    "ec29112dd5afa0611ce80d1b7f02629c": 4542,
}
# Public mirrors, tried in order (the environment variable MNIST_MIRRORS, comma-separated base URLs, overrides).
MIRRORS_ENV_VAR = "MNIST_MIRRORS"
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# The official files' content (uncompressed IDX: a .gz on disk may be compressed differently, its content
# must be the same): item counts and SHA-256 checksums.
OFFICIAL_COUNT = {TRAIN_IMAGES: 60000, TRAIN_LABELS: 60000, TEST_IMAGES: 10000, TEST_LABELS: 10000}
OFFICIAL_SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

IMAGES_MAGIC = 0x00000803  # IDX: unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # IDX: unsigned bytes, 1 dimension (count)
IMAGE_SIZE = 28


class DataError(Exception):
    """A data file is missing, corrupt or could not be fetched. The message is one line for the user."""


def data_dir_from(data_dir=None):
    """The folder to use: the argument, else $MNIST_DATA_DIR, else data/mnist/ beside the scripts."""
    return os.path.abspath(os.path.expanduser(data_dir or os.environ.get(ENV_VAR) or DEFAULT_DATA_DIR))


# ---------------------------------------------------------------------------------------------
# Parsing IDX files
# ---------------------------------------------------------------------------------------------


def _read_bytes(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        return gzip.decompress(raw) if path.endswith(".gz") else raw
    except PermissionError:
        raise DataError(
            f"cannot read {path}: permission denied. Make it readable (chmod a+r), "
            "or point --data-dir at a copy you can read."
        ) from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"cannot read {path}: {e}. Delete it and run again to download a fresh copy.") from None


def _parse(data, path, magic):
    """The uint8 array of the IDX content `data` (read from path), checking its magic number and size."""
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{path} is truncated ({len(data)} bytes, not even an IDX header). "
            "Delete it and run again to download a fresh copy."
        )
    found_magic = int.from_bytes(data[0:4], "big")
    if found_magic != magic:
        raise DataError(
            f"{path} is not an MNIST {'image' if ndim == 3 else 'label'} file "
            f"(magic number {found_magic:#010x}, expected {magic:#010x}). "
            "Delete it and run again to download a fresh copy."
        )
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if ndim == 3 and dims[1:] != [IMAGE_SIZE, IMAGE_SIZE]:
        raise DataError(f"{path} holds {dims[1]}x{dims[2]} images, expected 28x28.")
    expected = header_size + int(np.prod(dims))
    if len(data) != expected:
        raise DataError(
            f"{path} is truncated or corrupt ({len(data)} bytes of data, expected {expected} "
            f"for {dims[0]} items). Delete it and run again to download a fresh copy."
        )
    if dims[0] == 0:
        raise DataError(f"{path} holds no items. Delete it and run again to download a fresh copy.")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims)


def _magic(name):
    return IMAGES_MAGIC if "images" in name else LABELS_MAGIC


def find_file(data_dir, name):
    """Path of `name` or `name.gz` in data_dir, or None."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    return None


class _Loaded:
    """One file read from disk: its path, its array, and whether its content is the official one."""

    def __init__(self, path, name):
        data = _read_bytes(path)
        self.path = path
        self.array = _parse(data, path, _magic(name))
        self.official = hashlib.sha256(data).hexdigest() == OFFICIAL_SHA256[name]
        self.claims_official = len(self.array) == OFFICIAL_COUNT[name]


def load_file(data_dir, name):
    """The checked array of one of the four files, from `name` or `name.gz` in data_dir, and its path.

    When both exist, the one whose content is the official file is used, and the line printed says so.
    A file of the official size whose content is not the official one is refused (DataError).
    """
    paths = [os.path.join(data_dir, n) for n in (name, name + ".gz") if os.path.isfile(os.path.join(data_dir, n))]
    loaded, errors = [], []
    for path in paths:
        try:
            loaded.append(_Loaded(path, name))
        except DataError as e:
            errors.append(e)
    if not loaded:
        raise errors[0]
    # prefer the official content, then the newest file
    loaded.sort(key=lambda f: (f.official, os.path.getmtime(f.path)), reverse=True)
    chosen = loaded[0]
    if len(paths) == 2:
        other = paths[1] if chosen.path == paths[0] else paths[0]
        if len(loaded) == 1 or not loaded[1].official or not chosen.official:
            why = "the official content" if chosen.official else "the newer one"
            print(
                f"MNIST: both {os.path.basename(paths[0])} and {os.path.basename(paths[1])} are in {data_dir} "
                f"and differ: using {os.path.basename(chosen.path)} ({why}); delete {other}",
                file=sys.stderr,
            )
    if chosen.claims_official and not chosen.official:
        raise DataError(
            f"{chosen.path} has the size of the official MNIST file but not its content (SHA-256 "
            "differs): another data set with the same file name, or a damaged copy. Delete it and run "
            "again to download the official file."
        )
    return chosen.array, chosen.path


# ---------------------------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------------------------


def mirrors_from_environment():
    return downloads.mirrors_from(MIRRORS_ENV_VAR, MIRRORS)


def download(data_dir, names=FILES, mirrors=None, checksums=OFFICIAL_MD5, timeout=30):
    """Download the .gz of each name in `names` into data_dir, trying each mirror in order."""
    mirrors = mirrors or mirrors_from_environment()
    created = not os.path.isdir(data_dir)
    try:
        os.makedirs(data_dir, exist_ok=True)
    except OSError as e:
        raise DataError(
            f"cannot create the data folder {data_dir}: {e.strerror}. "
            "Pass --data-dir (or set MNIST_DATA_DIR) to a folder you can write to."
        ) from None
    try:
        downloads.fetch_all(
            data_dir,
            [name + ".gz" for name in names],
            mirrors,
            {name: ("md5", md5) for name, md5 in checksums.items()},
            timeout,
            sizes={name: OFFICIAL_GZ_SIZE[md5] for name, md5 in checksums.items() if md5 in OFFICIAL_GZ_SIZE},
        )
    except downloads.DownloadError as e:
        if created and not os.listdir(data_dir):  # nothing left behind: not even the empty folder
            os.rmdir(data_dir)
        raise DataError(
            f"{e}. Offline? Put the four MNIST files "
            f"({', '.join(FILES)}, .gz or uncompressed) in {data_dir}, "
            f"or point --data-dir / {ENV_VAR} at a folder that has them."
        ) from None


# ---------------------------------------------------------------------------------------------
# Data sets and mini-batches
# ---------------------------------------------------------------------------------------------


class DataSet:
    """Images and labels, with next_batch() walking them in a new random order each epoch."""

    def __init__(self, images, labels, seed=0):
        self.images = images
        self.labels = labels
        self.epoch = 0
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(images))
        self._position = 0

    def __len__(self):
        return len(self.images)

    def next_batch(self, batch_size):
        """The next batch_size (images, labels); reshuffles (and starts a new epoch) when the epoch runs out."""
        if batch_size > len(self):
            raise ValueError(f"batch size {batch_size} is larger than the data set ({len(self)} items)")
        if self._position + batch_size > len(self):
            self.epoch += 1
            self._order = self._rng.permutation(len(self))
            self._position = 0
        indices = self._order[self._position : self._position + batch_size]
        self._position += batch_size
        return self.images[indices], self.labels[indices]


class Datasets:
    def __init__(self, train, test):
        self.train = train
        self.test = test


def _prepare(images, labels, one_hot, flatten):
    images = images.astype(np.float32) / 255.0  # [N, 28, 28] in [0, 1]
    images = images.reshape(len(images), -1) if flatten else images[..., np.newaxis]  # [N, 784] or [N, 28, 28, 1]
    if one_hot:
        labels = np.eye(10, dtype=np.float32)[labels]  # [N, 10]
    else:
        labels = labels.astype(np.int64)  # [N]
    return images, labels


def read_data_sets(data_dir=None, one_hot=True, flatten=False, seed=0, allow_download=True):
    """The MNIST training set (60,000 digits) and test set (10,000 digits), downloading them if needed."""
    data_dir = data_dir_from(data_dir)
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise DataError(
            f"{data_dir} is a file, not a folder: point --data-dir / {ENV_VAR} at the folder that holds "
            f"the four MNIST files ({', '.join(FILES)}, .gz or uncompressed)"
        )
    missing = [name for name in FILES if find_file(data_dir, name) is None]
    if missing:
        if not allow_download:
            raise DataError(
                f"MNIST files missing in {data_dir}: {', '.join(missing)} (.gz or uncompressed). "
                f"Put them there, or point --data-dir / {ENV_VAR} at a folder that has them."
            )
        print(f"MNIST: downloading {len(missing)} file(s) into {data_dir}", file=sys.stderr)
        download(data_dir, missing)
    arrays, paths = {}, {}
    for name in FILES:
        arrays[name], paths[name] = load_file(data_dir, name)
    for images_name, labels_name in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        images, labels = arrays[images_name], arrays[labels_name]
        if len(images) != len(labels):
            raise DataError(
                f"{paths[images_name]} holds {len(images)} images but {paths[labels_name]} holds "
                f"{len(labels)} labels. Delete both and run again to download fresh copies."
            )
        if labels.max() > 9:
            raise DataError(
                f"{paths[labels_name]} holds a label {labels.max()}, "
                "MNIST labels are 0-9. Delete it and run again to download a fresh copy."
            )
    counts = (len(arrays[TRAIN_IMAGES]), len(arrays[TEST_IMAGES]))
    if counts != (OFFICIAL_COUNT[TRAIN_IMAGES], OFFICIAL_COUNT[TEST_IMAGES]):
        print(
            f"MNIST: {data_dir} holds {counts[0]:,} training and {counts[1]:,} test digits, not the official "
            "60,000 and 10,000: using them as they are",
            file=sys.stderr,
        )
    train = DataSet(*_prepare(arrays[TRAIN_IMAGES], arrays[TRAIN_LABELS], one_hot, flatten), seed=seed)
    test = DataSet(*_prepare(arrays[TEST_IMAGES], arrays[TEST_LABELS], one_hot, flatten), seed=seed)
    return Datasets(train, test)


def write_idx(path, array):
    """Write a uint8 array as an IDX file (gzip-compressed if path ends in .gz). Used by the tests."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    with open(path, "wb") as f:
        f.write(gzip.compress(data, compresslevel=1) if path.endswith(".gz") else data)
