"""What a careless user does to the lessons and compare_runs: nothing lost, nothing silently wrong.

Each test here failed on the code before it was written (the trials of the reliability issue)."""
import json
import math
import os
import re
import signal
import time

import numpy as np
import pytest

from conftest import PROJECT_DIR, interrupt_after, run_script

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
    """--lr 0 --lr-min R is a constant learning rate R, in lesson 4.1 as in the others (0 was read as "default")."""
    runs = {}
    for lr in ("0", "0.03", None):
        flags = ["--lr", lr] if lr is not None else []
        runs[lr] = _test_curve(run_script("mnist_4.1_batchnorm_five_layers_sigmoid.py", *SHORT, *flags,
                                          "--lr-min", "0.003", "--data-dir", lesson_data_dir,
                                          "--runs-dir", str(tmp_path)))
    assert runs["0"][0] != runs["0.03"][0]
    assert runs["0"][1]["lr"] == 0.0 and runs["0.03"][1]["lr"] == 0.03
    assert runs[None][1]["lr"] == 0.03 and runs[None][0] == runs["0.03"][0]  # the default, recorded as used
    # the summary keeps the learning rate used at each measured step: lr_min + lr * exp(-step / lr_decay)
    assert runs["0"][2]["learning_rate"] == [0.003] * len(runs["0"][2]["step"])
    assert runs["0.03"][2]["learning_rate"] == [round(0.003 + 0.03 * math.exp(-step / 2000), 9)
                                                for step in runs["0.03"][2]["step"]]


def test_runs_started_in_the_same_second_get_their_own_summary(tmp_path):
    import mnist_lesson
    stems = [mnist_lesson._new_run_stem(str(tmp_path), "mnist_1.0_softmax") for _ in range(3)]
    assert len({stem for stem, _ in stems}) == 3
    assert all(os.path.exists(reservation) for _, reservation in stems)
    assert all(os.path.basename(r).startswith(".") for _, r in stems)  # hidden: not a run summary


@pytest.mark.slow
def test_parallel_runs_into_one_folder_keep_every_summary(synthetic_mnist, tmp_path):
    import subprocess
    import sys
    environment = dict(os.environ, MPLBACKEND="Agg")
    processes = [subprocess.Popen([sys.executable, os.path.join(PROJECT_DIR, "mnist_1.0_softmax.py"), *SHORT,
                                   "--seed", str(seed), "--data-dir", synthetic_mnist, "--runs-dir", str(tmp_path)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
                 for seed in (1, 2, 3)]
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
    result = run_script("mnist_1.0_softmax.py", "--iterations", "20", "--test-every", "10", "--data-dir",
                        synthetic_mnist, "--runs-dir=~/myruns", "--save-png=~/pictures/dash.png",
                        env={"HOME": str(home)})
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
    returncode, stdout, stderr = interrupt_after("step     50", "mnist_2.2_five_layers_relu_lrdecay_dropout.py",
                                                 "--no-visu", "--iterations", "1000000", "--test-every", "50",
                                                 "--data-dir",
                                                 lesson_data_dir, "--runs-dir", str(tmp_path),
                                                 signal_number=signal_number)
    name = signal.Signals(signal_number).name
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    assert f"stopped by {name} after" in stdout and "max test accuracy" in stdout
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert time.perf_counter() - started < 120


# ---------------------------------------------------------------- flags
@pytest.mark.slow
@pytest.mark.parametrize("script", ["mnist_1.0_softmax.py", "rnn_train.py", "rnn_play.py"])
def test_negative_seed_is_a_flag_error_before_anything_is_written(script, tmp_path):
    flags = {"rnn_train.py": ["--checkpoint-dir", str(tmp_path / "c"), "--log-dir", str(tmp_path / "l")],
             "mnist_1.0_softmax.py": ["--runs-dir", str(tmp_path / "r")]}.get(script, [])
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
    result = run_script("mnist_2.0_five_layers_sigmoid.py", *SHORT, "--learning-rate", "1e38", "--data-dir",
                        synthetic_mnist, "--runs-dir", str(tmp_path))
    path = _summary_path(result)
    assert result.stdout.count("the training diverged") == 1
    text = open(path).read()
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text)
    assert None in summary["curves"]["test"]["loss"]


def test_a_long_gif_is_recorded_in_bounded_memory(tmp_path):
    from PIL import Image
    import livefigure
    path = str(tmp_path / "movie.gif")
    recorder = livefigure.GifRecorder(path, (120, 90), fps=8, max_frames=4)
    for frame in range(10):
        pixels = np.full((90, 120, 3), 25 * frame, np.uint8)  # each picture another grey
        recorder.add(pixels)
        assert len(recorder._frames) <= 4
    assert recorder.kept_one_in == 4
    recorder.finish()
    with Image.open(path) as movie:
        assert movie.n_frames == 3 and movie.size == (120, 90)  # pictures 1, 5 and 9 of 10: the whole run