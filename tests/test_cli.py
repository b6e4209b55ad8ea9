"""cli and graphmode: outputs checked before a run, files written whole or not at all, one-line errors."""

import os
import subprocess
import sys

import pytest

import cli
from conftest import PROJECT_DIR


def test_output_dir_created_and_checked(tmp_path):
    assert cli.check_output_dir(str(tmp_path / "new" / "runs"), "--runs-dir") == str(tmp_path / "new" / "runs")
    assert os.path.isdir(tmp_path / "new" / "runs") and os.listdir(tmp_path / "new" / "runs") == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(cli.UsageError, match=r"^--runs-dir .*file: .*is a file, not a folder"):
        cli.check_output_dir(str(tmp_path / "file"), "--runs-dir")
    with pytest.raises(cli.UsageError, match=r"^--log-dir .*file/log: cannot write"):
        cli.check_output_dir(str(tmp_path / "file" / "log"), "--log-dir")


def test_output_file_checked(tmp_path):
    assert cli.check_output_file(str(tmp_path / "a" / "b.png"), "--save-png") == str(tmp_path / "a" / "b.png")
    assert not os.path.exists(tmp_path / "a" / "b.png")  # checked, not written
    with pytest.raises(cli.UsageError, match="is a folder"):
        cli.check_output_file(str(tmp_path), "--save-png")


def test_atomic_output_whole_or_nothing(tmp_path):
    path = tmp_path / "summary.json"
    with cli.atomic_output(str(path)) as f:
        f.write("{}")
    assert path.read_text() == "{}"
    with pytest.raises(RuntimeError):
        with cli.atomic_output(str(path)) as f:
            f.write("half")
            raise RuntimeError("failed while writing")
    assert path.read_text() == "{}" and os.listdir(tmp_path) == ["summary.json"]
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~cli._umask()  # not the private mode of a temporary file


def test_no_tensorflow_says_what_to_do():
    # as on a Python that TensorFlow has no wheels for: importing it fails
    code = "import sys; sys.modules['tensorflow'] = None; import graphmode; graphmode.start_tensorflow()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot import TensorFlow")
    assert "requirements.txt" in lines[0]


def test_importing_changes_nothing_until_tensorflow_is_started():
    # importing graphmode, or the modules built on it, reads no flag, sets no environment variable, installs no
    # signal handler, loads no TensorFlow: start_tensorflow() does, once, and `tf` is then the started module
    code = """if True:
        import os, signal, sys
        sys.argv[1:] = ["--xla", "--tf-verbose"]
        handler = signal.getsignal(signal.SIGINT)
        import graphmode, mnist_lesson, compare_runs, tensorflowvisu
        from graphmode import tf
        assert "TF_XLA_FLAGS" not in os.environ and "tensorflow" not in sys.modules, "import did something"
        assert signal.getsignal(signal.SIGINT) is handler
        started = graphmode.start_tensorflow(["--xla"])
        assert os.environ["TF_XLA_FLAGS"] == graphmode.XLA_SETTINGS
        assert graphmode.start_tensorflow() is started and tf.Graph is started.Graph
        print("ok")
    """
    env = {k: v for k, v in os.environ.items() if k not in ("TF_XLA_FLAGS", "TF_VERBOSE")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR, env=env)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr[-2000:]
