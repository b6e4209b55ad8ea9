"""rnn_train.py end to end: a tiny model (2 layers of 32 units, sequences of 10) on a small text, its checkpoints,
milestones, TensorBoard logs and live view; --resume; the corpus found or downloaded; its flags and folders checked
before anything is trained."""

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
from conftest import (
    PROJECT_DIR,
    TINY,
    TINY_BATCH,
    VERSE,
    checkpoint_steps,
    copy_with_absolute_paths,
    run_script,
    run_with_encoding,
)


def _batch_losses(stdout):
    return [float(v) for v in re.findall(r"step \d+: batch loss ([0-9.]+)", stdout)]


def test_training_learns_and_saves(trained):
    checkpoints, logs, result = trained
    losses = _batch_losses(result.stdout)
    assert len(losses) == 3 and losses[-1] < losses[0] < np.log(98) + 0.5
    assert "validation: loss" in result.stdout and "chars/s" in result.stdout
    assert checkpoint_steps(checkpoints) == [20, 30, 40, 50, 60]  # the 5 newest
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
    original = copy_with_absolute_paths(trained[0], tmp_path / "original")
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    before = sorted(os.listdir(original))
    result = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY_BATCH,
        "--steps",
        "10",
        "--report-every",
        "5",
        "--checkpoint-every",
        "5",
        "--checkpoint-dir",
        copy,
        "--log-dir",
        str(tmp_path / "log"),
        "--resume",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"resumed from {copy}/rnn_train-60 at step 60, with its RNN state" in result.stdout
    assert "step 65:" in result.stdout
    assert checkpoint_steps(copy) == [40, 50, 60, 65, 70]
    assert sorted(os.listdir(original)) == before


def test_train_in_a_moved_folder(trained, text_glob, tmp_path):
    """A moved folder still holds its run: --resume finds it, and a plain run does not start over in it."""
    import rnn_train

    moved = str(tmp_path / "moved")
    os.rename(copy_with_absolute_paths(trained[0], tmp_path / "before"), moved)
    args = rnn_train.parse_args(["--data", text_glob, *TINY_BATCH, "--resume", "--checkpoint-dir", moved])
    assert rnn_train.resume_or_refuse(args)[0] == f"{moved}/rnn_train-60"
    with pytest.raises(UsageError, match="already holds a training run: pass --resume"):
        rnn_train.main(["--data", text_glob, *TINY, "--checkpoint-dir", moved, "--log-dir", str(tmp_path / "log")])


def test_resume_rejects_another_model_size(trained, text_glob, tmp_path):
    import rnn_train

    with pytest.raises(UsageError, match="have --layers 2, not 3: leave --layers out"):
        rnn_train.main(
            [
                "--data",
                text_glob,
                "--resume",
                "--layers",
                "3",
                "--checkpoint-dir",
                trained[0],
                "--log-dir",
                str(tmp_path / "log"),
            ]
        )


def test_train_refuses_to_mix_runs(trained, text_glob):
    checkpoints, logs, _ = trained
    result = run_script("rnn_train.py", "--data", text_glob, *TINY, "--steps", "1", "--checkpoint-dir", checkpoints)
    assert result.returncode == 1 and "--resume" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # a TensorFlow process each (7 s): python -m pytest -m slow
