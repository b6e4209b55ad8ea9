"""rnn_train and rnn_play: a tiny model (2 layers of 32 units, sequences of 10) on a small text."""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from cli import UsageError
from conftest import PROJECT_DIR, run_script

TINY_BATCH = ["--seqlen", "10", "--batch-size", "8"]  # what --resume does not read from hparams.json
TINY = ["--internal-size", "32", "--layers", "2", *TINY_BATCH]
VERSE = ("ROMEO:\n\tBut soft, what light through yonder window breaks?\n"
         "JULIET:\n\tO Romeo, Romeo, wherefore art thou Romeo?\n")


@pytest.fixture(scope="module")
def text_glob(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    for i in range(6):
        (folder / f"work{i}.txt").write_text(VERSE * 20)
    return str(folder / "*.txt")


@pytest.fixture(scope="module")
def trained(text_glob, tmp_path_factory):
    """A run of 60 steps, checkpoints every 10 (20 to 60 kept). Tests that change it work on a copy."""
    folder = tmp_path_factory.mktemp("run")
    checkpoints, logs = str(folder / "checkpoints"), str(folder / "log")
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--learning-rate", "0.01", "--steps", "60",
                        "--report-every", "20", "--checkpoint-every", "10", "--checkpoint-dir", checkpoints,
                        "--log-dir", logs)
    assert result.returncode == 0, result.stderr[-2000:]
    return checkpoints, logs, result


def _steps(folder):
    return sorted(int(re.fullmatch(r"rnn_train-(\d+)\.index", name).group(1))
                  for name in os.listdir(folder) if name.endswith(".index"))


