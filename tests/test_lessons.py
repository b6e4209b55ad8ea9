"""The MNIST lessons: every script builds and trains (few steps), writes its summary; bad flags and data fail cleanly.

The runs use the real MNIST when present, else a small synthetic set made by the tests.
"""

import glob
import importlib.util
import json
import math
import os
import re

import numpy as np
import pytest

from conftest import PROJECT_DIR, interrupt_after, run_script

LESSONS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9].[0-9]_*.py")))


def test_all_lessons_present():
    assert [name.split("_")[1] for name in LESSONS] == ["1.0", "2.0", "2.1", "2.2", "3.0", "3.1", "4.0", "4.1", "4.2"]


@pytest.mark.slow
@pytest.mark.parametrize("flags", [[], ["--no-batchnorm"]])
def test_batchnorm_sigmoid_lesson_both_halves(flags, lesson_data_dir, tmp_path):
    result = run_script(
        "mnist_4.0_batchnorm_five_layers_sigmoid.py",
        "--no-visu",
        "--iterations",
        "30",
        "--test-every",
        "30",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
        *flags,
    )
    summary = _summary(result)
    assert summary["batchnorm"] is (not flags)
    layers = summary["activations"]
    assert [layer["layer"] for layer in layers] == [1, 2, 3, 4]
    assert all(0 <= layer["saturated"] <= 1 and layer["logits_std"] > 0 for layer in layers)
    assert result.stdout.count("activations within 0.05 of 0 or 1") == 4


def _summary(result):
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    help_text = run_script("mnist_3.0_convolutional.py", "--help").stdout
    assert "--xla" in help_text and "faster" in help_text
    path = re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1)
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize(
    "lesson", [pytest.param(name, marks=() if name.startswith("mnist_1.0") else pytest.mark.slow) for name in LESSONS]
)  # lesson 1.0 in the fast tests, every lesson in the slow
def test_lesson_smoke_run(lesson, lesson_data_dir, tmp_path):
    result = run_script(
        lesson,
        "--no-visu",
        "--iterations",
        "60",
        "--test-every",
        "30",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
    )
    summary = _summary(result)
    test = summary["curves"]["test"]
    assert test["step"] == [0, 30, 60]
    assert test["loss"][-1] < test["loss"][0]  # it learns
    assert summary["iterations"] == 60 and summary["train_steps_per_second"] > 0
    assert "max test accuracy" in result.stdout and "final test accuracy" in result.stdout
    for noise in ("oneDNN", "cuda", "WARNING", "deprecat"):  # TensorFlow's start-up noise stays silent
        assert noise not in result.stderr


@pytest.mark.slow
def test_lesson_1_clearly_beats_chance_and_saves_png(lesson_data_dir, tmp_path):
    png = str(tmp_path / "dashboard.png")
    result = run_script(
        "mnist_1.0_softmax.py",
        "--iterations",
        "200",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
        "--save-png",
        png,
    )
    summary = _summary(result)
    assert summary["max_test_accuracy"] > 0.6  # chance is 0.1
    assert f"dashboard saved: {png}" in result.stdout
    assert open(png, "rb").read(4) == b"\x89PNG"
    assert summary["dashboard_where"] == "file" and summary["dashboard_pictures"] == 0  # drawn once, at the end


@pytest.mark.slow
def test_headless_without_flags_saves_png_beside_the_summary_and_gif(lesson_data_dir, tmp_path):
    movie = str(tmp_path / "run.gif")
    result = run_script(
        "mnist_1.0_softmax.py",
        "--iterations",
        "40",
        "--test-every",
        "20",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
        "--save-movie",
        movie,
        "--watch",
    )
    summary = _summary(result)
    assert "No display" in result.stdout
    summary_path = re.search(r"^run summary: (.+)$", result.stdout, re.MULTILINE).group(1)
    png = summary_path[: -len(".json")] + ".png"  # each run's picture beside its summary, never overwritten
    assert f"dashboard saved: {png}" in result.stdout and os.path.exists(png)
    from PIL import Image

    with Image.open(movie) as frames:  # the movie records the pictures as drawn (--watch: one a measurement,
        pictures = summary["dashboard_pictures"]  # steps 0-30 here), then the last (a GIF merges two alike)
        assert pictures >= 4 and pictures <= frames.n_frames <= pictures + 1, (frames.n_frames, pictures)
    assert summary["hyperparameters"]["save_png"] is None  # the flags recorded as the user passed them
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]  # no partial file