@pytest.mark.parametrize(
    "flags, message",
    [
        (["--data", "/nonexistent/*.txt"], "no file matches --data"),
        (["--batch-size", "5000"], "--batch-size 5000 x --seqlen 10"),
    ],
)
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
    result = run_with_encoding(
        "cp1252",
        "rnn_train.py",
        "--data",
        str(corpus),
        *TINY,
        "--steps",
        "5",
        "--report-every",
        "5",
        "--checkpoint-dir",
        str(tmp_path / "c"),
        "--log-dir",
        str(tmp_path / "l"),
    )
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
        rnn_train.main(
            [
                "--data",
                text_glob,
                *TINY,
                "--resume",
                "--checkpoint-dir",
                str(tmp_path / "c"),
                "--log-dir",
                str(tmp_path / "l"),
            ]
        )
    assert not os.path.exists(tmp_path / "c")  # nothing created


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint(text_glob, tmp_path):
    checkpoints = str(tmp_path / "c")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            os.path.join(PROJECT_DIR, "rnn_train.py"),
            "--data",
            text_glob,
            *TINY,
            "--report-every",
            "5",
            "--checkpoint-every",
            "100000",
            "--checkpoint-dir",
            checkpoints,
            "--log-dir",
            str(tmp_path / "l"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
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
    process = subprocess.Popen(
        [
            sys.executable,
            os.path.join(PROJECT_DIR, "rnn_train.py"),
            "--data",
            str(tmp_path),
            "--internal-size",
            "32",
            "--layers",
            "2",
            "--seqlen",
            "10",
            "--batch-size",
            "1",
            "--report-every",
            "5",
            "--checkpoint-dir",
            str(tmp_path / "c"),
            "--log-dir",
            str(tmp_path / "l"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
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


# ---------------------------------------------------------------- the corpus: found, downloaded
def test_train_without_corpus_says_what_to_pass(tmp_path):
    result = run_script(
        "rnn_train.py",
        "--checkpoint-dir",
        str(tmp_path / "c"),
        env={"SHAKESPEARE_DATA": str(tmp_path / "none" / "*.txt")},
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "SHAKESPEARE_DATA=" in last and "matches no file" in last and "--data" in last


def test_train_offline_without_corpus_says_what_to_download(tmp_path, monkeypatch):
    """No --data, no $SHAKESPEARE_DATA, no data/shakespeare/: the talk's corpus is downloaded; offline
    (nothing listens on port 9), one line says which files to put where, and nothing is written."""
    import rnn_train
    import shakespeare_data

    monkeypatch.setattr(shakespeare_data, "DEFAULT_DATA_DIR", str(tmp_path / "data" / "shakespeare"))
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
    import shakespeare_data

    works = {f"work{i}.txt": (VERSE * (10 + i)).encode() for i in range(5)}
    for name, data in works.items():
        server.routes[f"/corpus/{name}"] = (200, data, None)
    monkeypatch.setattr(shakespeare_data, "SHA256", {n: hashlib.sha256(d).hexdigest() for n, d in works.items()})
    folder = tmp_path / "data" / "shakespeare"
    monkeypatch.setattr(shakespeare_data, "DEFAULT_DATA_DIR", str(folder))
    monkeypatch.delenv("SHAKESPEARE_DATA", raising=False)
    monkeypatch.setenv("SHAKESPEARE_MIRRORS", f"http://127.0.0.1:9/,{server.url}/corpus")
    rnn_train.main(["--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l"), "--steps", "2", *TINY])
    assert sorted(os.listdir(folder)) == sorted(works)
    assert all((folder / name).read_bytes() == data for name, data in works.items())
    assert os.path.exists(tmp_path / "c" / "rnn_train-2.index")


# ---------------------------------------------------------------- milestones and TensorBoard logs
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


def test_tensorboard_reads_the_training_and_validation_curves(trained):
    """The event files, read back with TensorBoard's own reader (requirements.txt installs TensorBoard)."""
    from tensorboard.backend.event_processing import event_accumulator as accumulator_module

    _, logs, _ = trained
    runs = sorted(os.listdir(logs))
    scalars = {}
    for run in runs:
        accumulator = accumulator_module.EventAccumulator(os.path.join(logs, run))
        accumulator.Reload()
        scalars[run.rsplit("-", 1)[1]] = {
            tag: [event.step for event in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]
        }
    assert scalars["training"]["batch_loss"] == list(range(10, 61, 10))  # every 10 steps
    assert scalars["validation"]["batch_loss"] == [20, 40, 60]  # at each report
    assert set(scalars["validation"]) == {"batch_loss", "batch_accuracy"}


@pytest.mark.slow
def test_the_last_step_of_the_last_epoch_is_a_milestone(text_glob, tmp_path):
    import shakespeare_data
    import txtutils

    corpus = shakespeare_data.read_corpus(text_glob)
    steps_per_epoch = txtutils.batches_per_epoch(len(corpus.train), 8, 10)
    result = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY,
        "--epochs",
        "1",
        "--report-every",
        "1000",
        "--checkpoint-dir",
        str(tmp_path / "c"),
        "--log-dir",
        str(tmp_path / "l"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import json

    steps = [m["step"] for m in json.loads((tmp_path / "c" / "milestones.json").read_text())]
    assert steps[-1] == steps_per_epoch and 25 in steps
    # the curves of that run, per epoch, from its TensorBoard logs and milestones
    curves = run_script(
        os.path.join("benchmarks", "rnn_curves.py"),
        "--log-dir",
        str(tmp_path / "l"),
        "--checkpoint-dir",
        str(tmp_path / "c"),
        "--save-png",
        str(tmp_path / "curves.png"),
    )
    assert curves.returncode == 0, curves.stderr[-2000:]
    rows = re.findall(r"^\| (\d+) \| ([0-9,]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|$", curves.stdout, re.MULTILINE)
    assert [(int(epoch), int(step)) for epoch, step, *_ in rows] == [(1, steps_per_epoch)]
    assert os.path.getsize(tmp_path / "curves.png") > 10_000


# ---------------------------------------------------------------- the live view (rnn_dashboard.py): with no display,
# a PNG in the checkpoint folder
def test_training_without_a_display_saves_its_view(trained):
    checkpoints, _, result = trained
    path = os.path.join(checkpoints, "training.png")
    assert f"No display: the live view goes to {path}" in result.stdout
    assert f"training view saved: {path}" in result.stdout
    from PIL import Image

    assert Image.open(path).size == (1040, 600)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--save-png", "view.jpg"], "--save-png view.jpg: the file name must end in .png"),
        (["--no-visu", "--save-png", "view.png"], "--no-visu draws nothing"),
    ],
)
def test_view_flags_are_checked(flags, message, capsys):
    import rnn_train

    with pytest.raises(SystemExit):
        rnn_train.parse_args(flags)
    assert message in capsys.readouterr().err


def test_save_png_into_an_unwritable_place_is_refused_before_training(text_glob, tmp_path):
    import rnn_train

    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="--save-png"):
        rnn_train.main(
            [
                "--data",
                text_glob,
                *TINY,
                "--steps",
                "1",
                "--checkpoint-dir",
                str(tmp_path / "c"),
                "--log-dir",
                str(tmp_path / "l"),
                "--save-png",
                str(tmp_path / "file" / "view.png"),
            ]
        )
    assert not os.path.exists(tmp_path / "c" / "hparams.json")  # nothing trained


def test_no_visu_draws_nothing(text_glob, tmp_path):
    import rnn_train

    checkpoints = tmp_path / "c"
    rnn_train.main(
        [
            "--data",
            text_glob,
            *TINY,
            "--steps",
            "3",
            "--report-every",
            "3",
            "--no-visu",
            "--checkpoint-dir",
            str(checkpoints),
            "--log-dir",
            str(tmp_path / "l"),
        ]
    )
    assert not os.path.exists(checkpoints / "training.png")