def _copy_with_absolute_paths(checkpoints, destination):
    """A copy of a checkpoint folder whose TensorFlow `checkpoint` file holds absolute paths into the copy,
    as rnn_train wrote them before it saved relative ones (the folders users already have)."""
    shutil.copytree(checkpoints, destination)
    steps = _steps(destination)
    lines = [f'model_checkpoint_path: "{destination}/rnn_train-{steps[-1]}"']
    lines += [f'all_model_checkpoint_paths: "{destination}/rnn_train-{step}"' for step in steps]
    with open(os.path.join(destination, "checkpoint"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return str(destination)


def _batch_losses(stdout):
    return [float(v) for v in re.findall(r"step \d+: batch loss ([0-9.]+)", stdout)]


def test_training_learns_and_saves(trained):
    checkpoints, logs, result = trained
    losses = _batch_losses(result.stdout)
    assert len(losses) == 3 and losses[-1] < losses[0] < np.log(98) + 0.5
    assert "validation: loss" in result.stdout and "chars/s" in result.stdout
    assert _steps(checkpoints) == [20, 30, 40, 50, 60]  # the 5 newest
    assert os.path.exists(os.path.join(checkpoints, "hparams.json"))
    with open(os.path.join(checkpoints, "checkpoint")) as f:
        assert f.readline() == 'model_checkpoint_path: "rnn_train-60"\n'  # relative: the folder can move
    with np.load(os.path.join(checkpoints, "rnn_state.npz")) as saved:
        assert int(saved["step"]) == 60 and saved["state"].shape == (8, 2 * 32)
    runs = sorted(os.listdir(logs))
    assert len(runs) == 2 and runs[0].endswith("-training") and runs[1].endswith("-validation")


@pytest.mark.slow
def test_resume_in_a_copied_folder(trained, text_glob, tmp_path):
    """--resume continues the copy's own checkpoints (not the original's its `checkpoint` file names), takes
    the model's size from hparams.json, and keeps the 5 newest checkpoints as a fresh run does."""
    original = _copy_with_absolute_paths(trained[0], tmp_path / "original")
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    before = sorted(os.listdir(original))
    result = run_script("rnn_train.py", "--data", text_glob, *TINY_BATCH, "--steps", "10", "--report-every", "5",
                        "--checkpoint-every", "5", "--checkpoint-dir", copy, "--log-dir", str(tmp_path / "log"),
                        "--resume")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"resumed from {copy}/rnn_train-60 at step 60, with its RNN state" in result.stdout
    assert "step 65:" in result.stdout
    assert _steps(copy) == [40, 50, 60, 65, 70]
    assert sorted(os.listdir(original)) == before


@pytest.mark.slow
def test_play_in_a_copied_folder(trained, tmp_path):
    original = _copy_with_absolute_paths(trained[0], tmp_path / "original")
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"[{copy}/rnn_train-60:" in result.stderr  # the copy's weights, not the original's


@pytest.mark.slow
def test_play_in_a_moved_folder(trained, tmp_path):
    moved = str(tmp_path / "moved")
    os.rename(_copy_with_absolute_paths(trained[0], tmp_path / "before"), moved)
    result = run_script("rnn_play.py", "--checkpoint", moved, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"[{moved}/rnn_train-60:" in result.stderr


def test_train_in_a_moved_folder(trained, text_glob, tmp_path):
    """A moved folder still holds its run: --resume finds it, and a plain run does not start over in it."""
    import rnn_train
    moved = str(tmp_path / "moved")
    os.rename(_copy_with_absolute_paths(trained[0], tmp_path / "before"), moved)
    args = rnn_train.parse_args(["--data", text_glob, *TINY_BATCH, "--resume", "--checkpoint-dir", moved])
    assert rnn_train.resume_or_refuse(args)[0] == f"{moved}/rnn_train-60"
    with pytest.raises(UsageError, match="already holds a training run: pass --resume"):
        rnn_train.main(["--data", text_glob, *TINY, "--checkpoint-dir", moved, "--log-dir", str(tmp_path / "log")])


def test_resume_rejects_another_model_size(trained, text_glob, tmp_path):
    import rnn_train
    with pytest.raises(UsageError, match="have --layers 2, not 3: leave --layers out"):
        rnn_train.main(["--data", text_glob, "--resume", "--layers", "3", "--checkpoint-dir", trained[0],
                        "--log-dir", str(tmp_path / "log")])


def _damage(prefix, how):
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


@pytest.mark.parametrize("how, problem", [("missing", "its .data file is missing"),
                                          ("truncated", "its .data file is truncated"),
                                          ("corrupt", "it is damaged")])
def test_damaged_checkpoint_is_recognised(how, problem, trained, tmp_path):
    import rnn_checkpoints
    copy = shutil.copytree(trained[0], tmp_path / "copy")
    assert rnn_checkpoints.problem(str(copy / "rnn_train-60")) is None
    _damage(str(copy / "rnn_train-60"), how)
    assert rnn_checkpoints.problem(str(copy / "rnn_train-60")).startswith(problem)


@pytest.mark.slow
def test_play_falls_back_to_the_newest_complete_checkpoint(trained, tmp_path):
    copy = str(shutil.copytree(trained[0], tmp_path / "copy"))
    _damage(os.path.join(copy, "rnn_train-60"), "truncated")  # a run killed while it saved
    _damage(os.path.join(copy, "rnn_train-50"), "missing")
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: cannot load rnn_train-60 (its .data file is truncated), rnn_train-50 (its .data "
                        "file is missing): using rnn_train-40, the newest complete checkpoint"]
    assert f"[{copy}/rnn_train-40:" in result.stderr


def test_no_complete_checkpoint_left(trained, text_glob, tmp_path):
    import rnn_train
    copy = str(shutil.copytree(trained[0], tmp_path / "copy"))
    for step in _steps(copy):
        _damage(os.path.join(copy, f"rnn_train-{step}"), "truncated")
    message = (f"no complete checkpoint in {copy}: rnn_train-60 cannot be loaded (its .data file is truncated), "
               "nor the 4 older ones; train a new model with rnn_train.py --checkpoint-dir NEW_FOLDER")
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: " + message]
    with pytest.raises(UsageError) as error:  # rnn_train --resume: the same, before building the model
        rnn_train.main(["--data", text_glob, *TINY_BATCH, "--resume", "--checkpoint-dir", copy,
                        "--log-dir", str(tmp_path / "log")])
    assert str(error.value) == message


def test_play_damaged_checkpoint_named_on_the_command_line(trained, tmp_path):
    import rnn_checkpoints
    copy = shutil.copytree(trained[0], tmp_path / "copy")
    _damage(str(copy / "rnn_train-60"), "corrupt")
    with pytest.raises(UsageError, match="rnn_train-60 cannot be loaded \\(it is damaged"):
        rnn_checkpoints.for_playing(str(copy / "rnn_train-60"))


@pytest.mark.slow
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


@pytest.mark.slow
def test_play_wraps_long_lines(trained):
    checkpoints, _, _ = trained
    result = run_script("rnn_play.py", "--checkpoint", os.path.join(checkpoints, "rnn_train-60"), "--length", "300",
                        "--topn", "5", "--seed", "1", "--width", "40")
    assert result.returncode == 0
    assert max(len(line.expandtabs(8)) for line in result.stdout.splitlines()) <= 40


@pytest.mark.slow
def test_play_into_a_closed_pipe(trained):
    """python rnn_play.py | head -3: when the reader goes, rnn_play ends quietly."""
    process = subprocess.Popen([sys.executable, os.path.join(PROJECT_DIR, "rnn_play.py"), "--checkpoint", trained[0]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(300)
    process.stdout.close()
    stderr = process.communicate(timeout=120)[1].decode()
    assert process.returncode in (0, 1), stderr
    assert stderr.strip().splitlines() == [f"[{trained[0]}/rnn_train-60: 2 layers of 32 units]",  # no traceback
                                           "[generating with the loop XLA compiles (a second to compile; --no-xla: "
                                           "op by op)]"]


def _run_with_encoding(encoding, script, *flags):
    """run_script() with stdout and stderr in `encoding`, as on a Windows (cp1252) or ASCII-only terminal."""
    result = subprocess.run([sys.executable, os.path.join(PROJECT_DIR, script), *flags], capture_output=True,
                            env=dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING=encoding), timeout=300)
    result.stdout, result.stderr = result.stdout.decode(encoding), result.stderr.decode(encoding)
    return result


@pytest.mark.slow
def test_play_on_an_ascii_terminal(trained):
    result = _run_with_encoding("ascii", "rnn_play.py", "--checkpoint", trained[0], "--length", "50",
                                "--prime", "\u2603 ROMEO:")  # a snowman: in neither encoding
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("? ROMEO:")


def test_play_width_must_be_positive(capsys):
    import rnn_play
    with pytest.raises(SystemExit) as exit:
        rnn_play.parse_args(["--width", "-3"])
    assert exit.value.code == 2 and "--width" in capsys.readouterr().err


def test_play_without_checkpoint(tmp_path):
    result = run_script("rnn_play.py", "--checkpoint", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: no checkpoint in {tmp_path}")


@pytest.mark.slow
def test_play_mismatched_checkpoint(trained, tmp_path):
    checkpoints, _, _ = trained
    copy = shutil.copytree(checkpoints, tmp_path / "copy")
    hparams = copy / "hparams.json"
    hparams.write_text(hparams.read_text().replace('"internal_size": 32', '"internal_size": 64'))
    result = run_script("rnn_play.py", "--checkpoint", str(copy), "--length", "10")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "does not match" in result.stderr


def test_train_refuses_to_mix_runs(trained, text_glob):
    checkpoints, logs, _ = trained
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--steps", "1", "--checkpoint-dir", checkpoints)
    assert result.returncode == 1 and "--resume" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # a TensorFlow process each (7 s): python -m pytest -m slow
@pytest.mark.parametrize("flags, message", [
    (["--data", "/nonexistent/*.txt"], "no file matches --data"),
    (["--batch-size", "5000"], "--batch-size 5000 x --seqlen 10"),
])
def test_train_bad_input(flags, message, text_glob, tmp_path):
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--checkpoint-dir", str(tmp_path / "c"), *flags)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def _writable(folder):
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("flag", ["--checkpoint-dir", "--log-dir"])
def test_train_refuses_unwritable_folders(flag, text_glob, tmp_path):
    import rnn_train
    (tmp_path / "file").write_text("")
    folders = {"--checkpoint-dir": str(tmp_path / "c"), "--log-dir": str(tmp_path / "l")}
    folders[flag] = str(tmp_path / "file" / "sub")  # a path under a regular file
    with pytest.raises(UsageError, match=f"^{flag} {re.escape(folders[flag])}:"):
        rnn_train.main(["--data", text_glob, *TINY, *[v for item in folders.items() for v in item]])
    assert not os.path.exists(tmp_path / "c" / "hparams.json")  # refused before anything was trained
    if not os.path.isdir("/sys/kernel") or _writable("/sys/kernel"):
        pytest.skip("no /sys/kernel where even root cannot create a file")
    folders[flag] = "/sys/kernel"
    with pytest.raises(UsageError, match=f"^{flag} /sys/kernel:"):
        rnn_train.main(["--data", text_glob, *TINY, *[v for item in folders.items() for v in item]])


@pytest.mark.slow
def test_train_on_a_corpus_folder_with_odd_characters_and_a_cp1252_terminal(tmp_path):
    """A corpus folder with characters outside the alphabet and a Latin-1 file, on a terminal that cannot show
    the displays' box characters (Windows' cp1252): plain ones instead, one line on the unknown characters."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"work{i}.txt").write_text(VERSE * 20 + "caf\u00e9 \u2019tis\n" * i, encoding="utf-8")
    (corpus / "work3.txt").write_bytes(VERSE.encode() * 20 + b"Latin-1 caf\xe9\n")
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")  # binary: skipped
    result = _run_with_encoding("cp1252", "rnn_train.py", "--data", str(corpus), *TINY, "--steps", "5",
                                "--report-every", "5", "--checkpoint-dir", str(tmp_path / "c"),
                                "--log-dir", str(tmp_path / "l"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "in 5 works" in result.stdout
    unknown = [line for line in result.stdout.splitlines() if "outside the alphabet" in line]
    assert len(unknown) == 1 and unknown[0].startswith("corpus: 24 characters outside the alphabet (")
    assert "2 files skipped, not UTF-8 text (image.png, work3.txt)" in unknown[0]
    assert "'\u2019': 12" in unknown[0]  # cp1252 has the curly quote (txtutils tests the escaped form)
    assert re.search(r"^  0 work\d +\| .{10} \| .{10} \| loss: ", result.stdout, re.MULTILINE)
    assert "checkpoint saved" in result.stdout


def test_resume_without_checkpoint(text_glob, tmp_path):
    import rnn_train
    with pytest.raises(UsageError, match="--resume: no checkpoint in"):
        rnn_train.main(["--data", text_glob, *TINY, "--resume", "--checkpoint-dir", str(tmp_path / "c"),
                        "--log-dir", str(tmp_path / "l")])
    assert not os.path.exists(tmp_path / "c")  # nothing created


@pytest.mark.slow
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


@pytest.mark.slow
def test_second_ctrl_c_quits_at_once(tmp_path):
    """A second Ctrl-C during a long validation (one sequence per batch, 60 KB) quits without waiting."""
    for i in range(6):
        (tmp_path / f"work{i}.txt").write_text(VERSE * 1000)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, os.path.join(PROJECT_DIR, "rnn_train.py"), "--data", str(tmp_path),
                                "--internal-size", "32", "--layers", "2", "--seqlen", "10", "--batch-size", "1",
                                "--report-every", "5", "--checkpoint-dir", str(tmp_path / "c"),
                                "--log-dir", str(tmp_path / "l")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stdout:
        if "batch accuracy" in line:  # the mini-batch display: the validation comes next
            break
    process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "validation:" not in stdout and "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["interrupted"]


def test_gru_cell_matches_the_equations():
    import rnn_model
    tf = rnn_model.tf
    rng = np.random.default_rng(0)
    with tf.Graph().as_default():
        layer = rnn_model.GRULayer("gru", 5, 4)
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
    assert "SHAKESPEARE_DATA=" in last and "matches no file" in last and "--data" in last


def test_train_offline_without_corpus_says_what_to_download(tmp_path, monkeypatch):
    """No --data, no $SHAKESPEARE_DATA, no data/shakespeare/: the talk's corpus is downloaded; offline
    (nothing listens on port 9), one line says which files to put where, and nothing is written."""
    import rnn_train
    monkeypatch.setattr(rnn_train, "DEFAULT_DATA_DIR", str(tmp_path / "data" / "shakespeare"))
    monkeypatch.delenv("SHAKESPEARE_DATA", raising=False)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", "http://127.0.0.1:9/")
    with pytest.raises(UsageError) as error:
        rnn_train.main(["--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l"), "--steps", "1"])
    message = str(error.value)
    assert "\n" not in message and "could not download 1kinghenryiv.txt" in message
    assert "Offline? Put the 42 .txt files of the folder shakespeare/ of github.com/martin-gorner/" in message
    assert str(tmp_path / "data" / "shakespeare") in message
    assert not os.path.exists(tmp_path / "data" / "shakespeare")  # nothing left behind, not even the folder


def test_train_downloads_the_corpus_on_first_use(tmp_path, monkeypatch, server):
    """The corpus fetched from a mirror (a local HTTP server), checked, then trained on."""
    import hashlib
    import rnn_train
    import txtutils
    works = {f"work{i}.txt": (VERSE * (10 + i)).encode() for i in range(5)}
    for name, data in works.items():
        server.routes[f"/corpus/{name}"] = (200, data, None)
    monkeypatch.setattr(txtutils, "SHAKESPEARE_SHA256", {n: hashlib.sha256(d).hexdigest() for n, d in works.items()})
    folder = tmp_path / "data" / "shakespeare"
    monkeypatch.setattr(rnn_train, "DEFAULT_DATA_DIR", str(folder))
    monkeypatch.delenv("SHAKESPEARE_DATA", raising=False)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"http://127.0.0.1:9/,{server.url}/corpus")
    rnn_train.main(["--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l"), "--steps", "2", *TINY])
    assert sorted(os.listdir(folder)) == sorted(works)
    assert all((folder / name).read_bytes() == data for name, data in works.items())
    assert os.path.exists(tmp_path / "c" / "rnn_train-2.index")


# ---------------------------------------------------------------- milestones and replay
def test_milestone_spacing():
    import rnn_checkpoints
    steps = [step for step in range(20001) if rnn_checkpoints.is_milestone(step)]
    assert steps[:8] == [25, 50, 100, 200, 400, 800, 1000, 2000] and steps[-1] == 20000
    assert len(steps) == 6 + 20  # doubling to 800, then every 1,000


def test_training_saves_milestones_with_their_figures(trained):
    import json
    checkpoints, _, result = trained
    with open(os.path.join(checkpoints, "milestones.json")) as f:
        milestones = json.load(f)
    assert [m["step"] for m in milestones] == [25, 50]
    assert all(m["validation_loss"] > 0 and 0 < m["epoch"] for m in milestones)
    assert milestones[0]["epoch"] < milestones[1]["epoch"]
    assert result.stdout.count("milestone saved") == 2
    # weights only: no optimizer state, so a milestone is about a third of a checkpoint
    milestone_bytes = os.path.getsize(os.path.join(checkpoints, "milestones", "milestone-25.data-00000-of-00001"))
    checkpoint_bytes = os.path.getsize(os.path.join(checkpoints, "rnn_train-60.data-00000-of-00001"))
    assert milestone_bytes < 0.4 * checkpoint_bytes


@pytest.mark.slow
def test_replay_in_step_order_with_headers(trained):
    checkpoints, _, _ = trained
    result = run_script("rnn_play.py", "--replay", "--checkpoint", checkpoints, "--length", "60", "--seed", "4",
                        "--width", "1000", "--prime", "ROMEO:")
    assert result.returncode == 0, result.stderr[-2000:]
    headers = re.findall(r"^==== step (\d+), epoch ([0-9.]+), validation loss ([0-9.]+), drawn among (\d+) ====$",
                         result.stdout, re.MULTILINE)
    assert [int(step) for step, _, _, _ in headers] == [25, 50]
    assert [int(topn) for _, _, _, topn in headers] == [10, 2]  # the last milestone as the trained model
    samples = re.split(r"^==== .* ====$", result.stdout, flags=re.MULTILINE)[1:]
    # each: the end of its header line, the prime, 60 characters, a line feed (and the next header's)
    assert [len(sample) for sample in samples] == [1 + 6 + 60 + 1 + 1, 1 + 6 + 60 + 1]
    assert all(sample.startswith("\nROMEO:") for sample in samples)


@pytest.mark.slow
def test_replay_of_an_older_folder_plays_its_checkpoints(trained, tmp_path):
    copy = shutil.copytree(trained[0], tmp_path / "old")
    shutil.rmtree(copy / "milestones")
    os.remove(copy / "milestones.json")  # as saved before milestones existed
    result = run_script("rnn_play.py", "--replay", "--checkpoint", str(copy), "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "has no milestones" in result.stderr
    assert [int(s) for s in re.findall(r"^==== step (\d+), drawn among \d+ ====$", result.stdout, re.MULTILINE)] \
        == _steps(copy)


@pytest.mark.slow
@pytest.mark.parametrize("where, code, message", [("empty", 1, "no checkpoint in"),
                                                  ("file", 2, "must be a checkpoint folder")])
def test_replay_bad_folder(where, code, message, tmp_path):
    path = tmp_path / where
    if where == "empty":
        path.mkdir()
    else:
        path.write_text("x")
    result = run_script("rnn_play.py", "--replay", "--checkpoint", str(path))
    assert result.returncode == code and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_tensorboard_reads_the_training_and_validation_curves(trained):
    """The event files, read back with TensorBoard's own reader (requirements.txt installs TensorBoard)."""
    from tensorboard.backend.event_processing import event_accumulator as accumulator_module
    _, logs, _ = trained
    runs = sorted(os.listdir(logs))
    scalars = {}
    for run in runs:
        accumulator = accumulator_module.EventAccumulator(os.path.join(logs, run))
        accumulator.Reload()
        scalars[run.rsplit("-", 1)[1]] = {tag: [event.step for event in accumulator.Scalars(tag)]
                                          for tag in accumulator.Tags()["scalars"]}
    assert scalars["training"]["batch_loss"] == list(range(10, 61, 10))  # every 10 steps
    assert scalars["validation"]["batch_loss"] == [20, 40, 60]             # at each report
    assert set(scalars["validation"]) == {"batch_loss", "batch_accuracy"}


@pytest.mark.slow
def test_replay_topn_flags(trained):
    result = run_script("rnn_play.py", "--replay", "--checkpoint", trained[0], "--length", "20", "--seed", "1",
                        "--replay-topn", "5", "--topn", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.findall(r"drawn among (\d+) ====", result.stdout) == ["5", "1"]


@pytest.mark.slow
def test_the_last_step_of_the_last_epoch_is_a_milestone(text_glob, tmp_path):
    import txtutils
    corpus = txtutils.read_corpus(text_glob)
    steps_per_epoch = txtutils.batches_per_epoch(len(corpus.train), 8, 10)
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--epochs", "1", "--report-every", "1000",
                        "--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l"))
    assert result.returncode == 0, result.stderr[-2000:]
    import json
    steps = [m["step"] for m in json.loads((tmp_path / "c" / "milestones.json").read_text())]
    assert steps[-1] == steps_per_epoch and 25 in steps
    # the curves of that run, per epoch, from its TensorBoard logs and milestones
    curves = run_script(os.path.join("benchmarks", "rnn_curves.py"), "--log-dir", str(tmp_path / "l"),
                        "--checkpoint-dir", str(tmp_path / "c"), "--save-png", str(tmp_path / "curves.png"))
    assert curves.returncode == 0, curves.stderr[-2000:]
    rows = re.findall(r"^\| (\d+) \| ([0-9,]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|$", curves.stdout, re.MULTILINE)
    assert [(int(epoch), int(step)) for epoch, step, *_ in rows] == [(1, steps_per_epoch)]
    assert os.path.getsize(tmp_path / "curves.png") > 10_000


# ---------------------------------------------------------------- model folders: export, play, score
@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    """The trained run's newest checkpoint (step 60), exported as a model folder."""
    folder = tmp_path_factory.mktemp("model") / "tiny"
    result = run_script("rnn_play.py", "--checkpoint", trained[0], "--export", str(folder))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "exported" in result.stdout and "float16" in result.stdout
    return folder


def test_export_writes_a_compact_model_folder(exported, trained):
    import json
    assert sorted(os.listdir(exported)) == ["hparams.json", "training.json", "weights.npz"]
    with np.load(exported / "weights.npz") as weights:
        assert {weights[name].dtype for name in weights.files} == {np.dtype(np.float16)}
        assert "gru0/W" in weights.files and "softmax/W" in weights.files
    record = json.loads((exported / "training.json").read_text())
    assert record["steps"] == 60 and record["checkpoint"] == "rnn_train-60"
    assert [m["step"] for m in record["curve"]] == [25, 50]
    assert record["epochs"] == pytest.approx(60 * record["curve"][0]["epoch"] / 25, abs=0.01)


@pytest.mark.slow
def test_model_folder_plays_like_its_checkpoint(exported, trained):
    """float16 weights: the same text as the float32 checkpoint they came from, for the same seed."""
    flags = ["--length", "150", "--seed", "3", "--prime", "ROMEO:", "--width", "1000"]
    from_checkpoint = run_script("rnn_play.py", "--checkpoint", trained[0], *flags)
    from_model = run_script("rnn_play.py", "--checkpoint", str(exported), *flags)
    assert from_model.returncode == 0, from_model.stderr[-2000:]
    assert from_model.stdout == from_checkpoint.stdout
    assert f"[{exported}: 2 layers of 32 units" in from_model.stderr


@pytest.mark.slow
def test_score_a_text_and_its_held_out_part(exported, trained, text_glob):
    import rnn_model
    checkpoint_score = run_script("rnn_play.py", "--checkpoint", trained[0], "--score", text_glob, "--held-out")
    model_score = run_script("rnn_play.py", "--checkpoint", str(exported), "--score", text_glob, "--held-out")
    assert model_score.returncode == 0, model_score.stderr[-2000:]
    pattern = r"loss ([0-9.]+) nats per character \(([0-9.]+) bits\), next character right ([0-9.]+)% of the " \
              r"time, over ([0-9,]+) characters"
    (loss, bits, right, count), = re.findall(pattern, model_score.stdout)
    assert model_score.stdout.startswith("the end of work5, from line ")
    assert float(bits) == pytest.approx(float(loss) / np.log(2), abs=1e-3)
    assert 0 < float(loss) < np.log(98)  # learned something
    assert int(count.replace(",", "")) % rnn_model.SEQLEN == 0
    checkpoint_loss = float(re.findall(pattern, checkpoint_score.stdout)[0][0])
    assert float(loss) == pytest.approx(checkpoint_loss, rel=0.005)  # float16 moves it by less than 0.5%
    # the recorded validation loss of step 50 (what rnn_train measured) is what --score finds at step 50
    milestone = os.path.join(trained[0], "milestones", "milestone-50")
    import json
    recorded = {m["step"]: m["validation_loss"] for m in json.load(open(os.path.join(trained[0], "milestones.json")))}
    at_50 = run_script("rnn_play.py", "--checkpoint", milestone, "--score", text_glob, "--held-out", *TINY_BATCH)
    assert float(re.findall(pattern, at_50.stdout)[0][0]) == pytest.approx(recorded[50], abs=1e-4)
    whole = run_script("rnn_play.py", "--checkpoint", str(exported), "--score", text_glob)
    assert whole.returncode == 0 and int(re.findall(pattern, whole.stdout)[0][3].replace(",", "")) > int(count.replace(",", ""))


@pytest.mark.slow  # a TensorFlow process each (7 s): python -m pytest -m slow
@pytest.mark.parametrize("flags, message", [
    (["--held-out"], "--held-out goes with --score"),
    (["--score", "x", "--replay"], "one at a time"),
    (["--score", "/nonexistent/*.txt"], "no file matches"),
])
def test_score_bad_input(flags, message, exported):
    result = run_script("rnn_play.py", "--checkpoint", str(exported), *flags)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_score_a_text_too_short(exported, tmp_path):
    (tmp_path / "short.txt").write_text("To be")
    result = run_script("rnn_play.py", "--checkpoint", str(exported), "--score", str(tmp_path / "short.txt"))
    assert result.returncode == 1 and "shorter than one sequence" in result.stderr


@pytest.mark.slow
def test_export_refuses_a_model_folder_and_an_unwritable_place(exported, tmp_path):
    again = run_script("rnn_play.py", "--checkpoint", str(exported), "--export", str(tmp_path / "again"))
    assert again.returncode == 1 and "already a model folder" in again.stderr
    (tmp_path / "file").write_text("x")
    unwritable = run_script("rnn_play.py", "--checkpoint", str(exported.parent), "--export", str(tmp_path / "file"))
    assert unwritable.returncode == 1 and "Traceback" not in unwritable.stderr


def test_play_defaults_to_own_checkpoints_else_the_shipped_model(exported, trained, tmp_path, monkeypatch):
    import rnn_play
    import rnn_checkpoints
    monkeypatch.setattr(rnn_play, "SHIPPED_MODEL", str(exported))
    monkeypatch.setattr(rnn_checkpoints, "DEFAULT_FOLDER", str(tmp_path / "checkpoints"))
    args = rnn_play.parse_args([])
    assert rnn_play.model_to_play(args) == str(exported)       # no checkpoints/ of the user's
    (tmp_path / "checkpoints").mkdir()
    assert rnn_play.model_to_play(args) == str(exported)       # an empty one
    monkeypatch.setattr(rnn_checkpoints, "DEFAULT_FOLDER", trained[0])
    assert rnn_play.model_to_play(args) == trained[0]          # the user's own training run
    monkeypatch.setattr(rnn_play, "SHIPPED_MODEL", str(tmp_path / "none"))
    monkeypatch.setattr(rnn_checkpoints, "DEFAULT_FOLDER", str(tmp_path / "checkpoints"))
    with pytest.raises(UsageError, match="no checkpoint in .* and no model in"):
        rnn_play.model_to_play(args)


@pytest.mark.slow
def test_model_folder_damaged_or_of_another_size(exported, tmp_path):
    copy = shutil.copytree(exported, tmp_path / "copy")
    hparams = copy / "hparams.json"
    hparams.write_text(hparams.read_text().replace('"internal_size": 32', '"internal_size": 64'))
    result = run_script("rnn_play.py", "--checkpoint", str(copy), "--length", "10")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "does not match" in result.stderr
    damaged = shutil.copytree(exported, tmp_path / "damaged")
    (damaged / "weights.npz").write_bytes((damaged / "weights.npz").read_bytes()[:1000])
    result = run_script("rnn_play.py", "--checkpoint", str(damaged), "--length", "10")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "weights.npz" in result.stderr


# ---------------------------------------------------------------- what a careless user does to a training run
def _tiny_run(text_glob, folder, *flags):
    return run_script("rnn_train.py", "--data", text_glob, *TINY, "--report-every", "1000", "--checkpoint-dir",
                      str(folder / "c"), "--log-dir", str(folder / "l"), *flags)


@pytest.mark.slow
def test_disk_full_during_a_checkpoint_keeps_the_previous_one(text_glob, tmp_path):
    """A real write failure: files may not grow past 150 kB (RLIMIT_FSIZE), so the step-20 checkpoint
    (weights and Adam's state, ~260 kB) cannot be written, while the milestones and logs can."""
    import resource
    first = _tiny_run(text_glob, tmp_path, "--steps", "10", "--checkpoint-every", "10")
    assert first.returncode == 0, first.stderr[-2000:]
    limit = 150_000
    environment = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, os.path.join(PROJECT_DIR, "rnn_train.py"), "--data", text_glob, *TINY,
                             "--report-every", "1000", "--checkpoint-dir", str(tmp_path / "c"), "--log-dir",
                             str(tmp_path / "l"), "--resume", "--steps", "10", "--checkpoint-every", "10"],
                            capture_output=True, text=True, env=environment, timeout=300,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "cannot save the checkpoint of step 20" in last
    assert "the newest complete checkpoint is rnn_train-10, so the 10 steps since were not saved" in last
    assert _steps(tmp_path / "c") == [10]
    assert not [name for name in os.listdir(tmp_path / "c") if "20" in name]  # nothing half-written
    again = _tiny_run(text_glob, tmp_path, "--resume", "--steps", "1")  # the previous one still loads
    assert again.returncode == 0 and "resumed from" in again.stdout


@pytest.mark.slow
def test_one_training_run_at_a_time_in_a_folder(text_glob, tmp_path):
    folder = tmp_path / "c"
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    first = subprocess.Popen([sys.executable, os.path.join(PROJECT_DIR, "rnn_train.py"), "--data", text_glob, *TINY,
                              "--steps", "1000000", "--checkpoint-dir", str(folder), "--log-dir", str(tmp_path / "l")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        for line in first.stdout:
            if line.startswith("training steps"):
                break
        hparams = (folder / "hparams.json").read_text()
        second = _tiny_run(text_glob, tmp_path, "--steps", "1", "--internal-size", "16")
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert f"in use by another rnn_train.py (process {first.pid})" in second.stderr.strip().splitlines()[-1]
        assert (folder / "hparams.json").read_text() == hparams  # the first run's, untouched
    finally:
        first.kill()  # SIGKILL: no chance to release the lock
        first.communicate()
    assert (folder / ".rnn_train.lock").exists()
    after = _tiny_run(text_glob, tmp_path, "--resume", "--steps", "1")  # a stale lock is taken over
    assert after.returncode == 0, after.stderr[-2000:]
    assert not (folder / ".rnn_train.lock").exists()  # released at the end


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_rnn_training_stopped_by_a_signal_saves_a_checkpoint(signal_number, text_glob, tmp_path):
    from conftest import interrupt_after
    returncode, stdout, stderr = interrupt_after(
        "training steps", "rnn_train.py", "--data", text_glob, *TINY, "--steps", "1000000", "--checkpoint-every",
        "100000", "--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l"),
        signal_number=signal_number, timeout=60)
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    step = int(re.search(r"stopped by SIG[A-Z]+ at step (\d+)", stdout).group(1))
    assert _steps(tmp_path / "c") == [step]


def test_play_twice_in_one_process_as_a_notebook_does(trained, capsys):
    import rnn_play
    for _ in range(2):  # %run rnn_play.py twice in one kernel: one default graph
        rnn_play.main(["--checkpoint", trained[0], "--length", "20", "--seed", "1"])
    assert "already exists" not in capsys.readouterr().err


@pytest.mark.parametrize("content, flags", [
    ("{not json", ["--resume", "--steps", "5"]),
    ('[{"step": "25", "epoch": 0.1, "validation_loss": 3.0, "checkpoint": "milestones/milestone-25"}]',
     ["--resume", "--steps", "5"]),
])
@pytest.mark.slow
def test_damaged_milestones_found_before_training(content, flags, trained, text_glob, tmp_path):
    copy = shutil.copytree(trained[0], tmp_path / "c")
    (copy / "milestones.json").write_text(content)
    before = sorted(os.listdir(copy))
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--checkpoint-dir", str(copy), "--log-dir",
                        str(tmp_path / "l"), *flags)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "milestones.json" in result.stderr.strip().splitlines()[-1] and "training steps" not in result.stdout
    assert sorted(os.listdir(copy)) == before
    replay = run_script("rnn_play.py", "--replay", "--checkpoint", str(copy))
    assert replay.returncode == 1 and "Traceback" not in replay.stderr and "milestones.json" in replay.stderr


@pytest.mark.slow
def test_resume_with_another_batch_shape_is_refused(trained, text_glob, tmp_path):
    copy = shutil.copytree(trained[0], tmp_path / "c")
    import json
    hparams = json.loads((copy / "hparams.json").read_text())
    assert hparams["batch_size"] == 8 and hparams["seqlen"] == 10
    result = run_script("rnn_train.py", "--data", text_glob, "--resume", "--batch-size", "16", "--steps", "1",
                        "--checkpoint-dir", str(copy), "--log-dir", str(tmp_path / "l"))
    assert result.returncode == 1 and "--batch-size 8, not 16" in result.stderr
    same = run_script("rnn_train.py", "--data", text_glob, "--resume", "--steps", "1",  # read from hparams.json
                      "--checkpoint-dir", str(copy), "--log-dir", str(tmp_path / "l"))
    assert same.returncode == 0, same.stderr[-2000:]


@pytest.mark.slow
def test_an_unquoted_data_glob_is_explained(text_glob, tmp_path):
    import glob as globbing
    files = sorted(globbing.glob(text_glob))
    result = run_script("rnn_train.py", "--data", *files, "--checkpoint-dir", str(tmp_path / "c"))
    assert result.returncode == 2 and "quote it" in result.stderr.strip().splitlines()[-1]


# ---------------------------------------------------------------- the trained model shipped in models/shakespeare
SHIPPED = os.path.join(PROJECT_DIR, "models", "shakespeare")


def test_shipped_model_is_compact_and_documented():
    import json
    assert os.path.getsize(os.path.join(SHIPPED, "weights.npz")) < 20e6
    record = json.load(open(os.path.join(SHIPPED, "training.json")))
    assert record["steps"] >= 865 and record["validation_loss"] > 0
    assert [m["step"] for m in record["curve"]][-1] == record["steps"]
    hparams = json.load(open(os.path.join(SHIPPED, "hparams.json")))
    assert (hparams["internal_size"], hparams["layers"]) == (512, 3)
    assert "rnn_train.py" in open(os.path.join(SHIPPED, "README.md")).read()


def test_shipped_model_plays_offline_without_a_corpus(tmp_path):
    """Right after set-up: no corpus, no checkpoint of the user's, no network."""
    result = run_script("rnn_play.py", "--checkpoint", SHIPPED, "--length", "400", "--seed", "1", "--width", "1000",
                        env={"SHAKESPEARE_DATA": None}, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 layers of 512 units, trained" in result.stderr
    words = re.findall(r"[A-Za-z]+", result.stdout)
    common = {"the", "and", "of", "to", "I", "you", "my", "a", "is", "that", "in", "not", "me", "it", "with"}
    assert len(words) > 40 and sum(w in common for w in words) >= 5  # English words, not gibberish


@pytest.mark.slow
def test_shipped_model_scores_its_recorded_validation_loss():
    import json
    from conftest import real_shakespeare_glob
    pattern = real_shakespeare_glob()
    if pattern is None:
        pytest.skip("the Shakespeare corpus is absent (put it in data/shakespeare/, or set SHAKESPEARE_DATA)")
    recorded = json.load(open(os.path.join(SHIPPED, "training.json")))["validation_loss"]
    result = run_script("rnn_play.py", "--checkpoint", SHIPPED, "--score", pattern, "--held-out")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("the end of winterstale, from line 1,773: ")
    loss = float(re.search(r"loss ([0-9.]+) nats per character", result.stdout).group(1))
    assert loss == pytest.approx(recorded, rel=0.005)  # float16 weights: within 0.5% of the float32 figure
    assert "over 90,000 characters" in result.stdout


# ---------------------------------------------------------------- rnn_model.py: one model for training and playing
def test_the_generator_gives_the_training_graphs_probabilities():
    # generating runs the layers one character at a time (rnn_model.Model.generator_step), training runs them
    # over whole sequences (dynamic_rnn): on the same text, from the same state, they must agree at every step
    import rnn_model
    tf = rnn_model.tf
    codes = txt_codes("ROMEO:\nBut soft, what light through yonder window breaks?\n")
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        model = rnn_model.Model(internal_size=16, layers=3)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            expected = sess.run(model.probabilities, {model.X: [codes], model.Hin: model.zero_state(1)})[0]
            state = model.zero_state(1)
            for position, code in enumerate(codes):  # one character at a time, the state carried along
                probabilities, state = sess.run([model.gen_probabilities, model.gen_next_state],
                                                {model.gen_code: [code], model.gen_state: state})
                np.testing.assert_allclose(probabilities[0], expected[position], atol=2e-6)
            # primed on the first 20 characters (through the training graph), the next step agrees too
            code, primed = model.prime(sess, codes[:20])
            probabilities = sess.run(model.gen_probabilities, {model.gen_code: code, model.gen_state: primed})
            np.testing.assert_allclose(probabilities[0], expected[19], atol=2e-6)


def test_the_compiled_generator_computes_what_the_op_by_op_one_does():
    # the generator's loop compiled by XLA (the default) against the same loop run op by op, on one model:
    # drawing among the top 1 leaves no randomness, so both must write the same characters and reach the same
    # state; drawing among the top 3, the compiled loop repeats itself for a seed and keeps to the top 3
    import rnn_model
    tf = rnn_model.tf
    code, state = np.array([txt_codes("R")[0]], np.int32), None
    results = {}
    for compiled in (False, True):
        with tf.Graph().as_default():
            tf.set_random_seed(5)
            model = rnn_model.Model(internal_size=32, layers=3, compiled_generator=compiled)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                state = model.zero_state(1) + 0.1
                results[compiled] = model.generate(sess, code, state, 120, 1, [4, 2])
                if compiled:
                    drawn, _, _ = model.generate(sess, code, state, 60, 3, [7, 1])
                    again, _, _ = model.generate(sess, code, state, 60, 3, [7, 1])
                    np.testing.assert_array_equal(drawn, again)
                    step_state = state
                    for previous, next_code in zip([code[0], *drawn[:-1]], drawn):
                        probabilities, step_state = sess.run([model.gen_probabilities, model.gen_next_state],
                                                             {model.gen_code: [previous], model.gen_state: step_state})
                        assert next_code in np.argsort(probabilities[0])[-3:]
    (codes, last, final), (xla_codes, xla_last, xla_final) = results[False], results[True]
    np.testing.assert_array_equal(codes, xla_codes)
    assert last == xla_last
    np.testing.assert_allclose(final, xla_final, atol=1e-4)


def txt_codes(text):
    import txtutils
    return [int(c) for c in txtutils.encode_text(text)]


def test_no_script_imports_another_script():
    # rnn_train.py and rnn_play.py share rnn_model.py; neither imports the other (nor any lesson script)
    import ast
    scripts = {"rnn_train", "rnn_play", "compare_runs"} | {os.path.basename(p)[:-3] for p in
                                                           glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9]*.py"))}
    for script in scripts:
        tree = ast.parse(open(os.path.join(PROJECT_DIR, script + ".py")).read())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & (scripts - {script}), (script, imported & scripts)


FIXTURES = os.path.join(PROJECT_DIR, "tests", "fixtures")


@pytest.mark.slow
@pytest.mark.parametrize("flags, expected", [(["--topn", "10"], "checkpoints_before_rnn_model_play_seed0_topn10.txt"),
                                             (["--replay"], "checkpoints_before_rnn_model_replay_seed0.txt")])
def test_a_checkpoint_folder_written_before_rnn_model_plays_the_same_text(flags, expected, tmp_path):
    # tests/fixtures/checkpoints_before_rnn_model: a tiny model (2 layers of 8 units) trained by rnn_train.py
    # before the model moved into rnn_model.py; the texts beside it are what rnn_play.py wrote from it then
    folder = shutil.copytree(os.path.join(FIXTURES, "checkpoints_before_rnn_model"), tmp_path / "c")
    length = "100" if "--replay" in flags else "300"
    # --no-xla: op by op, as then (the loop XLA compiles draws its own random numbers: another text)
    result = run_script("rnn_play.py", "--checkpoint", str(folder), "--length", length, "--seed", "0", "--width", "100",
                        "--no-xla", *flags)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == open(os.path.join(FIXTURES, expected)).read()


# ------------------------------------------------------------------------------------------------
# The live view (rnn_dashboard.py): with no display, a PNG in the checkpoint folder
# ------------------------------------------------------------------------------------------------

def test_training_without_a_display_saves_its_view(trained):
    checkpoints, _, result = trained
    path = os.path.join(checkpoints, "training.png")
    assert f"No display: the live view goes to {path}" in result.stdout
    assert f"training view saved: {path}" in result.stdout
    from PIL import Image
    assert Image.open(path).size == (1040, 600)


@pytest.mark.parametrize("flags, message", [
    (["--save-png", "view.jpg"], "--save-png view.jpg: the file name must end in .png"),
    (["--no-visu", "--save-png", "view.png"], "--no-visu draws nothing"),
])
def test_view_flags_are_checked(flags, message, capsys):
    import rnn_train
    with pytest.raises(SystemExit):
        rnn_train.parse_args(flags)
    assert message in capsys.readouterr().err


def test_save_png_into_an_unwritable_place_is_refused_before_training(text_glob, tmp_path):
    import rnn_train
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="--save-png"):
        rnn_train.main(["--data", text_glob, *TINY, "--steps", "1", "--checkpoint-dir", str(tmp_path / "c"),
                        "--log-dir", str(tmp_path / "l"), "--save-png", str(tmp_path / "file" / "view.png")])
    assert not os.path.exists(tmp_path / "c" / "hparams.json")  # nothing trained


def test_no_visu_draws_nothing(text_glob, tmp_path):
    import rnn_train
    checkpoints = tmp_path / "c"
    rnn_train.main(["--data", text_glob, *TINY, "--steps", "3", "--report-every", "3", "--no-visu",
                    "--checkpoint-dir", str(checkpoints), "--log-dir", str(tmp_path / "l")])
    assert not os.path.exists(checkpoints / "training.png")


def test_bfloat16_products_learn_as_float32_does():
    """The mixed-precision training graph (rnn_train's default where the CPU has bfloat16 instructions) learns
    what the float32 one learns: same start, same batches, 300 steps of a small model."""
    from graphmode import tf
    import rnn_model
    import txtutils
    codes = txtutils.encode_array(VERSE * 40)
    losses = {}
    for bfloat16 in (False, True):
        tf.reset_default_graph()
        tf.set_random_seed(0)
        model = rnn_model.Model(internal_size=64, layers=2, learning_rate=0.01, bfloat16=bfloat16)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            state = model.zero_state(16)
            trained = []
            for x, y, _ in txtutils.rnn_minibatch_sequencer(codes, 16, 20, nb_epochs=100):
                loss, state, _ = sess.run([model.batch_loss, model.H, model.train_step],
                                          {model.X: x, model.Y_: y, model.Hin: state})
                trained.append(loss)
                if len(trained) == 300:
                    break
            losses[bfloat16] = float(np.mean(trained[-30:]))
            first = trained[0]
    assert first > 4.0 and losses[False] < 1.0, losses  # both learn the verse...
    assert abs(losses[True] - losses[False]) < 0.05, losses  # ...to the same loss, within bfloat16's rounding
