"""rnn_play.py end to end, on the tiny run rnn_train.py trained (conftest.trained) and on the shipped model: play,
--replay, --score, --export and the model folders it writes."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cli import UsageError
from conftest import PROJECT_DIR, TINY_BATCH, checkpoint_steps, copy_with_absolute_paths, run_script, run_with_encoding


@pytest.mark.slow
def test_play_in_a_copied_folder(trained, tmp_path):
    original = copy_with_absolute_paths(trained[0], tmp_path / "original")
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"[{copy}/rnn_train-60:" in result.stderr  # the copy's weights, not the original's


@pytest.mark.slow
def test_play_in_a_moved_folder(trained, tmp_path):
    moved = str(tmp_path / "moved")
    os.rename(copy_with_absolute_paths(trained[0], tmp_path / "before"), moved)
    result = run_script("rnn_play.py", "--checkpoint", moved, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"[{moved}/rnn_train-60:" in result.stderr


@pytest.mark.slow
def test_play_generates_exactly_length_characters(trained):
    checkpoints, _, _ = trained
    result = run_script(
        "rnn_play.py",
        "--checkpoint",
        checkpoints,
        "--length",
        "500",
        "--prime",
        "ROMEO:",
        "--seed",
        "3",
        "--width",
        "100000",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ROMEO:")
    assert len(result.stdout) == len("ROMEO:") + 500
    again = run_script(
        "rnn_play.py",
        "--checkpoint",
        checkpoints,
        "--length",
        "500",
        "--prime",
        "ROMEO:",
        "--seed",
        "3",
        "--width",
        "100000",
    )
    assert again.stdout == result.stdout  # --seed makes it reproducible
    assert "chars/s" in result.stderr


@pytest.mark.slow
def test_play_wraps_long_lines(trained):
    checkpoints, _, _ = trained
    result = run_script(
        "rnn_play.py",
        "--checkpoint",
        os.path.join(checkpoints, "rnn_train-60"),
        "--length",
        "300",
        "--topn",
        "5",
        "--seed",
        "1",
        "--width",
        "40",
    )
    assert result.returncode == 0
    assert max(len(line.expandtabs(8)) for line in result.stdout.splitlines()) <= 40


@pytest.mark.slow
def test_play_into_a_closed_pipe(trained):
    """python rnn_play.py | head -3: when the reader goes, rnn_play ends quietly."""
    process = subprocess.Popen(
        [sys.executable, os.path.join(PROJECT_DIR, "rnn_play.py"), "--checkpoint", trained[0]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.read(300)
    process.stdout.close()
    stderr = process.communicate(timeout=120)[1].decode()
    assert process.returncode in (0, 1), stderr
    assert stderr.strip().splitlines() == [
        f"[{trained[0]}/rnn_train-60: 2 layers of 32 units]",  # no traceback
        "[generating with the loop XLA compiles (a second to compile; --no-xla: op by op)]",
    ]


@pytest.mark.slow
def test_play_on_an_ascii_terminal(trained):
    result = run_with_encoding(
        "ascii", "rnn_play.py", "--checkpoint", trained[0], "--length", "50", "--prime", "\u2603 ROMEO:"
    )  # a snowman: in neither encoding
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


# ---------------------------------------------------------------- --replay: the milestones
@pytest.mark.slow
def test_replay_in_step_order_with_headers(trained):
    checkpoints, _, _ = trained
    result = run_script(
        "rnn_play.py",
        "--replay",
        "--checkpoint",
        checkpoints,
        "--length",
        "60",
        "--seed",
        "4",
        "--width",
        "1000",
        "--prime",
        "ROMEO:",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    headers = re.findall(
        r"^==== step (\d+), epoch ([0-9.]+), validation loss ([0-9.]+), drawn among (\d+) ====$",
        result.stdout,
        re.MULTILINE,
    )
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
    assert [
        int(s) for s in re.findall(r"^==== step (\d+), drawn among \d+ ====$", result.stdout, re.MULTILINE)
    ] == checkpoint_steps(copy)


@pytest.mark.slow
@pytest.mark.parametrize(
    "where, code, message", [("empty", 1, "no checkpoint in"), ("file", 2, "must be a checkpoint folder")]
)
def test_replay_bad_folder(where, code, message, tmp_path):
    path = tmp_path / where
    if where == "empty":
        path.mkdir()
    else:
        path.write_text("x")
    result = run_script("rnn_play.py", "--replay", "--checkpoint", str(path))
    assert result.returncode == code and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_replay_topn_flags(trained):
    result = run_script(
        "rnn_play.py",
        "--replay",
        "--checkpoint",
        trained[0],
        "--length",
        "20",
        "--seed",
        "1",
        "--replay-topn",
        "5",
        "--topn",
        "1",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.findall(r"drawn among (\d+) ====", result.stdout) == ["5", "1"]


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
    import rnn_hparams

    checkpoint_score = run_script("rnn_play.py", "--checkpoint", trained[0], "--score", text_glob, "--held-out")
    model_score = run_script("rnn_play.py", "--checkpoint", str(exported), "--score", text_glob, "--held-out")
    assert model_score.returncode == 0, model_score.stderr[-2000:]
    pattern = (
        r"loss ([0-9.]+) nats per character \(([0-9.]+) bits\), next character right ([0-9.]+)% of the "
        r"time, over ([0-9,]+) characters"
    )
    ((loss, bits, right, count),) = re.findall(pattern, model_score.stdout)
    assert model_score.stdout.startswith("the end of work5, from line ")
    assert float(bits) == pytest.approx(float(loss) / np.log(2), abs=1e-3)
    assert 0 < float(loss) < np.log(98)  # learned something
    assert int(count.replace(",", "")) % rnn_hparams.SEQLEN == 0
    checkpoint_loss = float(re.findall(pattern, checkpoint_score.stdout)[0][0])
    assert float(loss) == pytest.approx(checkpoint_loss, rel=0.005)  # float16 moves it by less than 0.5%
    # the recorded validation loss of step 50 (what rnn_train measured) is what --score finds at step 50
    milestone = os.path.join(trained[0], "milestones", "milestone-50")
    import json

    recorded = {m["step"]: m["validation_loss"] for m in json.load(open(os.path.join(trained[0], "milestones.json")))}
    at_50 = run_script("rnn_play.py", "--checkpoint", milestone, "--score", text_glob, "--held-out", *TINY_BATCH)
    assert float(re.findall(pattern, at_50.stdout)[0][0]) == pytest.approx(recorded[50], abs=1e-4)
    whole = run_script("rnn_play.py", "--checkpoint", str(exported), "--score", text_glob)
    whole_count = re.findall(pattern, whole.stdout)[0][3]
    assert whole.returncode == 0 and int(whole_count.replace(",", "")) > int(count.replace(",", ""))


@pytest.mark.slow  # a TensorFlow process each (7 s): python -m pytest -m slow
@pytest.mark.parametrize(
    "flags, message",
    [
        (["--held-out"], "--held-out goes with --score"),
        (["--score", "x", "--replay"], "one at a time"),
        (["--score", "/nonexistent/*.txt"], "no file matches"),
    ],
)
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
    assert rnn_play.model_to_play(args) == str(exported)  # no checkpoints/ of the user's
    (tmp_path / "checkpoints").mkdir()
    assert rnn_play.model_to_play(args) == str(exported)  # an empty one
    monkeypatch.setattr(rnn_checkpoints, "DEFAULT_FOLDER", trained[0])
    assert rnn_play.model_to_play(args) == trained[0]  # the user's own training run
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
    result = run_script(
        "rnn_play.py",
        "--checkpoint",
        SHIPPED,
        "--length",
        "400",
        "--seed",
        "1",
        "--width",
        "1000",
        env={"SHAKESPEARE_DATA": None},
        cwd=str(tmp_path),
    )
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


# ---------------------------------------------------------------- a folder written before rnn_model.py: the same text
FIXTURES = os.path.join(PROJECT_DIR, "tests", "fixtures")


@pytest.mark.slow
@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--topn", "10"], "checkpoints_before_rnn_model_play_seed0_topn10.txt"),
        (["--replay"], "checkpoints_before_rnn_model_replay_seed0.txt"),
    ],
)
def test_a_checkpoint_folder_written_before_rnn_model_plays_the_same_text(flags, expected, tmp_path):
    # tests/fixtures/checkpoints_before_rnn_model: a tiny model (2 layers of 8 units) trained by rnn_train.py
    # before the model moved into rnn_model.py; the texts beside it are what rnn_play.py wrote from it then
    folder = shutil.copytree(os.path.join(FIXTURES, "checkpoints_before_rnn_model"), tmp_path / "c")
    length = "100" if "--replay" in flags else "300"
    # --no-xla: op by op, as then (the loop XLA compiles draws its own random numbers: another text)
    result = run_script(
        "rnn_play.py",
        "--checkpoint",
        str(folder),
        "--length",
        length,
        "--seed",
        "0",
        "--width",
        "100",
        "--no-xla",
        *flags,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == open(os.path.join(FIXTURES, expected)).read()
