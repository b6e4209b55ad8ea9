"""What a careless user does to the lessons, compare_runs and the RNN's scripts: nothing lost, nothing silently
wrong.

Each test here failed on the code before it was written (the trials of the reliability issue)."""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import PROJECT_DIR, TINY, checkpoint_steps, interrupt_after, run_script

SHORT = ["--no-visu", "--iterations", "30", "--test-every", "10"]


def _summary_path(result):
    assert result.returncode == 0, result.stderr[-2000:]
    return re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1)


def _test_curve(result):
    with open(_summary_path(result)) as f:
        summary = json.load(f)
    return summary["curves"]["test"]["accuracy"], summary["hyperparameters"], summary["curves"]["train"]


# ---------------------------------------------------------------- silently wrong
@pytest.mark.slow
def test_lesson_4_1_takes_lr_0_as_a_constant_learning_rate(lesson_data_dir, tmp_path):
    """--lr 0 --lr-min R is a constant learning rate R, in lesson 4.0 as in the others (0 was read as "default")."""
    runs = {}
    for lr in ("0", "0.03", None):
        flags = ["--lr", lr] if lr is not None else []
        runs[lr] = _test_curve(
            run_script(
                "mnist_4.0_batchnorm_five_layers_sigmoid.py",
                *SHORT,
                *flags,
                "--lr-min",
                "0.003",
                "--data-dir",
                lesson_data_dir,
                "--runs-dir",
                str(tmp_path),
            )
        )
    assert runs["0"][0] != runs["0.03"][0]
    assert runs["0"][1]["lr"] == 0.0 and runs["0.03"][1]["lr"] == 0.03
    assert runs[None][1]["lr"] == 0.03 and runs[None][0] == runs["0.03"][0]  # the default, recorded as used
    # the summary keeps the learning rate used at each measured step: lr_min + lr * exp(-step / lr_decay)
    assert runs["0"][2]["learning_rate"] == [0.003] * len(runs["0"][2]["step"])
    assert runs["0.03"][2]["learning_rate"] == [
        round(0.003 + 0.03 * math.exp(-step / 2000), 9) for step in runs["0.03"][2]["step"]
    ]


def test_runs_started_in_the_same_second_get_their_own_summary(tmp_path):
    import runlog

    stems = [runlog._new_run_stem(str(tmp_path), "mnist_1.0_softmax") for _ in range(3)]
    assert len({stem for stem, _ in stems}) == 3
    assert all(os.path.exists(reservation) for _, reservation in stems)
    assert all(os.path.basename(r).startswith(".") for _, r in stems)  # hidden: not a run summary


@pytest.mark.slow
def test_parallel_runs_into_one_folder_keep_every_summary(synthetic_mnist, tmp_path):
    import subprocess
    import sys

    environment = dict(os.environ, MPLBACKEND="Agg")
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                os.path.join(PROJECT_DIR, "mnist_1.0_softmax.py"),
                *SHORT,
                "--seed",
                str(seed),
                "--data-dir",
                synthetic_mnist,
                "--runs-dir",
                str(tmp_path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for seed in (1, 2, 3)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    paths = [re.search(r"^run summary: (.+)$", out, re.MULTILINE).group(1) for out in outputs]
    assert len(set(paths)) == 3 and all(os.path.exists(p) for p in paths)
    seeds = sorted(json.load(open(p))["hyperparameters"]["seed"] for p in paths)
    assert seeds == [1, 2, 3]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".reserved")]  # released


