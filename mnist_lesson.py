"""What every MNIST lesson shares, written once: a toolkit the lesson calls. The lesson itself builds its
graph and runs its loop, both kinds of sess.run in plain sight: evaluation (accuracy and loss fetched, on
the training batch and on the test set, with the feeds of evaluation: no dropout) and the training step.

    import graphmode
    tf = graphmode.start_tensorflow()            # first: TensorFlow takes seconds to start
    ...
    args, mnist = lesson.flags_and_data(__doc__, iterations=2000, test_every=50, batch_size=100, learning_rate=0.005)
    lesson.new_graph(args.seed)
    ...                                          # the lesson's graph: X, Y_, Y, cross_entropy, accuracy, train_step
    log = lesson.RunLog(__file__, args, mnist)   # the run's curves, timing, dashboard and summary
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W], [b]])   # what the dashboard draws besides
    with lesson.session() as sess, lesson.stop_on_ctrl_c() as stop:
        sess.run(tf.global_variables_initializer())
        for step in range(args.iterations + 1):
            batch_X, batch_Y = mnist.train.next_batch(args.batch_size)
            last = step == args.iterations or stop.requested
            if step % args.train_every == 0 or step % args.test_every == 0 or last:
                a, c, drawn = sess.run([accuracy, cross_entropy, drawn_train], feed_dict={X: batch_X, Y_: batch_Y})
                log.record_training_batch(step, a, c, args.learning_rate, batch_X, batch_Y, drawn)
            if step % args.test_every == 0 or last:
                a, c, drawn = lesson.run_on_test_set(sess, [accuracy, cross_entropy, drawn_test],
                                                     feed_dict={X: mnist.test.images, Y_: mnist.test.labels})
                log.record_test_set(step, a, c, drawn)
            if last:
                break
            with log.timed_training_step():
                sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
            log.update_dashboard()               # a picture when due; waits here while paused
        log.finish(stop)                         # the results printed, the run summary and the dashboard saved

Here: the flags and the data (flags_and_data, load_mnist), a fresh seeded graph (new_graph), the run log
(RunLog: the one curve history, which the dashboard draws, the summary keeps and compare_runs.py reads), the
test set in chunks (run_on_test_set), Ctrl-C as a `with` block (stop_on_ctrl_c). TensorFlow is the one the
lesson started (graphmode.tf).
"""
import contextlib
import datetime
import json
import math
import os
import platform
import time

import numpy as np

from cli import (StopOnCtrlC, UsageError, atomic_output, check_output_dir, check_output_file, non_negative_float,
                 parser_from_docstring, positive_float, positive_int, probability, seed, user_path)
from bands import percentiles_in_graph
import graphmode
from graphmode import tf  # the TensorFlow the lesson started
import mnist_data
from runcurves import Curves
import tensorflowvisu

PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(PROJECT_DIR, "runs")
TEST_CHUNK = 2000  # the test set is evaluated in chunks of this many images, to bound memory
WARMUP_STEPS = 10  # the first steps are slower (TensorFlow prepares the graph): left out of the warm speed


# ------------------------------------------------------------------------------------------------
# Flags, data, a fresh graph
# ------------------------------------------------------------------------------------------------

def argument_parser(doc, iterations, test_every, batch_size, train_every=10):
    """A parser with the flags every lesson has; the lesson adds its own hyperparameters to it.

    doc: the lesson's docstring, shown by --help (its first paragraph as the summary, the rest after the flags).
    """
    parser = parser_from_docstring(doc)
    common = parser.add_argument_group("common to every lesson")
    common.add_argument("--data-dir", metavar="DIR", type=user_path, help="folder with the MNIST files (default: "
                        "$MNIST_DATA_DIR, else data/mnist beside the scripts; downloaded there when missing)")
    common.add_argument("--iterations", type=positive_int, default=iterations, metavar="N",
                        help="training steps (default: %(default)s)")
    common.add_argument("--batch-size", type=positive_int, default=batch_size, metavar="N",
                        help="images per training step (default: %(default)s)")
    common.add_argument("--seed", type=seed, default=0, help="random seed of the weights, dropout and batch order "
                        "(default: %(default)s)")
    common.add_argument("--test-every", type=positive_int, default=test_every, metavar="N",
                        help="evaluate the whole test set every N steps (default: %(default)s)")
    common.add_argument("--train-every", type=positive_int, default=train_every, metavar="N",
                        help="measure the training batch every N steps (default: %(default)s)")
    common.add_argument("--no-visu", action="store_true", help="no dashboard: text output only (fastest)")
    common.add_argument("--save-png", metavar="FILE", type=user_path,
                        help="no window: train, then save the final dashboard as a PNG")
    common.add_argument("--save-movie", metavar="FILE", type=user_path, help="record the dashboard's pictures as "
                        "they are drawn, as .gif (or .mp4 where ffmpeg is installed)")
    common.add_argument("--watch", action="store_true", help="draw the dashboard at every measurement: training "
                        "goes at the pace of its drawing, slow enough to watch a short lesson learn")
    common.add_argument("--exit-at-end", action="store_true", help="close the window when training ends "
                        "instead of waiting for you to close it")
    common.add_argument("--runs-dir", metavar="DIR", type=user_path, default=RUNS_DIR,
                        help="where the JSON run summaries go (default: runs/ beside the scripts)")
    graphmode.add_xla_flag(common, "lesson 3.1 trained 14-53%% faster on 2 cores, 2026-11-29")
    graphmode.add_verbose_flag(common)
    return parser


