"""Shared test fixtures: the project on sys.path, headless matplotlib, small synthetic MNIST files, a tiny RNN run."""

import glob
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
os.environ["MPLBACKEND"] = "Agg"  # tests never open windows

import mnist_data  # noqa: E402


def real_mnist_dir():
    """The real MNIST folder, or None when absent: $MNIST_DATA_DIR, else data/mnist/ beside the scripts
    (where the README tells users to put it), else ../shared/data/mnist (the developers' and CI's copy)."""
    for folder in (
        os.environ.get("MNIST_DATA_DIR"),
        mnist_data.DEFAULT_DATA_DIR,
        os.path.join(PROJECT_DIR, "..", "shared", "data", "mnist"),
    ):
        if folder and all(mnist_data.find_file(folder, name) for name in mnist_data.FILES):
            return os.path.abspath(folder)
    return None


def real_shakespeare_glob():
    """A glob of the real Shakespeare corpus, or None when absent: $SHAKESPEARE_DATA, else
    data/shakespeare/*.txt beside the scripts (the README's place), else ../shared/data/shakespeare/*.txt."""
    for pattern in (
        os.environ.get("SHAKESPEARE_DATA"),
        os.path.join(PROJECT_DIR, "data", "shakespeare", "*.txt"),
        os.path.join(PROJECT_DIR, "..", "shared", "data", "shakespeare", "*.txt"),
    ):
        if pattern and len(glob.glob(pattern)) >= 5:
            return pattern
    return None


