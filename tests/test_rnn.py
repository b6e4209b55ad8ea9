"""rnn_train and rnn_play: a tiny model (2 layers of 32 units, sequences of 10) on a small text."""
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

from conftest import PROJECT_DIR, run_script

TINY = ["--internal-size", "32", "--layers", "2", "--seqlen", "10", "--batch-size", "8"]


@pytest.fixture(scope="module")
def text_glob(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    verse = ("ROMEO:\n\tBut soft, what light through yonder window breaks?\n"
             "JULIET:\n\tO Romeo, Romeo, wherefore art thou Romeo?\n")
    for i in range(6):
        (folder / f"work{i}.txt").write_text(verse * 20)
    return str(folder / "*.txt")


@pytest.fixture(scope="module")
def trained(text_glob, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    checkpoints, logs = str(folder / "checkpoints"), str(folder / "log")
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--learning-rate", "0.01", "--steps", "60",
                        "--report-every", "20", "--checkpoint-every", "1000", "--checkpoint-dir", checkpoints,
                        "--log-dir", logs)
    assert result.returncode == 0, result.stderr[-2000:]
    return checkpoints, logs, result


def _batch_losses(stdout):
    return [float(v) for v in re.findall(r"step \d+: batch loss ([0-9.]+)", stdout)]


def test_training_learns_and_saves(trained):
    checkpoints, logs, result = trained
    losses = _batch_losses(result.stdout)
    assert len(losses) == 3 and losses[-1] < losses[0] < np.log(98) + 0.5
    assert "validation: loss" in result.stdout and "chars/s" in result.stdout
    assert os.path.exists(os.path.join(checkpoints, "rnn_train-60.index"))
    assert os.path.exists(os.path.join(checkpoints, "hparams.json"))
    with np.load(os.path.join(checkpoints, "rnn_state.npz")) as saved:
        assert int(saved["step"]) == 60 and saved["state"].shape == (8, 2 * 32)
    runs = sorted(os.listdir(logs))
    assert len(runs) == 2 and runs[0].endswith("-training") and runs[1].endswith("-validation")


def test_resume_continues_the_step_counter(trained, text_glob):
    checkpoints, logs, _ = trained
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--steps", "10", "--report-every", "5",
                        "--checkpoint-dir", checkpoints, "--log-dir", logs, "--resume")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resumed from" in result.stdout and "at step 60, with its RNN state" in result.stdout
    assert "step 65:" in result.stdout
    assert os.path.exists(os.path.join(checkpoints, "rnn_train-70.index"))


def test_play_generates_exactly_length_characters(trained):
    checkpoints, _, _ = trained
    result = run_script("rnn_play.py", "--checkpoint", checkpoints, "--length", "500", "--prime", "ROMEO:",
                        "--seed", "3", "--width", "100000")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ROMEO:")
    assert len(result.stdout) == len("ROMEO:") + 500
    again = run_script("rnn_play.py", "--checkpoint", checkpoints, "--length", "500", "--prime", "ROMEO:",
                       "--seed", "3", "--width", "100000")
    assert again.stdout == result.stdout  # --seed makes it reproducible
    assert "chars/s" in result.stderr


def test_play_wraps_long_lines(trained):
    checkpoints, _, _ = trained
    result = run_script("rnn_play.py", "--checkpoint", os.path.join(checkpoints, "rnn_train-60"), "--length", "300",
                        "--topn", "5", "--seed", "1", "--width", "40")
    assert result.returncode == 0
    assert max(len(line.expandtabs(8)) for line in result.stdout.splitlines()) <= 40


def test_play_without_checkpoint(tmp_path):
    result = run_script("rnn_play.py", "--checkpoint", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: no checkpoint in {tmp_path}")


def test_play_mismatched_checkpoint(trained, tmp_path):
    checkpoints, _, _ = trained
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(checkpoints):
        data = open(os.path.join(checkpoints, name), "rb").read()
        if name == "hparams.json":
            data = data.replace(b'"internal_size": 32', b'"internal_size": 64')
        (copy / name).write_bytes(data)
    result = run_script("rnn_play.py", "--checkpoint", str(copy), "--length", "10")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "does not match" in result.stderr


def test_train_refuses_to_mix_runs(trained, text_glob):
    checkpoints, logs, _ = trained
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--steps", "1", "--checkpoint-dir", checkpoints)
    assert result.returncode == 1 and "--resume" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flags, message", [
    (["--data", "/nonexistent/*.txt"], "no file matches --data"),
    (["--batch-size", "5000"], "--batch-size 5000 x --seqlen 10"),
])
def test_train_bad_input(flags, message, text_glob, tmp_path):
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--checkpoint-dir", str(tmp_path / "c"), *flags)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_resume_without_checkpoint(text_glob, tmp_path):
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--resume", "--checkpoint-dir", str(tmp_path / "c"))
    assert result.returncode == 1 and "no checkpoint" in result.stderr


def test_ctrl_c_saves_a_checkpoint(text_glob, tmp_path):
    checkpoints = str(tmp_path / "c")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, os.path.join(PROJECT_DIR, "rnn_train.py"), "--data", text_glob,
                                *TINY, "--report-every", "5", "--checkpoint-every", "100000",
                                "--checkpoint-dir", checkpoints, "--log-dir", str(tmp_path / "l")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stdout:
        if "chars/s" in line:  # training is under way
            break
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert any(name.endswith(".index") for name in os.listdir(checkpoints))


def test_gru_cell_matches_the_equations():
    import rnn_train
    tf = rnn_train.tf
    rng = np.random.default_rng(0)
    with tf.Graph().as_default():
        layer = rnn_train.GRULayer("gru", 5, 4)
        x = tf.constant(rng.normal(size=(3, 5)).astype(np.float32))
        h = tf.constant(rng.normal(size=(3, 4)).astype(np.float32))
        new_h, _ = layer(tf.matmul(x, layer.W) + layer.b, h)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run([x, h, new_h, layer.W, layer.U_gates, layer.U_candidate, layer.b])
    x, h, new_h, W, U_gates, U_c, b = values
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    r = sigmoid(x @ W[:, :4] + h @ U_gates[:, :4] + b[:4])
    z = sigmoid(x @ W[:, 4:8] + h @ U_gates[:, 4:] + b[4:8])
    c = np.tanh(x @ W[:, 8:] + (r * h) @ U_c + b[8:])
    assert np.allclose(new_h, z * h + (1 - z) * c, atol=1e-5)


def test_train_without_corpus_says_what_to_pass(tmp_path):
    result = run_script("rnn_train.py", "--checkpoint-dir", str(tmp_path / "c"),
                        env={"SHAKESPEARE_DATA": str(tmp_path / "none" / "*.txt")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "no Shakespeare corpus" in last and "--data" in last