@pytest.mark.slow
def test_loss_never_nan_when_softmax_saturates(tmp_path):
    # Labels drawn at random (nothing to learn) and a huge learning rate drive the logits far apart, so
    # that the softmax outputs of the wrong classes underflow to exactly 0: log(0) must never appear.
    from conftest import write_mnist

    folder = write_mnist(str(tmp_path / "noise"), random_labels=True)
    result = run_script(
        "mnist_1.0_softmax.py",
        "--no-visu",
        "--iterations",
        "100",
        "--test-every",
        "20",
        "--learning-rate",
        "1000",
        "--data-dir",
        folder,
        "--runs-dir",
        str(tmp_path),
    )
    summary = _summary(result)
    losses = summary["curves"]["train"]["loss"] + summary["curves"]["test"]["loss"]
    assert all(math.isfinite(loss) for loss in losses)
    # the loss is 100 x the mean over the images of -log(probability of the correct digit): above
    # 100 x 104, some probability was under e^-104, below the smallest float32: the softmax did saturate
    assert max(losses) > 100 * 104


@pytest.mark.slow
@pytest.mark.parametrize(
    "flags, named",
    [
        (["--iterations", "0"], "--iterations"),
        (["--learning-rate", "-1"], "--learning-rate"),
        (["--save-movie", "run.avi"], "--save-movie"),
        (["--no-visu", "--save-png", "x.png"], "--no-visu"),
    ],
)
def test_bad_flags_one_clear_line(flags, named):
    result = run_script("mnist_1.0_softmax.py", *flags)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    help_text = run_script("mnist_3.0_convolutional.py", "--help").stdout
    assert "--xla" in help_text and "faster" in help_text
    assert named in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow  # a TensorFlow process (7 s): the fast tests stay under 3 minutes
def test_batch_larger_than_the_training_set(synthetic_mnist):
    result = run_script("mnist_1.0_softmax.py", "--no-visu", "--batch-size", "601", "--data-dir", synthetic_mnist)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--batch-size 601" in result.stderr.strip().splitlines()[-1]


def _a_file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("not a folder")
    return str(path)