def check_args(parser, args):
    """Checks that argparse cannot do alone; a bad flag ends with one line naming it."""
    if args.save_movie and os.path.splitext(args.save_movie)[1].lower() not in (".gif", ".mp4"):
        parser.error(f"--save-movie {args.save_movie}: the movie must be a .gif or an .mp4 file")
    if args.save_png and not args.save_png.lower().endswith(".png"):
        parser.error(f"--save-png {args.save_png}: the file name must end in .png")
    if args.no_visu and (args.save_png or args.save_movie or args.watch):
        parser.error("--no-visu draws nothing: it cannot be combined with --save-png, --save-movie or --watch")
    return args


def add_learning_rate_flags(parser, lr, lr_min, lr_decay, lr_help=None):
    """Flags of a decaying learning rate (the lesson's loop computes it: lr_min + lr * exp(-step / lr_decay)).
    lr: the default of --lr; None where the lesson picks it after parsing, and lr_help says what it picks
    (the lesson tests `args.lr is None`: --lr 0, a constant learning rate, stays 0)."""
    group = parser.add_argument_group("learning rate decay, from lr_min + lr at step 0 down to lr_min "
                                      "(a constant learning rate R: --lr 0 --lr-min R)")
    group.add_argument("--lr", type=non_negative_float, default=lr,
                       help=f"decaying part (default: {lr_help or '%(default)s'})")
    group.add_argument("--lr-min", type=positive_float, default=lr_min, help="floor (default: %(default)s)")
    group.add_argument("--lr-decay", type=positive_float, default=lr_decay, metavar="STEPS",
                       help="decay time constant, in steps (default: %(default)s)")


def add_dropout_flag(parser, pkeep):
    parser.add_argument("--pkeep", type=probability, default=pkeep, help="dropout: probability to keep a "
                        "neuron's output during training; 1.0 for evaluation (default: %(default)s)")


def flags_and_data(doc, *, iterations, test_every, batch_size, learning_rate=None, lr=None, lr_min=None,
                   lr_decay=None, lr_help=None, pkeep=None, lesson_flags=None):
    """The flags, parsed and checked (a bad one, or a folder the run cannot write to, ends with one line), and
    MNIST, loaded (downloaded when missing). Returns (args, mnist).

    doc: the lesson's docstring (--help). Every other argument by name: the lesson's defaults.
    iterations, test_every, batch_size: the common flags' defaults;
    learning_rate: a fixed learning rate (flag --learning-rate);
    lr, lr_min, lr_decay: a decaying one, lr_min + lr * exp(-step / lr_decay) (flags --lr, --lr-min,
        --lr-decay); lr=None with lr_help: the lesson picks the default of --lr after parsing;
    pkeep: the dropout keep probability (flag --pkeep);
    lesson_flags: a function that adds the lesson's own flags to the parser.
    """
    parser = argument_parser(doc, iterations, test_every, batch_size)
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=positive_float, default=learning_rate,
                            help="learning rate (default: %(default)s)")
    if lr_decay is not None:
        add_learning_rate_flags(parser, lr, lr_min, lr_decay, lr_help)
    if pkeep is not None:
        add_dropout_flag(parser, pkeep)
    if lesson_flags is not None:
        lesson_flags(parser.add_argument_group("this lesson"))
    args = check_args(parser, parser.parse_args())
    check_outputs(args)
    mnist = load_mnist(args)
    if args.batch_size > len(mnist.train):
        parser.error(f"--batch-size {args.batch_size}: the training set has only {len(mnist.train):,} images")
    return args, mnist


