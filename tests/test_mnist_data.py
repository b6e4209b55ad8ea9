"""mnist_data: IDX parsing, bad files, batches, and real downloads from a local HTTP server."""

import gzip
import hashlib
import os

import numpy as np
import pytest

import mnist_data
from conftest import real_mnist_dir, write_mnist


@pytest.mark.parametrize("gz", [True, False])
def test_reads_synthetic_files(tmp_path, gz):
    folder = write_mnist(str(tmp_path), train_count=300, test_count=50, gz=gz)
    mnist = mnist_data.read_data_sets(folder, allow_download=False)
    assert mnist.train.images.shape == (300, 28, 28, 1)
    assert mnist.train.images.dtype == np.float32
    assert 0.0 <= mnist.train.images.min() and mnist.train.images.max() == 1.0
    assert mnist.train.labels.shape == (300, 10)
    assert np.all(mnist.train.labels.sum(1) == 1)
    assert mnist.test.images.shape == (50, 28, 28, 1)


def test_flattened_integer_labels(synthetic_mnist):
    mnist = mnist_data.read_data_sets(synthetic_mnist, one_hot=False, flatten=True)
    assert mnist.train.images.shape == (600, 784)
    assert mnist.train.labels.dtype == np.int64 and mnist.train.labels.max() <= 9