@pytest.mark.parametrize(
    "flag, where",
    [
        ("--runs-dir", lambda tmp: _a_file(tmp)),  # a file, not a folder
        ("--runs-dir", lambda tmp: os.path.join(_a_file(tmp), "runs")),  # under a file
        ("--runs-dir", lambda tmp: "/sys/kernel/runs"),  # a folder even root cannot write
        ("--save-png", lambda tmp: str(tmp)),  # a folder
        ("--save-png", lambda tmp: os.path.join(_a_file(tmp), "dash.png")),  # under a file
        ("--save-movie", lambda tmp: os.path.join(_a_file(tmp), "run.gif")),  # under a file
    ],
)
@pytest.mark.slow
def test_outputs_checked_before_training(flag, where, synthetic_mnist, tmp_path):
    path = where(tmp_path)
    if path.startswith("/sys/") and not os.path.isdir("/sys/kernel"):
        pytest.skip("no /sys/kernel here (Linux only)")
    if flag == "--save-png" and os.path.isdir(path):
        path = os.path.join(path, "folder.png")
        os.mkdir(path)
    flags = ["--runs-dir", str(tmp_path / "runs")] if flag != "--runs-dir" else []
    result = run_script(
        "mnist_1.0_softmax.py", "--iterations", "5000", "--data-dir", synthetic_mnist, *flags, flag, path
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {flag} {path}")
    assert "step" not in result.stdout  # refused before training, not after


def test_results_printed_when_the_summary_cannot_be_written(synthetic_mnist, tmp_path):
    # the runs folder becomes a file while the lesson trains: the figures are printed, one line says
    # where the summary could not go, and nothing is half-written
    import shutil

    runs = tmp_path / "runs"

    def block_the_runs_folder():
        shutil.rmtree(runs)
        runs.write_text("in the way")

    returncode, stdout, stderr = interrupt_after(
        "step     50",
        "mnist_1.0_softmax.py",
        "--iterations",
        "1000000",
        "--test-every",
        "50",
        "--data-dir",
        synthetic_mnist,
        "--runs-dir",
        str(runs),
        before_ctrl_c=block_the_runs_folder,
    )
    assert returncode == 1 and "Traceback" not in stderr
    assert "max test accuracy:" in stdout and "final test accuracy:" in stdout
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: the run summary could not be written to " + str(runs))
    assert "the dashboard could not be saved" in last
    assert runs.read_text() == "in the way" and not list(tmp_path.glob(".*"))  # nothing half-written


def test_ctrl_c_during_start_up_is_one_line():
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ, MPLBACKEND="Agg")
    process = subprocess.Popen(
        [sys.executable, os.path.join(PROJECT_DIR, "mnist_1.0_softmax.py"), "--no-visu"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(0.8)  # Python is up, TensorFlow is still loading
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["interrupted"]


@pytest.mark.slow
def test_ctrl_c_at_the_end_closes_the_window_quietly(virtual_display, synthetic_mnist, tmp_path):
    returncode, stdout, stderr = interrupt_after(
        "Close the window",
        "mnist_1.0_softmax.py",
        "--iterations",
        "20",
        "--test-every",
        "10",
        "--data-dir",
        synthetic_mnist,
        "--runs-dir",
        str(tmp_path),
        env={"MPLBACKEND": "TkAgg", "DISPLAY": virtual_display},
        timeout=30,
    )
    assert returncode == 0 and "Traceback" not in stderr, stderr[-2000:]
    assert "training goes on" not in stdout
    assert len(list(tmp_path.glob("*.json"))) == 1


@pytest.mark.slow  # a TensorFlow process (7 s): the fast tests stay under 3 minutes
def test_bad_pkeep(tmp_path):
    result = run_script("mnist_2.2_five_layers_relu_lrdecay_dropout.py", "--pkeep", "1.5")
    assert result.returncode == 2 and "--pkeep" in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_missing_data_one_clear_line(tmp_path):
    result = run_script("mnist_1.0_softmax.py", "--no-visu", "--data-dir", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    help_text = run_script("mnist_3.0_convolutional.py", "--help").stdout
    assert "--xla" in help_text and "faster" in help_text
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and str(tmp_path / "nothing") in last and "t10k-labels-idx1-ubyte" in last


@pytest.mark.slow
def test_corrupt_data_names_file(lesson_data_dir, tmp_path):
    from conftest import write_mnist

    folder = write_mnist(str(tmp_path / "data"))
    bad = os.path.join(folder, "t10k-images-idx3-ubyte.gz")
    with open(bad, "wb") as f:
        f.write(b"garbage")
    result = run_script("mnist_1.0_softmax.py", "--no-visu", "--data-dir", folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert bad in result.stderr


@pytest.mark.slow  # a TensorFlow process (7 s): the fast tests stay under 3 minutes
def test_help_reads_as_the_lesson_summary():
    result = run_script("mnist_3.1_convolutional_bigger_dropout.py", "--help")
    assert result.returncode == 0
    assert "Lesson 3.1" in result.stdout and "--pkeep" in result.stdout and "--lr-decay" in result.stdout


# ---------------------------------------------------------------- units, in process
def _load_lesson(filename):
    spec = importlib.util.spec_from_file_location(filename.replace(".", "_")[:-3], os.path.join(PROJECT_DIR, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("convolutional", [True, False])
def test_batchnorm_training_and_evaluation(convolutional):
    lesson = _load_lesson("mnist_4.2_batchnorm_convolutional.py")
    tf = lesson.tf
    rng = np.random.default_rng(0)
    shape = (64, 5, 5, 3) if convolutional else (64, 3)
    centres, spreads = np.array([5.0, -2.0, 10.0]), np.array([3.0, 0.5, 2.0])
    batch = (rng.normal(size=shape) * spreads + centres).astype(np.float32)
    axes = (0, 1, 2) if convolutional else (0,)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None] + list(shape[1:]))
        is_test = tf.placeholder(tf.bool)
        step = tf.placeholder(tf.int32)
        offset = tf.Variable(tf.zeros([3]))
        normalised, update = lesson.batchnorm(x, is_test, step, offset, convolutional=convolutional)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            # training mode: this batch's statistics, per channel
            out = sess.run(normalised, {x: batch, is_test: False})
            assert np.allclose(out.mean(axis=axes), 0, atol=1e-4)
            assert np.allclose(out.var(axis=axes), 1, atol=1e-2)
            # evaluation mode: the moving averages of the training statistics, not the batch's own
            for i in range(300):
                sess.run(update, {x: batch, step: i})
            single = batch[:1]
            out = sess.run(normalised, {x: single, is_test: True})
            expected = (single - batch.mean(axis=axes)) / np.sqrt(batch.var(axis=axes) + lesson.BN_EPSILON)
            assert np.allclose(out, expected, atol=0.05)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_the_results(lesson_data_dir, tmp_path):
    returncode, stdout, stderr = interrupt_after(
        "step     50",
        "mnist_2.0_five_layers_sigmoid.py",
        "--no-visu",
        "--iterations",
        "1000000",
        "--test-every",
        "50",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
    )
    assert returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr and "stopped by Ctrl-C after" in stdout
    path = re.search(r"^run summary: (.+)$", stdout, re.MULTILINE).group(1)
    with open(path) as f:
        summary = json.load(f)
    assert summary["interrupted"] and 50 <= summary["iterations"] < 1000000
    assert summary["curves"]["test"]["step"][-1] == summary["iterations"]  # measured where it stopped


@pytest.mark.slow
def test_lessons_table_benchmark_with_seed_spread(lesson_data_dir, tmp_path):
    output = tmp_path / "table.md"
    result = run_script(
        os.path.join("benchmarks", "lessons_table.py"),
        "--lessons",
        "1.0",
        "--iterations",
        "20",
        "--seeds",
        "3-4",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path / "runs"),
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = output.read_text()
    assert "| mnist_1.0_softmax | " in table and "seed 3, --no-visu" in table
    spread = [line for line in table.splitlines() if line.startswith("| mnist_1.0_softmax | 2 | ")]
    assert len(spread) == 1  # one spread row: lesson 1.0 over 2 seeds
    summaries = sorted(
        (json.load(open(path)) for path in (tmp_path / "runs").glob("*.json")),
        key=lambda summary: summary["hyperparameters"]["seed"],
    )
    assert [summary["hyperparameters"]["seed"] for summary in summaries] == [3, 4]
    per_seed = [summary["max_test_accuracy"] for summary in summaries]
    assert spread[0].rstrip(" |").endswith(" ".join(f"{accuracy:.4f}" for accuracy in per_seed))


def test_lessons_table_checks_its_flags_before_running(tmp_path):
    """An unknown lesson or an output that cannot be written is one line before any lesson runs."""
    script = os.path.join("benchmarks", "lessons_table.py")
    runs = tmp_path / "runs"
    result = run_script(script, "--lessons", "3.1", "9.9", "--runs-dir", str(runs))
    assert result.returncode == 1 and result.stderr.strip() == (
        "error: --lessons 9.9: no such lesson (they are 1.0, 2.0, 2.1, 2.2, 3.0, 3.1, 4.0, 4.1, 4.2)"
    )
    (tmp_path / "a_file").write_text("")
    result = run_script(
        script, "--lessons", "1.0", "--runs-dir", str(runs), "--output", str(tmp_path / "a_file" / "table.md")
    )
    assert result.returncode == 1 and result.stderr.startswith("error: --output ")
    assert len(result.stderr.strip().splitlines()) == 1 and "running" not in result.stdout
    assert not runs.exists()  # no lesson ran


def _tiny_lesson(tf):
    X = tf.placeholder(tf.float32, [None, 28, 28, 1])
    Y_ = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([784, 10]))
    Ylogits = tf.matmul(tf.reshape(X, [-1, 784]), W)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(Ylogits, 1), tf.argmax(Y_, 1)), tf.float32))
    return X, Y_, W, tf.nn.softmax(Ylogits), loss, accuracy