def new_graph(seed):
    """A fresh default graph (also when a notebook runs one lesson after another), with its random seed set:
    the weights' initial values and the dropout masks."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)


def check_outputs(args):
    """Every place the run will write to, checked before training: a finished run is never lost."""
    check_output_dir(args.runs_dir, "--runs-dir")
    if args.save_png:
        check_output_file(args.save_png, "--save-png")
    if args.save_movie:
        check_output_file(args.save_movie, "--save-movie")


def load_mnist(args):
    """The MNIST training and test sets (one-hot labels, images [N, 28, 28, 1]), or a one-line error."""
    try:
        return mnist_data.read_data_sets(args.data_dir, one_hot=True, seed=args.seed)
    except mnist_data.DataError as e:
        raise UsageError(str(e)) from None


def session():
    """A TensorFlow session using all the cores of this machine (and a GPU when there is one)."""
    return graphmode.session()


# ------------------------------------------------------------------------------------------------
# The run: mini-batches, measurements, dashboard, summary
# ------------------------------------------------------------------------------------------------

class RunLog:
    """The log of one lesson's training run: its curves (a runcurves.Curves, the one history the
    dashboard draws, the summary keeps and compare_runs.py reads), the progress lines, the training time,
    the dashboard, and at the end the run summary (runs/LESSON-DATE-TIME.json). The lesson runs the graph;
    the log records what the lesson measured.

    script: the lesson's file (__file__), which names the run and its summary.
    mnist: the data sets (the dashboard shows the test images).
    band_titles: the titles of the dashboard's two band panels; band_limits: their fixed y ranges, or None
        to follow the values.
    """

    def __init__(self, script, args, mnist, title=None, band_titles=("weights", "biases"),
                 band_limits=(None, None)):
        self.args = args
        self.test_images = mnist.test.images              # [10000, 28, 28, 1]
        self.test_digits = mnist.test.labels.argmax(1)    # [10000]
        self.name = os.path.splitext(os.path.basename(script))[0]
        self.curves = Curves()
        # the summary: STEM.json, the picture: STEM.png; the name reserved now, the files written at the end
        self.output_stem, self._reservation = _new_run_stem(args.runs_dir, self.name)
        self.png_path = args.save_png
        self.diverged = False
        self._started = None                  # the wall clock starts at the first measurement
        self._train_seconds = 0.0             # in the training steps (`with log.timed_training_step():`)
        self._steps_timed = 0
        self._warm_seconds_start = None       # _train_seconds when the step WARMUP_STEPS started
        self.dashboard = None
        if not args.no_visu:
            try:  # a live window unless --save-png, where one can be opened: the dashboard decides
                self.dashboard = tensorflowvisu.Dashboard(title or self.name, self.curves, band_titles,
                                                          window=not args.save_png, movie=args.save_movie,
                                                          band_limits=band_limits, steps=args.iterations,
                                                          watch=args.watch)
            except ValueError as e:
                raise UsageError(str(e)) from None
            if self.dashboard.where == "file" and not self.png_path:
                self.png_path = self.output_stem + ".png"
                print(f"No display: the dashboard will be saved as {self.png_path}")
        print(f"{self.name}: {args.iterations} steps of {args.batch_size} images, test set "
              f"({len(self.test_digits):,} images) every {args.test_every} steps, on {graphmode.devices()}")

    def dashboard_tensors(self, predictions, bands=()):
        """What the dashboard draws besides the curves, as tensors to fetch with the measurements: for the
        training batch, each image's predicted digit and the 8 percentiles of each band panel's values; for
        the test set, the predicted digits. Returns (for the training batch, for the test set): two dicts,
        both empty with --no-visu (nothing extra is computed)."""
        if self.dashboard is None:
            return {}, {}
        digits = tf.argmax(predictions, 1)                                          # [batch] predicted digits
        return ({"digits": digits, "bands": [percentiles_in_graph(group) for group in bands]},  # bands.py
                {"digits": digits})

    def record_training_batch(self, step, accuracy, loss, learning_rate, images, labels, drawn):
        """Record a measurement on the training batch: accuracy, loss, the learning rate used at this step,
        the batch (images [batch, 28, 28, 1], one-hot labels [batch, 10]) and what dashboard_tensors() fetched."""
        if self._started is None:
            self._started = time.perf_counter()
        self.curves.add("train", step, accuracy, loss, learning_rate=learning_rate)
        self._check_finite("training", step, loss)
        if self.dashboard is not None:
            self.dashboard.show_training(step, images, labels.argmax(1), drawn["digits"], drawn["bands"] or None)

        self._train_figures = accuracy, loss

    def record_test_set(self, step, accuracy, loss, drawn):
        """Record a measurement on the whole test set, and print the step's line."""
        self.curves.add("test", step, accuracy, loss, seconds=round(time.perf_counter() - self._started, 3))
        self._check_finite("test", step, loss)
        if self.dashboard is not None:  # the whole test set: the dashboard sorts it, misrecognised first
            self.dashboard.show_test(self.test_images, self.test_digits, drawn["digits"])
        train_accuracy, train_loss = self._train_figures
        print(f"step {step:6d}  training: accuracy {train_accuracy:.4f} loss {train_loss:8.4f}   "
              f"test: accuracy {accuracy:.4f} loss {loss:8.4f}", flush=True)

    def _check_finite(self, which, step, loss):
        if not math.isfinite(loss) and not self.diverged:  # said once; the summary records it as null
            self.diverged = True
            print(f"warning: the {which} loss is {float(loss)} at step {step}: the training diverged (the weights "
                  "overflowed); try a lower learning rate", flush=True)

    @contextlib.contextmanager
    def timed_training_step(self):
        """`with log.timed_training_step():` times a training step (steps/s in the summary: the first
        WARMUP_STEPS left out of the warm speed)."""
        if self._steps_timed == WARMUP_STEPS:
            self._warm_seconds_start = self._train_seconds
        started = time.perf_counter()
        try:
            yield
        finally:
            self._train_seconds += time.perf_counter() - started
            self._steps_timed += 1

    def update_dashboard(self):
        """After a training step: the live dashboard draws a picture when one is due and answers its window's
        keys; while paused (space, in the window) this waits until it resumes. Nothing with --no-visu."""
        if self.dashboard is not None:
            self.dashboard.update()

    def finish(self, stop, extra=None):
        """After the training loop, however it ended (all its steps, or `stop`, the StopOnCtrlC, requested):
        print the results, write the run summary and the dashboard's files (a failure to write is one line,
        after the results). extra: more figures for the summary (a dict). Returns the summary."""
        steps = self._steps_timed  # training steps done
        interrupted = stop.requested and steps < self.args.iterations
        wall_seconds = time.perf_counter() - self._started
        if interrupted:
            print(f"stopped by {stop.signal_name} after {steps} of {self.args.iterations} steps")
        steps_per_second = steps / self._train_seconds if self._train_seconds else float("nan")
        summary = self._summary(steps, interrupted, wall_seconds, steps_per_second, extra)
        print(f"max test accuracy: {summary['max_test_accuracy']:.4f} (step {summary['max_test_accuracy_step']})   "
              f"final test accuracy: {summary['final_test_accuracy']:.4f}")
        print(f"wall time {wall_seconds:.1f} s, training {steps_per_second:.0f} steps/s")
        self._write_files(summary)
        return summary

    def _summary(self, steps, interrupted, wall_seconds, steps_per_second, extra):
        """The run summary: its figures, the machine, the curves (and the band panels' history), extra."""
        test = self.curves.test
        best = int(np.argmax(test["accuracy"]))
        warm = None  # after the warm-up steps: the speed to compare with other frameworks'
        if self._warm_seconds_start is not None and steps > WARMUP_STEPS:
            warm = round((steps - WARMUP_STEPS) / (self._train_seconds - self._warm_seconds_start), 2)
        return {
            "lesson": self.name,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "hyperparameters": {k: v for k, v in vars(self.args).items() if k not in ("tf_verbose",)},
            "max_test_accuracy": test["accuracy"][best],
            "max_test_accuracy_step": test["step"][best],
            "final_test_accuracy": test["accuracy"][-1],
            "iterations": steps,
            "interrupted": interrupted,
            "wall_seconds": round(wall_seconds, 3),
            "train_seconds": round(self._train_seconds, 3),
            "train_steps_per_second": round(steps_per_second, 2),
            "train_steps_per_second_after_warmup": warm,
            **self._dashboard_figures(wall_seconds),
            "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "tensorflow": tf.__version__,
                        "gpu": bool(tf.config.list_physical_devices("GPU"))},
            "curves": self.curves.as_dict(),
            **({"bands": self.dashboard.band_history()} if self.dashboard and self.dashboard.band_steps else {}),
            **(extra or {}),
        }

    def _write_files(self, summary):
        """The figures are printed: now the files, each written whole or not at all (the summary, the dashboard's
        PNG and movie); any failure said in one line (a UsageError), after the others were tried."""
        failures = []
        summary_path = self.output_stem + ".json"
        try:
            write_json(summary, summary_path)
            print(f"run summary: {summary_path}")
        except OSError as e:
            failures.append(f"the run summary could not be written to {summary_path} ({e.strerror or e})")
        if self.dashboard is not None:
            for path, error in self.dashboard.finish(png=self.png_path, wait=not self.args.exit_at_end).items():
                if error is None:
                    print(f"dashboard saved: {path}")
                else:
                    failures.append(f"the dashboard could not be saved to {path} ({error})")
        with contextlib.suppress(OSError):
            os.remove(self._reservation)  # the name is taken by the files now (or by nothing, if they failed)
        if failures:
            raise UsageError("; ".join(failures) + ". The figures above are the run's results.")

    def _dashboard_figures(self, wall_seconds):
        """What the live dashboard cost, for the summary: the pictures it drew while training (window, notebook
        cell, movie), their rate, the mean time of one, and the whole drawing time."""
        dashboard = self.dashboard
        pictures = dashboard.pictures if dashboard else 0
        seconds = dashboard.draw_seconds if dashboard else 0.0
        return {"dashboard_where": dashboard.where if dashboard else None,
                "dashboard_pictures": pictures,
                "dashboard_pictures_per_second": round(pictures / wall_seconds, 2) if wall_seconds > 0 else None,
                "dashboard_picture_seconds": round(seconds / pictures, 4) if pictures else None,
                "dashboard_draw_seconds": round(seconds, 3)}


