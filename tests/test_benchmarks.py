"""The benchmark commands run and say what they measured (tiny sizes: the figures themselves are not checked,
speed is never asserted in a test)."""

import os
import re
import subprocess
import sys

import pytest

from conftest import PROJECT_DIR


def run_benchmark(script, *flags, timeout=600):
    env = dict(os.environ, MPLBACKEND="Agg", MNIST_MIRRORS="http://127.0.0.1:9/")
    return subprocess.run(
        [sys.executable, os.path.join(PROJECT_DIR, "benchmarks", script), *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=PROJECT_DIR,
    )


@pytest.mark.slow
def test_peers_measures_the_project_and_says_which_peer_is_missing(lesson_data_dir):
    pytest.importorskip("keras", reason="Keras is not installed (it comes with TensorFlow 2.21)")
    result = run_benchmark(
        "peers.py", "--rounds", "1", "--only", "conv", "--conv-steps", "12", "--data-dir", lesson_data_dir
    )
    assert result.returncode == 0, result.stderr[-2000:]
    row = re.search(r"^\| lesson 3\.1 training \| steps/s \| (.*)$", result.stdout, re.MULTILINE)
    assert row, result.stdout
    cells = [c.strip() for c in row.group(1).split("|") if c.strip()]
    project, keras = (float(c.replace(",", "")) for c in cells[:2])
    assert project > 0 and keras > 0
    assert re.search(r"\d+\.\d\dx", row.group(1))  # the ratio project / Keras
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "pytorch is not installed (pip install -r requirements-bench.txt): left out" in result.stdout


@pytest.mark.slow
def test_dashboard_overhead_prints_pictures_beside_the_overhead(lesson_data_dir):
    result = run_benchmark(
        "dashboard_overhead.py",
        "--lessons",
        "1.0",
        "--repeat",
        "1",
        "--modes",
        "png",
        "--iterations",
        "20",
        "--data-dir",
        lesson_data_dir,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| pictures a second | one picture, ms |" in result.stdout
    assert re.search(r"^\| mnist_1\.0_softmax \| --save-png \| [\d.]+ \| [+-]\d+% \|", result.stdout, re.MULTILINE), (
        result.stdout
    )


# ---------------------------------------------------------------- rnn_curves.py: outputs first, the epoch length
def checkpoint_folder(folder, steps, epoch_steps, batch_size=2, seqlen=5):
    """A checkpoint folder as rnn_train.py leaves it, as far as rnn_curves.py reads it: its batch shape, and
    milestones at `steps` with the epochs rnn_train.py records (round(step / steps per epoch, 4))."""
    import json

    os.makedirs(os.path.join(folder, "milestones"), exist_ok=True)
    with open(os.path.join(folder, "hparams.json"), "w") as f:
        json.dump({"internal_size": 8, "layers": 1, "alphasize": 98, "batch_size": batch_size, "seqlen": seqlen}, f)
    milestones = []
    for step in steps:
        open(os.path.join(folder, "milestones", f"milestone-{step}.index"), "w").close()
        milestones.append(
            {
                "step": step,
                "epoch": round(step / epoch_steps, 4),
                "validation_loss": 3.0 - step / 1000,
                "checkpoint": f"milestones/milestone-{step}",
            }
        )
    with open(os.path.join(folder, "milestones.json"), "w") as f:
        json.dump(milestones, f)
    return str(folder)


@pytest.mark.parametrize(
    "flag, where", [("--json", "a folder"), ("--json", "under a file"), ("--save-png", "a folder")]
)
def test_rnn_curves_checks_its_outputs_before_the_work(flag, where, tmp_path):
    # the output is checked before anything is read: here the checkpoint folder has no milestones, which would be
    # said first otherwise (and with logs to read, only after minutes of reading them)
    (tmp_path / "logs").mkdir()
    (tmp_path / "a_file").write_text("x")
    output = {
        "a folder": tmp_path / ("out.json" if flag == "--json" else "out.png"),
        "under a file": tmp_path / "a_file" / "out.json",
    }[where]
    if where == "a folder":
        output.mkdir()
    result = run_benchmark(
        "rnn_curves.py",
        "--log-dir",
        str(tmp_path / "logs"),
        "--checkpoint-dir",
        str(tmp_path / "empty"),
        flag,
        str(output),
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {flag} {output}: "), result.stderr


def test_rnn_curves_epoch_length(tmp_path):
    # rnn_train.py records each milestone's epoch rounded to 4 decimals: step 25 of a 904-step epoch is epoch
    # 0.0277, which 901 to 904 steps give (25 / 0.0277 = 902.5 was taken for 903); step 50 tells 904
    sys.path.insert(0, os.path.join(PROJECT_DIR, "benchmarks"))
    import rnn_curves
    from cli import UsageError

    assert rnn_curves.steps_per_epoch(checkpoint_folder(tmp_path / "a", [25, 50], 904)) == (904, None)
    assert rnn_curves.steps_per_epoch(checkpoint_folder(tmp_path / "b", [25, 50, 100, 200, 400, 800, 1000], 865)) == (
        865,
        None,
    )
    steps, note = rnn_curves.steps_per_epoch(checkpoint_folder(tmp_path / "c", [25], 904))
    assert 901 <= steps <= 904 and note.startswith(
        "uncertain: 901 to 904 give the milestones' rounded epochs; --data GLOB"
    )
    # --data: counted from the text, as rnn_train.py counts them (txtutils.batches_per_epoch, the folder's batch shape)
    import shakespeare_data
    import txtutils

    (tmp_path / "text.txt").write_text("".join(f"Line {i} of a play, to be or not to be.\n" for i in range(400)))
    data = str(tmp_path / "text.txt")
    length = len(shakespeare_data.read_corpus(data).train)
    epoch_steps = txtutils.batches_per_epoch(length, 2, 5)
    assert epoch_steps > 300  # long enough for step 25's epoch to fit several lengths
    assert rnn_curves.steps_per_epoch(checkpoint_folder(tmp_path / "d", [25], epoch_steps), data) == (epoch_steps, None)
    with pytest.raises(
        UsageError,
        match=f"--data {re.escape(data)}: {epoch_steps} steps per epoch with this text, "
        "which do not give the epochs of the milestones",
    ):
        rnn_curves.steps_per_epoch(checkpoint_folder(tmp_path / "e", [25, 50], epoch_steps + 7), data)


@pytest.mark.slow  # a TensorFlow training run (12 s)
def test_rnn_curves_writes_its_table_as_json(tmp_path):
    # TensorBoard logs as rnn_train.py writes them (the training loss every 10 steps, up to step 900 only; the
    # validation loss every 100 steps, to 1,900): two epochs of 904 steps, the second without a training loss
    import json
    from graphmode import tf

    for kind, steps in (("training", range(10, 901, 10)), ("validation", range(100, 1901, 100))):
        writer = tf.summary.FileWriter(str(tmp_path / "logs" / f"20261201-120000-{kind}"))
        for step in steps:
            writer.add_summary(
                tf.Summary(value=[tf.Summary.Value(tag="batch_loss", simple_value=3.0 - step / 1000)]), step
            )
        writer.close()
    checkpoints = checkpoint_folder(tmp_path / "c", [25, 50, 100, 200, 400, 800, 1000], 904)
    output = tmp_path / "out" / "table.json"
    result = run_benchmark(
        "rnn_curves.py",
        "--log-dir",
        str(tmp_path / "logs"),
        "--checkpoint-dir",
        checkpoints,
        "--json",
        str(output),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("904 steps per epoch\n") and f"table: {output}" in result.stdout
    table = json.loads(output.read_text(), parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert [(row["epoch"], row["step"]) for row in table] == [(1, 900), (2, 1800)]
    assert table[0]["mean_training_loss"] == pytest.approx(3.0 - 0.455, abs=1e-3)  # steps 10 to 900
    assert table[1]["mean_training_loss"] is None  # (NaN, which JSON has not)
    assert os.listdir(tmp_path / "out") == ["table.json"]  # (no partial file left)


@pytest.mark.slow  # five TensorFlow processes
def test_rnn_precision_compares_both_paths_and_the_other_levers():
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(PROJECT_DIR, "benchmarks", "rnn_precision.py"),
            "--rounds",
            "1",
            "--steps",
            "1",
            "--internal-size",
            "8",
            "--layers",
            "1",
            "--paths",
            "float32",
            "bfloat16",
            "unrolled",
            "inter-op-1",
            "xla",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(
        r"median of 1 rounds, 1 x 8 GRU, batches of 200 x 30: float32 [\d,]+ chars/s, bfloat16 "
        r"[\d,]+ chars/s \([\d.]+x\), unrolled [\d,]+ chars/s \([\d.]+x\), inter-op-1 [\d,]+ chars/s "
        r"\([\d.]+x\), xla [\d,]+ chars/s \([\d.]+x\)$",
        result.stdout,
        re.MULTILINE,
    ), result.stdout


@pytest.mark.slow  # two generations from the shipped model
def test_peers_measures_generation_against_a_baseline_commit():
    result = run_benchmark(
        "peers.py", "--rounds", "1", "--only", "generation", "--generate", "300", "--baseline", "HEAD"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    row = re.search(
        r"^\| generation, rnn_play\.py \| chars/s \| ([\d,]+) \| ([\d,]+) \|.* (\d+\.\d\d)x \|",
        result.stdout,
        re.MULTILINE,
    )
    assert row and float(row.group(1).replace(",", "")) > 0 and float(row.group(2).replace(",", "")) > 0, result.stdout
    assert re.search(
        r"^\| generation's weight reads alone \(NumPy\) \| chars/s \| [\d,]+ \|", result.stdout, re.MULTILINE
    ), result.stdout
    assert "AMD" in result.stdout or "Intel" in result.stdout or "CPU" in result.stdout  # the machine line
    bad = run_benchmark("peers.py", "--only", "generation", "--baseline", "no-such-commit")
    assert bad.returncode != 0 and "--baseline no-such-commit: git archive failed" in bad.stderr