def test_a_learners_own_loop_with_a_break_keeps_the_summary(synthetic_mnist, tmp_path):
    # the lesson owns its loop: a learner who ends it early (a `break`) still gets the results and the summary
    import graphmode
    import mnist_data
    import mnist_lesson

    tf = graphmode.start_tensorflow()
    args = mnist_lesson.argument_parser("Test.", 100, 4, 50).parse_args(
        ["--runs-dir", str(tmp_path), "--data-dir", synthetic_mnist, "--save-png", str(tmp_path / "d.png")]
    )
    mnist = mnist_data.read_data_sets(synthetic_mnist, one_hot=True, seed=0)
    with tf.Graph().as_default():
        X, Y_, W, Y, loss, accuracy = _tiny_lesson(tf)
        train_step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        log = mnist_lesson.RunLog("my_lesson.py", args, mnist)
        drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W], [W]])
        with mnist_lesson.session() as sess, mnist_lesson.stop_on_ctrl_c() as stop:
            sess.run(tf.global_variables_initializer())
            for step in range(args.iterations + 1):
                batch_X, batch_Y = mnist.train.next_batch(args.batch_size)
                if step % args.test_every == 0:
                    log.record_training_batch(
                        step,
                        *sess.run([accuracy, loss], {X: batch_X, Y_: batch_Y}),
                        0.1,
                        batch_X,
                        batch_Y,
                        sess.run(drawn_train, {X: batch_X, Y_: batch_Y}),
                    )
                    log.record_test_set(
                        step,
                        *mnist_lesson.run_on_test_set(
                            sess, [accuracy, loss, drawn_test], {X: mnist.test.images, Y_: mnist.test.labels}
                        ),
                    )
                if step == 6:
                    break
                with log.timed_training_step():
                    sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
                log.update_dashboard()
            summary = log.finish(stop)
    assert summary["iterations"] == 6 and summary["interrupted"] is False  # 6 training steps, then the break
    assert summary["curves"]["test"]["step"] == [0, 4] and summary["curves"]["train"]["learning_rate"] == [0.1, 0.1]
    assert sorted(path.name.split("-")[0] for path in tmp_path.iterdir()) == ["d.png", "mnist", "my_lesson"]