def test_data_dir_from_environment(synthetic_mnist, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", synthetic_mnist)
    assert mnist_data.data_dir_from(None) == os.path.abspath(synthetic_mnist)
    assert mnist_data.data_dir_from("elsewhere") == os.path.abspath("elsewhere")


def test_real_mnist_sizes():
    folder = real_mnist_dir()
    if folder is None:
        pytest.skip("real MNIST absent (put it in data/mnist/, or set MNIST_DATA_DIR)")
    mnist = mnist_data.read_data_sets(folder, allow_download=False)
    assert len(mnist.train) == 60000 and len(mnist.test) == 10000


# ---------------------------------------------------------------- bad files
def _corrupt(folder, name, data):
    path = os.path.join(folder, name + ".gz")
    with open(path, "wb") as f:
        f.write(data)
    return path


def test_missing_files_without_download(tmp_path):
    with pytest.raises(mnist_data.DataError) as error:
        mnist_data.read_data_sets(str(tmp_path), allow_download=False)
    assert str(tmp_path) in str(error.value) and "train-images-idx3-ubyte" in str(error.value)


def test_missing_files_offline_names_folder_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/")  # nothing listens on port 9
    with pytest.raises(mnist_data.DataError) as error:
        mnist_data.read_data_sets(str(tmp_path / "new"))
    message = str(error.value)
    assert "\n" not in message
    assert str(tmp_path / "new") in message
    for name in mnist_data.FILES:
        assert name in message
    assert not os.path.exists(tmp_path / "new")  # no partial file, not even the folder it made


def test_corrupt_gzip_named(synthetic_mnist):
    path = _corrupt(synthetic_mnist, mnist_data.TRAIN_IMAGES, b"this is not gzip data at all")
    with pytest.raises(mnist_data.DataError, match=path):
        mnist_data.read_data_sets(synthetic_mnist)


def test_truncated_file_named(synthetic_mnist):
    path = os.path.join(synthetic_mnist, mnist_data.TEST_IMAGES + ".gz")
    data = gzip.decompress(open(path, "rb").read())
    _corrupt(synthetic_mnist, mnist_data.TEST_IMAGES, gzip.compress(data[:-100]))
    with pytest.raises(mnist_data.DataError, match="truncated") as error:
        mnist_data.read_data_sets(synthetic_mnist)
    assert path in str(error.value)


def test_wrong_magic_named(synthetic_mnist):
    # a label file where an image file should be
    labels = open(os.path.join(synthetic_mnist, mnist_data.TRAIN_LABELS + ".gz"), "rb").read()
    path = _corrupt(synthetic_mnist, mnist_data.TRAIN_IMAGES, labels)
    with pytest.raises(mnist_data.DataError, match="magic number") as error:
        mnist_data.read_data_sets(synthetic_mnist)
    assert path in str(error.value)


def test_count_mismatch_named(synthetic_mnist):
    mnist_data.write_idx(os.path.join(synthetic_mnist, mnist_data.TEST_LABELS + ".gz"), np.zeros(199, np.uint8))
    with pytest.raises(mnist_data.DataError, match="200 images but") as error:
        mnist_data.read_data_sets(synthetic_mnist)
    assert mnist_data.TEST_LABELS in str(error.value)


def test_raw_file_preferred_format_both_accepted(tmp_path):
    folder = write_mnist(str(tmp_path), gz=False)
    os.remove(os.path.join(folder, mnist_data.TEST_LABELS))
    mnist_data.write_idx(os.path.join(folder, mnist_data.TEST_LABELS + ".gz"), np.zeros(200, np.uint8))
    assert len(mnist_data.read_data_sets(folder).test) == 200


def test_empty_set_refused(synthetic_mnist):
    mnist_data.write_idx(os.path.join(synthetic_mnist, mnist_data.TEST_IMAGES + ".gz"), np.zeros((0, 28, 28)))
    mnist_data.write_idx(os.path.join(synthetic_mnist, mnist_data.TEST_LABELS + ".gz"), np.zeros(0))
    with pytest.raises(mnist_data.DataError, match="holds no items") as error:
        mnist_data.read_data_sets(synthetic_mnist, allow_download=False)
    assert mnist_data.TEST_IMAGES in str(error.value)


def test_unreadable_file_says_permission_not_download(synthetic_mnist, monkeypatch):
    path = os.path.join(synthetic_mnist, mnist_data.TRAIN_LABELS + ".gz")
    real_open = open

    def refusing_open(file, *args, **kwargs):  # what open() does on a file without read permission
        if file == path:
            raise PermissionError(13, "Permission denied", file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(mnist_data.DataError, match="permission denied") as error:
        mnist_data.read_data_sets(synthetic_mnist, allow_download=False)
    assert path in str(error.value) and "download" not in str(error.value)


def test_other_data_set_of_the_official_size_refused(synthetic_mnist):
    # labels of another data set in MNIST's files (Fashion-MNIST has the same names and sizes)
    labels = np.random.default_rng(0).integers(0, 10, 60000)
    path = os.path.join(synthetic_mnist, mnist_data.TRAIN_LABELS + ".gz")
    mnist_data.write_idx(path, labels)
    with pytest.raises(mnist_data.DataError, match="not its content") as error:
        mnist_data.read_data_sets(synthetic_mnist, allow_download=False)
    assert path in str(error.value)


def test_unofficial_sizes_used_and_said(synthetic_mnist, capsys):
    mnist_data.read_data_sets(synthetic_mnist, allow_download=False)
    assert "600 training and 200 test digits, not the official" in capsys.readouterr().err


def test_raw_and_gz_that_differ_newest_used_and_said(tmp_path, capsys):
    folder = write_mnist(str(tmp_path), train_count=300, test_count=50)
    stale = os.path.join(folder, mnist_data.TEST_LABELS)
    mnist_data.write_idx(stale, np.zeros(50, np.uint8))
    os.utime(stale, (1, 1))  # older than the .gz
    labels = mnist_data.read_data_sets(folder, one_hot=False, allow_download=False).test.labels
    assert labels.any()  # the .gz's labels, not the stale all-zero ones
    message = capsys.readouterr().err
    assert "differ: using t10k-labels-idx1-ubyte.gz (the newer one)" in message and stale in message


def test_official_file_preferred_over_a_stale_copy(tmp_path, capsys):
    folder = real_mnist_dir()
    if folder is None:
        pytest.skip("real MNIST absent (put it in data/mnist/, or set MNIST_DATA_DIR)")
    official = mnist_data.find_file(folder, mnist_data.TEST_LABELS)
    target = tmp_path / (mnist_data.TEST_LABELS + (".gz" if official.endswith(".gz") else ""))
    target.write_bytes(open(official, "rb").read())
    stale = tmp_path / (mnist_data.TEST_LABELS if official.endswith(".gz") else mnist_data.TEST_LABELS + ".gz")
    mnist_data.write_idx(str(stale), np.zeros(10000, np.uint8))  # newer, but not the official content
    labels, path = mnist_data.load_file(str(tmp_path), mnist_data.TEST_LABELS)
    assert path == str(target) and np.bincount(labels).min() > 800
    assert "(the official content)" in capsys.readouterr().err


# ---------------------------------------------------------------- batches
def test_each_epoch_is_a_permutation(synthetic_mnist):
    train = mnist_data.read_data_sets(synthetic_mnist, one_hot=False, seed=3).train
    ids = train.images.reshape(len(train), -1).sum(1)  # a fingerprint of each image
    for _ in range(3):
        epoch = np.concatenate([train.next_batch(100)[0].reshape(100, -1).sum(1) for _ in range(6)])
        assert sorted(epoch) == sorted(ids)
    assert train.epoch == 2


def test_same_seed_same_order(synthetic_mnist):
    def first_batches(seed):
        train = mnist_data.read_data_sets(synthetic_mnist, seed=seed).train
        return np.concatenate([train.next_batch(50)[1] for _ in range(20)])

    assert np.array_equal(first_batches(5), first_batches(5))
    assert not np.array_equal(first_batches(5), first_batches(6))


def test_batch_larger_than_data(synthetic_mnist):
    with pytest.raises(ValueError, match="larger than the data set"):
        mnist_data.read_data_sets(synthetic_mnist).test.next_batch(1000)


# ---------------------------------------------------------------- downloads, for real, over HTTP
@pytest.fixture
def source_files(tmp_path):
    """The four synthetic .gz files and their MD5 checksums, as a mirror would serve them."""
    folder = write_mnist(str(tmp_path / "source"), train_count=100, test_count=20)
    files = {name + ".gz": open(os.path.join(folder, name + ".gz"), "rb").read() for name in mnist_data.FILES}
    return files, {name: hashlib.md5(data).hexdigest() for name, data in files.items()}


def test_download_falls_back_to_second_mirror(tmp_path, server, source_files):
    files, checksums = source_files
    for name, data in files.items():
        server.routes[f"/good/{name}"] = (200, data, None)
    target = str(tmp_path / "data")
    mnist_data.download(
        target, mirrors=("http://127.0.0.1:9/", server.url + "/missing/", server.url + "/good/"), checksums=checksums
    )
    assert sorted(os.listdir(target)) == sorted(files)
    mnist = mnist_data.read_data_sets(target, allow_download=False)
    assert len(mnist.train) == 100


def test_download_checksum_mismatch_leaves_nothing(tmp_path, server, source_files):
    files, checksums = source_files
    name = mnist_data.TRAIN_LABELS + ".gz"
    server.routes[f"/bad/{name}"] = (200, files[name][:-1] + b"x", None)
    target = str(tmp_path / "data")
    with pytest.raises(mnist_data.DataError, match="checksum mismatch") as error:
        mnist_data.download(
            target, names=[mnist_data.TRAIN_LABELS], mirrors=(server.url + "/bad/",), checksums=checksums
        )
    assert name in str(error.value)
    assert not os.path.exists(target)  # no partial file, not even the folder it made


def test_download_cut_short_leaves_nothing_then_next_mirror_wins(tmp_path, server, source_files):
    files, checksums = source_files
    name = mnist_data.TRAIN_IMAGES + ".gz"
    data = files[name]
    server.routes[f"/cut/{name}"] = (200, data[: len(data) // 2], len(data))  # promises more than it sends
    target = str(tmp_path / "data")
    with pytest.raises(mnist_data.DataError):
        mnist_data.download(
            target, names=[mnist_data.TRAIN_IMAGES], mirrors=(server.url + "/cut/",), checksums=checksums, timeout=5
        )
    assert not os.path.exists(target)  # no partial file, not even the folder it made
    server.routes[f"/good/{name}"] = (200, data, None)
    mnist_data.download(
        target,
        names=[mnist_data.TRAIN_IMAGES],
        mirrors=(server.url + "/cut/", server.url + "/good/"),
        checksums=checksums,
        timeout=5,
    )
    assert open(os.path.join(target, name), "rb").read() == data


def test_read_data_sets_downloads_missing_files(tmp_path, server, source_files, monkeypatch):
    files, checksums = source_files
    for name, data in files.items():
        server.routes[f"/m/{name}"] = (200, data, None)
    monkeypatch.setenv("MNIST_MIRRORS", server.url + "/m/")
    monkeypatch.setattr(mnist_data, "OFFICIAL_MD5", checksums)
    monkeypatch.setattr(mnist_data.download, "__defaults__", (mnist_data.FILES, None, checksums, 30))
    mnist = mnist_data.read_data_sets(str(tmp_path / "fresh"))
    assert len(mnist.test) == 20