# ---------------------------------------------------------------- ~ in output paths
@pytest.mark.slow
def test_tilde_in_output_paths_goes_home(synthetic_mnist, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = run_script(
        "mnist_1.0_softmax.py",
        "--iterations",
        "20",
        "--test-every",
        "10",
        "--data-dir",
        synthetic_mnist,
        "--runs-dir=~/myruns",
        "--save-png=~/pictures/dash.png",
        env={"HOME": str(home)},
    )
    path = _summary_path(result)
    assert path.startswith(str(home / "myruns")) and os.path.exists(path)
    assert (home / "pictures" / "dash.png").exists()
    assert not os.path.exists(os.path.join(PROJECT_DIR, "~"))
    compared = run_script("compare_runs.py", path, "--save-png=~/compare.png", env={"HOME": str(home)})
    assert compared.returncode == 0, compared.stderr
    assert (home / "compare.png").exists() and not os.path.exists(os.path.join(PROJECT_DIR, "~"))


# ---------------------------------------------------------------- compare_runs without a usable display
@pytest.mark.slow
@pytest.mark.parametrize("backend", [None, "agg"])
def test_compare_runs_with_an_unusable_display_saves_a_png(backend, synthetic_mnist, tmp_path):
    run = run_script("mnist_1.0_softmax.py", *SHORT, "--data-dir", synthetic_mnist, "--runs-dir", str(tmp_path))
    path = _summary_path(run)
    picture = os.path.join(PROJECT_DIR, "runs", "compare_runs.png")
    kept = picture + ".kept-by-test"
    if os.path.exists(picture):
        os.replace(picture, kept)
    try:
        env = {"DISPLAY": ":987", "MPLBACKEND": backend}  # no X server there; matplotlib's own choice, or agg
        result = run_script("compare_runs.py", path, env=env, timeout=60, cwd=str(tmp_path))  # no hang
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"saved: {picture}" in result.stdout and "Close the window" not in result.stdout
        assert os.path.exists(picture) and not (tmp_path / "runs").exists()  # the project's runs/, not the cwd's
    finally:
        if os.path.exists(picture):
            os.remove(picture)
        if os.path.exists(kept):
            os.replace(kept, picture)


# ---------------------------------------------------------------- SIGTERM and SIGHUP, like Ctrl-C
@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_lesson_stopped_by_a_signal_keeps_its_results(signal_number, lesson_data_dir, tmp_path):
    started = time.perf_counter()
    returncode, stdout, stderr = interrupt_after(
        "step     50",
        "mnist_2.2_five_layers_relu_lrdecay_dropout.py",
        "--no-visu",
        "--iterations",
        "1000000",
        "--test-every",
        "50",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
        signal_number=signal_number,
    )
    name = signal.Signals(signal_number).name
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    assert f"stopped by {name} after" in stdout and "max test accuracy" in stdout
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert time.perf_counter() - started < 120


# ---------------------------------------------------------------- flags
@pytest.mark.slow
@pytest.mark.parametrize("script", ["mnist_1.0_softmax.py", "rnn_train.py", "rnn_play.py"])
def test_negative_seed_is_a_flag_error_before_anything_is_written(script, tmp_path):
    flags = {
        "rnn_train.py": ["--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l")],
        "mnist_1.0_softmax.py": ["--runs-dir", str(tmp_path / "r")],
    }.get(script, [])
    result = run_script(script, "--seed", "-1", *flags)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--seed" in result.stderr.strip().splitlines()[-1]
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_data_dir_given_a_file(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"x")
    result = run_script("mnist_1.0_softmax.py", "--no-visu", "--data-dir", str(tmp_path / "train-images-idx3-ubyte.gz"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "is a file, not a folder" in last and "download" not in last


# ---------------------------------------------------------------- a diverging run, a long movie
@pytest.mark.slow
def test_a_diverging_run_says_so_once_and_writes_valid_json(synthetic_mnist, tmp_path):
    result = run_script(
        "mnist_2.0_five_layers_sigmoid.py",
        *SHORT,
        "--learning-rate",
        "1e38",
        "--data-dir",
        synthetic_mnist,
        "--runs-dir",
        str(tmp_path),
    )
    path = _summary_path(result)
    assert result.stdout.count("the training diverged") == 1
    text = open(path).read()
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text)
    assert None in summary["curves"]["test"]["loss"]


def test_a_long_gif_is_recorded_in_bounded_memory(tmp_path):
    from PIL import Image
    import movies

    path = str(tmp_path / "movie.gif")
    recorder = movies.GifRecorder(path, (120, 90), fps=8, max_frames=4)
    for frame in range(10):
        pixels = np.full((90, 120, 3), 25 * frame, np.uint8)  # each picture another grey
        recorder.add(pixels)
        assert len(recorder._frames) <= 4
    assert recorder.kept_one_in == 4
    recorder.finish()
    with Image.open(path) as movie:
        assert movie.n_frames == 3 and movie.size == (120, 90)  # pictures 1, 5 and 9 of 10: the whole run


# ---------------------------------------------------------------- what a careless user does to a training run
def _tiny_run(text_glob, folder, *flags):
    return run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY,
        "--report-every",
        "1000",
        "--checkpoint-dir",
        str(folder / "c"),
        "--log-dir",
        str(folder / "l"),
        *flags,
    )