def stop_on_ctrl_c():
    """`with lesson.stop_on_ctrl_c() as stop:` a first Ctrl-C (or SIGTERM) sets stop.requested: the loop
    measures once more and ends, the run's figures are kept; a second Ctrl-C quits at once."""
    return StopOnCtrlC("stopping after this step")


def run_on_test_set(sess, fetches, feed_dict):
    """sess.run(fetches, feed_dict) on the whole test set, TEST_CHUNK images at a time to bound the memory:
    the feeds as long as the test set are cut into chunks, the others fed whole with each. Fetched scalars
    (accuracy, loss) come back as their mean over all the images, arrays (one row per image) concatenated."""
    count = max(len(value) for value in feed_dict.values() if np.ndim(value) > 0)
    totals, rows = None, []
    for start in range(0, count, TEST_CHUNK):
        chunk = {k: (v[start:start + TEST_CHUNK] if np.ndim(v) > 0 and len(v) == count else v)
                 for k, v in feed_dict.items()}
        values = tf.nest.flatten(sess.run(fetches, feed_dict=chunk))
        size = min(TEST_CHUNK, count - start)
        if totals is None:
            totals = [0.0] * len(values)
        for i, value in enumerate(values):
            if np.ndim(value) == 0:
                totals[i] += value * size
        rows.append(values)
    results = [totals[i] / count if np.ndim(value) == 0 else np.concatenate([r[i] for r in rows])
               for i, value in enumerate(rows[0])]
    return tf.nest.pack_sequence_as(fetches, results)


def _new_run_stem(runs_dir, name):
    """runs_dir/NAME-DATE-TIME, made unique (-2, -3...) when another run took it: reserved at once by creating
    a hidden file .NAME-DATE-TIME.reserved exclusively, so that runs started in the same second, even in
    parallel, never share a name (the summary is written only at the end). Returns (stem, reservation)."""
    base = os.path.join(runs_dir, f"{name}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}")
    stem, number = base, 1
    while True:
        reservation = os.path.join(runs_dir, f".{os.path.basename(stem)}.reserved")
        if not (os.path.exists(stem + ".json") or os.path.exists(stem + ".png")):
            try:
                os.close(os.open(reservation, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return stem, reservation
            except FileExistsError:
                pass
        number += 1
        stem = f"{base}-{number}"


def write_json(data, path):
    """Write data as JSON, whole or not at all; NaN and infinities (a diverged run) as null, which is valid JSON."""
    with atomic_output(path) as f:
        json.dump(_finite_or_none(data), f, indent=1, allow_nan=False)


def _finite_or_none(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value