def test_run_on_test_set_in_chunks_is_one_sess_run(synthetic_mnist, monkeypatch):
    # the test set in chunks of TEST_CHUNK images gives what one sess.run on all of it would
    import graphmode
    import mnist_data
    import mnist_lesson

    tf = graphmode.start_tensorflow()
    mnist = mnist_data.read_data_sets(synthetic_mnist, one_hot=True, seed=0)
    test = mnist.test
    monkeypatch.setattr(mnist_lesson, "TEST_CHUNK", 64)  # 200 test images: 4 chunks, the last one shorter
    with tf.Graph().as_default():
        X, Y_, W, Y, loss, accuracy = _tiny_lesson(tf)
        digits = tf.argmax(Y, 1)
        with tf.Session() as sess:
            sess.run(W.assign(tf.random_normal([784, 10], seed=1)))
            whole = sess.run([accuracy, loss, {"digits": digits}], {X: test.images, Y_: test.labels})
            chunked = mnist_lesson.run_on_test_set(
                sess, [accuracy, loss, {"digits": digits}], {X: test.images, Y_: test.labels}
            )
    assert chunked[0] == pytest.approx(whole[0], abs=1e-6) and chunked[1] == pytest.approx(whole[1], rel=1e-5)
    np.testing.assert_array_equal(chunked[2]["digits"], whole[2]["digits"])