def synthetic_digits(count, seed):
    """count 28x28 uint8 images of 10 easy classes (a bright bar whose position is the class) plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.uint8)
    images = (rng.random((count, 28, 28)) * 60).astype(np.uint8)
    for i, label in enumerate(labels):
        row = 2 + 2 * label + rng.integers(0, 2)
        images[i, row : row + 2, 4:24] = 255
    return images, labels


def write_mnist(folder, train_count=600, test_count=200, gz=True, random_labels=False):
    """The four MNIST files of a synthetic set in folder; random_labels: labels that nothing can learn."""
    os.makedirs(folder, exist_ok=True)
    suffix = ".gz" if gz else ""
    train_images, train_labels = synthetic_digits(train_count, seed=1)
    test_images, test_labels = synthetic_digits(test_count, seed=2)
    if random_labels:
        rng = np.random.default_rng(3)
        train_labels, test_labels = rng.integers(0, 10, train_count), rng.integers(0, 10, test_count)
    for name, array in (
        (mnist_data.TRAIN_IMAGES, train_images),
        (mnist_data.TRAIN_LABELS, train_labels),
        (mnist_data.TEST_IMAGES, test_images),
        (mnist_data.TEST_LABELS, test_labels),
    ):
        mnist_data.write_idx(os.path.join(folder, name + suffix), array)
    return folder


@pytest.fixture
def synthetic_mnist(tmp_path):
    return write_mnist(str(tmp_path / "mnist"))


@pytest.fixture(scope="session")
def lesson_data_dir(tmp_path_factory):
    """Real MNIST when present, else a small synthetic set (shared by the lesson smoke runs)."""
    return real_mnist_dir() or write_mnist(str(tmp_path_factory.mktemp("mnist")), train_count=2000, test_count=500)


# ---------------------------------------------------------------- a local HTTP server, for real downloads
class LocalServer:
    """A local HTTP server: paths map to (status, body, declared length). body: bytes, or a function that
    writes the body itself to the socket's file (a mirror that streams, or trickles), with no Content-Length
    unless one is declared."""

    def __init__(self):
        self.routes = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body, length = routes.get(self.path, (404, b"not found", None))
                self.send_response(status)
                if length is not None or not callable(body):
                    self.send_header("Content-Length", str(length if length is not None else len(body)))
                self.end_headers()
                try:
                    body(self.wfile) if callable(body) else self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: what a test expects
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


def run_script(script, *flags, env=None, timeout=300, cwd=PROJECT_DIR):
    """Run a project script headless (no display, no download: nothing listens on port 9), returning the
    CompletedProcess. env: variables to set, or to remove where the value is None."""
    environment = dict(
        os.environ, MPLBACKEND="Agg", MNIST_MIRRORS="http://127.0.0.1:9/", SHAKESPEARE_MIRRORS="http://127.0.0.1:9/"
    )
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, os.path.join(PROJECT_DIR, script), *flags],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture
def virtual_display():
    """A real X display (Xvfb, on a display number no one uses, ready when given) for a real Tk window;
    skips where Xvfb or Tk is missing."""
    import shutil

    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt install xvfb)")
    pytest.importorskip("tkinter")
    sys.path.insert(0, os.path.join(PROJECT_DIR, "benchmarks"))
    import screen_pictures

    display, server = screen_pictures.start_xvfb()
    yield display
    server.terminate()
    server.wait(timeout=10)


def interrupt_after(line_start, script, *flags, env=None, before_ctrl_c=None, timeout=120, signal_number=None):
    """Run a project script, wait for an output line starting with line_start, call before_ctrl_c() if
    given, press Ctrl-C (SIGINT, or send signal_number), and return (exit code, stdout after that line, stderr)."""
    import signal

    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    environment.pop("DISPLAY", None)
    environment.update(env or {})
    process = subprocess.Popen(
        [sys.executable, os.path.join(PROJECT_DIR, script), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    for line in process.stdout:
        if line.startswith(line_start):
            break
    if before_ctrl_c is not None:
        before_ctrl_c()
    process.send_signal(signal_number or signal.SIGINT)
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


# ---------------------------------------------------------------- the RNN: a tiny model on a small text
# (tests/test_rnn_*.py, and the RNN's part of test_careless_user.py): 2 layers of 32 units, sequences of 10
TINY_BATCH = ["--seqlen", "10", "--batch-size", "8"]  # what --resume does not read from hparams.json
TINY = ["--internal-size", "32", "--layers", "2", *TINY_BATCH]
VERSE = (
    "ROMEO:\n\tBut soft, what light through yonder window breaks?\n"
    "JULIET:\n\tO Romeo, Romeo, wherefore art thou Romeo?\n"
)


@pytest.fixture(scope="session")
def text_glob(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    for i in range(6):
        (folder / f"work{i}.txt").write_text(VERSE * 20)
    return str(folder / "*.txt")


@pytest.fixture(scope="session")
def trained(text_glob, tmp_path_factory):
    """A run of 60 steps, checkpoints every 10 (20 to 60 kept), shared by the RNN tests of every file: tests that
    change it work on a copy."""
    folder = tmp_path_factory.mktemp("run")
    checkpoints, logs = str(folder / "checkpoints"), str(folder / "log")
    result = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY,
        "--learning-rate",
        "0.01",
        "--steps",
        "60",
        "--report-every",
        "20",
        "--checkpoint-every",
        "10",
        "--checkpoint-dir",
        checkpoints,
        "--log-dir",
        logs,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return checkpoints, logs, result


def checkpoint_steps(folder):
    """The steps of the checkpoints in a folder, in order."""
    return sorted(
        int(re.fullmatch(r"rnn_train-(\d+)\.index", name).group(1))
        for name in os.listdir(folder)
        if name.endswith(".index")
    )


def copy_with_absolute_paths(checkpoints, destination):
    """A copy of a checkpoint folder whose TensorFlow `checkpoint` file holds absolute paths into the copy,
    as rnn_train wrote them before it saved relative ones (the folders users already have)."""
    shutil.copytree(checkpoints, destination)
    steps = checkpoint_steps(destination)
    lines = [f'model_checkpoint_path: "{destination}/rnn_train-{steps[-1]}"']
    lines += [f'all_model_checkpoint_paths: "{destination}/rnn_train-{step}"' for step in steps]
    with open(os.path.join(destination, "checkpoint"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return str(destination)


def damage_checkpoint(prefix, how):
    """A checkpoint's .data file missing, truncated (a run killed while it saved), or corrupt."""
    data = prefix + ".data-00000-of-00001"
    if how == "missing":
        os.remove(data)
    elif how == "truncated":
        os.truncate(data, os.path.getsize(data) // 2)
    else:  # corrupt: one byte changed in the middle
        with open(data, "r+b") as f:
            f.seek(os.path.getsize(data) // 2)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))


def run_with_encoding(encoding, script, *flags):
    """run_script() with stdout and stderr in `encoding`, as on a Windows (cp1252) or ASCII-only terminal."""
    result = subprocess.run(
        [sys.executable, os.path.join(PROJECT_DIR, script), *flags],
        capture_output=True,
        env=dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING=encoding),
        timeout=300,
    )
    result.stdout, result.stderr = result.stdout.decode(encoding), result.stderr.decode(encoding)
    return result