@pytest.mark.slow
def test_disk_full_during_a_checkpoint_keeps_the_previous_one(text_glob, tmp_path):
    """A real write failure: files may not grow past 150 kB (RLIMIT_FSIZE), so the step-20 checkpoint
    (weights and Adam's state, ~260 kB) cannot be written, while the milestones and logs can."""
    import resource

    first = _tiny_run(text_glob, tmp_path, "--steps", "10", "--checkpoint-every", "10")
    assert first.returncode == 0, first.stderr[-2000:]
    limit = 150_000
    environment = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(PROJECT_DIR, "rnn_train.py"),
            "--data",
            text_glob,
            *TINY,
            "--report-every",
            "1000",
            "--checkpoint-dir",
            str(tmp_path / "c"),
            "--log-dir",
            str(tmp_path / "l"),
            "--resume",
            "--steps",
            "10",
            "--checkpoint-every",
            "10",
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "cannot save the checkpoint of step 20" in last
    assert "the newest complete checkpoint is rnn_train-10, so the 10 steps since were not saved" in last
    assert checkpoint_steps(tmp_path / "c") == [10]
    assert not [name for name in os.listdir(tmp_path / "c") if "20" in name]  # nothing half-written
    again = _tiny_run(text_glob, tmp_path, "--resume", "--steps", "1")  # the previous one still loads
    assert again.returncode == 0 and "resumed from" in again.stdout


@pytest.mark.slow
def test_one_training_run_at_a_time_in_a_folder(text_glob, tmp_path):
    folder = tmp_path / "c"
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    first = subprocess.Popen(
        [
            sys.executable,
            os.path.join(PROJECT_DIR, "rnn_train.py"),
            "--data",
            text_glob,
            *TINY,
            "--steps",
            "1000000",
            "--checkpoint-every",
            "5",
            "--checkpoint-dir",
            str(folder),
            "--log-dir",
            str(tmp_path / "l"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        for line in first.stdout:
            if line.startswith("training steps"):
                break
        hparams = (folder / "hparams.json").read_text()
        second = _tiny_run(text_glob, tmp_path, "--steps", "1", "--internal-size", "16")
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert f"in use by another rnn_train.py (process {first.pid})" in second.stderr.strip().splitlines()[-1]
        assert (folder / "hparams.json").read_text() == hparams  # the first run's, untouched
        # Kill it only once it has saved a checkpoint, whatever the machine's speed: the run below resumes from it.
        deadline = time.monotonic() + 240
        while not checkpoint_steps(folder) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert checkpoint_steps(folder), "the first run saved no checkpoint in 240 s"
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
    returncode, stdout, stderr = interrupt_after(
        "training steps",
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY,
        "--steps",
        "1000000",
        "--checkpoint-every",
        "100000",
        "--checkpoint-dir",
        str(tmp_path / "c"),
        "--log-dir",
        str(tmp_path / "l"),
        signal_number=signal_number,
        timeout=60,
    )
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    step = int(re.search(r"stopped by SIG[A-Z]+ at step (\d+)", stdout).group(1))
    assert checkpoint_steps(tmp_path / "c") == [step]


def test_play_twice_in_one_process_as_a_notebook_does(trained, capsys):
    import rnn_play

    for _ in range(2):  # %run rnn_play.py twice in one kernel: one default graph
        rnn_play.main(["--checkpoint", trained[0], "--length", "20", "--seed", "1"])
    assert "already exists" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, flags",
    [
        ("{not json", ["--resume", "--steps", "5"]),
        (
            '[{"step": "25", "epoch": 0.1, "validation_loss": 3.0, "checkpoint": "milestones/milestone-25"}]',
            ["--resume", "--steps", "5"],
        ),
    ],
)
@pytest.mark.slow
def test_damaged_milestones_found_before_training(content, flags, trained, text_glob, tmp_path):
    copy = shutil.copytree(trained[0], tmp_path / "c")
    (copy / "milestones.json").write_text(content)
    before = sorted(os.listdir(copy))
    result = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        *TINY,
        "--checkpoint-dir",
        str(copy),
        "--log-dir",
        str(tmp_path / "l"),
        *flags,
    )
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
    result = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        "--resume",
        "--batch-size",
        "16",
        "--steps",
        "1",
        "--checkpoint-dir",
        str(copy),
        "--log-dir",
        str(tmp_path / "l"),
    )
    assert result.returncode == 1 and "--batch-size 8, not 16" in result.stderr
    same = run_script(
        "rnn_train.py",
        "--data",
        text_glob,
        "--resume",
        "--steps",
        "1",  # read from hparams.json
        "--checkpoint-dir",
        str(copy),
        "--log-dir",
        str(tmp_path / "l"),
    )
    assert same.returncode == 0, same.stderr[-2000:]


@pytest.mark.slow
def test_an_unquoted_data_glob_is_explained(text_glob, tmp_path):
    import glob as globbing

    files = sorted(globbing.glob(text_glob))
    result = run_script("rnn_train.py", "--data", *files, "--checkpoint-dir", str(tmp_path / "c"))
    assert result.returncode == 2 and "quote it" in result.stderr.strip().splitlines()[-1]