def test_lesson_defaults_are_keyword_only():
    # lesson.flags_and_data(doc, iterations=..., lr=..., ...): no positional defaults, no (None, help) tuples
    import mnist_lesson

    with pytest.raises(TypeError):
        mnist_lesson.flags_and_data("Doc.", 100, 10, 50)
    for path in glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9].[0-9]_*.py")):
        source = open(path).read()
        assert "lesson.flags_and_data(__doc__, iterations=" in source and "=((None, " not in source, path
        assert "lesson.new_graph(args.seed)" in source, path


def test_every_lesson_starts_tensorflow_first():
    # the explicit start, before the lesson imports anything that takes time (a Ctrl-C meanwhile: one line)
    for path in glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9].[0-9]_*.py")):
        source = open(path).read()
        start = source.index("\ntf = graphmode.start_tensorflow()")
        assert start < source.index("\nimport mnist_lesson") and start < source.index("\nfrom cli import"), path


def test_band_percentiles_computed_in_the_graph():
    # the dashboard's 8 numbers per band panel, computed by TensorFlow: exact up to BAND_SAMPLE values (as
    # numpy.percentile), min and max always exact, and the inner ones from a fixed sample above that
    from bands import PERCENTILES, percentile_bands, percentiles_in_graph
    import graphmode

    tf = graphmode.start_tensorflow()
    rng = np.random.default_rng(5)
    small = [rng.normal(size=(30, 20)).astype(np.float32), rng.normal(size=7).astype(np.float32)]
    large = rng.standard_t(3, size=(400, 500)).astype(np.float32)  # 200,000 values with heavy tails
    with tf.Graph().as_default():
        activations = tf.placeholder(tf.float32, [None, 200])  # a size known only when fed
        exact = percentiles_in_graph([tf.constant(v) for v in small])
        sampled = percentiles_in_graph([tf.constant(large)])
        fed = percentiles_in_graph([activations])
        with tf.Session() as sess:
            exact, sampled = sess.run([exact, sampled])
            fed_small, fed_large = (sess.run(fed, {activations: large[:n, :200]}) for n in (10, 400))
    everything = np.concatenate([v.ravel() for v in small])
    np.testing.assert_allclose(exact, percentile_bands(everything), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fed_small, percentile_bands(large[:10, :200]), rtol=1e-5, atol=1e-6)
    for result, values in ((sampled, large), (fed_large, large[:, :200])):
        assert result[0] == values.min() and result[-1] == values.max()
        assert np.all(np.diff(result) >= 0)
        ranks = [np.mean(values <= p) for p in result[1:-1]]  # where each estimate falls among all the values
        np.testing.assert_allclose(ranks, np.array(PERCENTILES[1:-1]) / 100, atol=0.02)


@pytest.mark.slow
def test_xla_opt_in_trains_and_is_recorded(lesson_data_dir, tmp_path):
    # --xla: the same lesson, compiled with XLA (switched on before TensorFlow loads); it must learn as well
    result = run_script(
        "mnist_3.0_convolutional.py",
        "--xla",
        "--no-visu",
        "--iterations",
        "60",
        "--test-every",
        "30",
        "--data-dir",
        lesson_data_dir,
        "--runs-dir",
        str(tmp_path),
    )
    summary = _summary(result)
    assert summary["hyperparameters"]["xla"] is True
    assert summary["curves"]["test"]["loss"][-1] < summary["curves"]["test"]["loss"][0]
    assert "Traceback" not in result.stderr
    help_text = run_script("mnist_3.0_convolutional.py", "--help").stdout
    assert "--xla" in help_text and "faster" in help_text
