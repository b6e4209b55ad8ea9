"""rnn_checkpoints.py on a trained tiny run: damaged checkpoints recognised, the newest complete one used, one
line when none is left; the milestones' spacing."""

import os
import shutil

import pytest

from cli import UsageError
from conftest import TINY_BATCH, checkpoint_steps, damage_checkpoint, run_script


@pytest.mark.parametrize(
    "how, problem",
    [
        ("missing", "its .data file is missing"),
        ("truncated", "its .data file is truncated"),
        ("corrupt", "it is damaged"),
    ],
)
def test_damaged_checkpoint_is_recognised(how, problem, trained, tmp_path):
    import rnn_checkpoints

    copy = shutil.copytree(trained[0], tmp_path / "copy")
    assert rnn_checkpoints.why_unloadable(str(copy / "rnn_train-60")) is None
    damage_checkpoint(str(copy / "rnn_train-60"), how)
    assert rnn_checkpoints.why_unloadable(str(copy / "rnn_train-60")).startswith(problem)


@pytest.mark.slow
def test_play_falls_back_to_the_newest_complete_checkpoint(trained, tmp_path):
    copy = str(shutil.copytree(trained[0], tmp_path / "copy"))
    damage_checkpoint(os.path.join(copy, "rnn_train-60"), "truncated")  # a run killed while it saved
    damage_checkpoint(os.path.join(copy, "rnn_train-50"), "missing")
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: cannot load rnn_train-60 (its .data file is truncated), rnn_train-50 (its .data "
        "file is missing): using rnn_train-40, the newest complete checkpoint"
    ]
    assert f"[{copy}/rnn_train-40:" in result.stderr


def test_no_complete_checkpoint_left(trained, text_glob, tmp_path):
    import rnn_train

    copy = str(shutil.copytree(trained[0], tmp_path / "copy"))
    for step in checkpoint_steps(copy):
        damage_checkpoint(os.path.join(copy, f"rnn_train-{step}"), "truncated")
    message = (
        f"no complete checkpoint in {copy}: rnn_train-60 cannot be loaded (its .data file is truncated), "
        "nor the 4 older ones; train a new model with rnn_train.py --checkpoint-dir NEW_FOLDER"
    )
    result = run_script("rnn_play.py", "--checkpoint", copy, "--length", "20")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: " + message]
    with pytest.raises(UsageError) as error:  # rnn_train --resume: the same, before building the model
        rnn_train.main(
            ["--data", text_glob, *TINY_BATCH, "--resume", "--checkpoint-dir", copy, "--log-dir", str(tmp_path / "log")]
        )
    assert str(error.value) == message


def test_play_damaged_checkpoint_named_on_the_command_line(trained, tmp_path):
    import rnn_checkpoints

    copy = shutil.copytree(trained[0], tmp_path / "copy")
    damage_checkpoint(str(copy / "rnn_train-60"), "corrupt")
    with pytest.raises(UsageError, match="rnn_train-60 cannot be loaded \\(it is damaged"):
        rnn_checkpoints.find_weights(str(copy / "rnn_train-60"))


def test_milestone_spacing():
    import rnn_checkpoints

    steps = [step for step in range(20001) if rnn_checkpoints.is_milestone(step)]
    assert steps[:8] == [25, 50, 100, 200, 400, 800, 1000, 2000] and steps[-1] == 20000
    assert len(steps) == 6 + 20  # doubling to 800, then every 1,000
