"""What every MNIST lesson shares, written once: the common flags, the data, and the bookkeeping
around the training loop (progress lines, dashboard, run summary).

A lesson builds its own graph and runs its own `sess.run(train_step, feed_dict=...)`; this module
parses the flags, loads the data, hands the lesson its mini-batches and, between two steps,
measures and shows how the training goes:

    args, mnist = lesson.start(__doc__, ITERATIONS, TEST_EVERY, BATCH_SIZE, learning_rate=LEARNING_RATE)
    ...                                         # the lesson's graph: X, Y_, Y, cross_entropy, train_step
    run = lesson.Run(__file__, args, mnist, images=X, labels=Y_, predictions=Y, loss=cross_entropy,
                     bands=[[W], [b]])
    with lesson.session() as sess:
        sess.run(tf.global_variables_initializer())
        for step, batch_X, batch_Y in run.training_batches(sess):
            sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
        run.finish(sess)                        # the last measurement, the run summary, the dashboard saved

However the loop ends (all its steps, Ctrl-C, a `break`), run.finish(sess) measures where it stopped.
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
import graphmode
from graphmode import tf
import mnist_data
import tensorflowvisu

PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(PROJECT_DIR, "runs")
TEST_CHUNK = 2000  # the test set is evaluated in chunks of this many images, to bound memory
BAND_SAMPLE = 4096  # the band panels' inner percentiles: of all the values up to this many, else of a fixed sample
WARMUP_STEPS = 10  # the first steps are slower (TensorFlow prepares the graph): left out of the warm speed


# ------------------------------------------------------------------------------------------------
# Flags and start-up
# ------------------------------------------------------------------------------------------------

def argument_parser(doc, iterations, test_every, batch_size, train_every=10):
    """A parser with the flags every lesson has; the lesson adds its own hyperparameters to it.

    doc: the lesson's docstring, shown by --help (its first paragraph as the summary, the rest after the flags).
    """
    parser = parser_from_docstring(doc)
    common = parser.add_argument_group("common to every lesson")
    common.add_argument("--data-dir", metavar="DIR", type=user_path, help="folder with the MNIST files (default: $MNIST_DATA_DIR, "
                        "else data/mnist beside the scripts; downloaded there when missing)")
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
    common.add_argument("--save-png", metavar="FILE", type=user_path, help="no window: train, then save the final dashboard as a PNG")
    common.add_argument("--save-movie", metavar="FILE", type=user_path, help="record the dashboard, one frame per test "
                        "evaluation, as .gif (or .mp4 where ffmpeg is installed)")
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
    if args.no_visu and (args.save_png or args.save_movie):
        parser.error("--no-visu draws nothing: it cannot be combined with --save-png or --save-movie")
    return args


def add_learning_rate_flags(parser, lr, lr_min, lr_decay):
    """Flags of a decaying learning rate (the lesson's loop computes it: lr_min + lr * exp(-step / lr_decay)).
    lr: a number, or a (None, "what the default is") pair where the lesson picks the default itself."""
    lr, lr_default_help = (lr, "%(default)s") if not isinstance(lr, tuple) else lr
    group = parser.add_argument_group("learning rate decay, from lr_min + lr at step 0 down to lr_min "
                                      "(a constant learning rate R: --lr 0 --lr-min R)")
    group.add_argument("--lr", type=non_negative_float, default=lr,
                       help=f"decaying part (default: {lr_default_help})")
    group.add_argument("--lr-min", type=positive_float, default=lr_min, help="floor (default: %(default)s)")
    group.add_argument("--lr-decay", type=positive_float, default=lr_decay, metavar="STEPS",
                       help="decay time constant, in steps (default: %(default)s)")


def add_dropout_flag(parser, pkeep):
    parser.add_argument("--pkeep", type=probability, default=pkeep, help="dropout: probability to keep a "
                        "neuron's output during training; 1.0 for evaluation (default: %(default)s)")


def start(doc, iterations, test_every, batch_size, learning_rate=None, lr_decay=None, pkeep=None,
          lesson_flags=None):
    """Everything before the graph: parse the flags, load MNIST, seed TensorFlow. Returns (args, mnist).

    doc: the lesson's docstring (--help). iterations, test_every, batch_size: the lesson's defaults.
    learning_rate: a fixed learning rate's default (flag --learning-rate);
    lr_decay: (lr, lr_min, lr_decay) defaults of a decaying one (flags --lr, --lr-min, --lr-decay);
    pkeep: the dropout keep probability's default (flag --pkeep);
    lesson_flags: a function that adds the lesson's own flags to the parser.
    """
    parser = argument_parser(doc, iterations, test_every, batch_size)
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=positive_float, default=learning_rate,
                            help="learning rate (default: %(default)s)")
    if lr_decay is not None:
        add_learning_rate_flags(parser, *lr_decay)
    if pkeep is not None:
        add_dropout_flag(parser, pkeep)
    if lesson_flags is not None:
        lesson_flags(parser.add_argument_group("this lesson"))
    args = check_args(parser, parser.parse_args())
    check_outputs(args)
    mnist = load_mnist(args)
    if args.batch_size > len(mnist.train):
        parser.error(f"--batch-size {args.batch_size}: the training set has only {len(mnist.train):,} images")
    tf.reset_default_graph()  # a fresh graph, also when a notebook runs one lesson after another
    tf.set_random_seed(args.seed)  # the weights' initial values and the dropout masks
    return args, mnist


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

class Run:
    """Bookkeeping of one lesson's training run.

    script: the lesson's file (__file__), which names the run and its summary.
    images, labels: the lesson's placeholders X [BATCH, 28, 28, 1] and Y_ [BATCH, 10].
    predictions: Y, the softmax output [BATCH, 10]; loss: scalar tensor; accuracy: scalar tensor, computed
        from predictions and labels when not given.
    bands: two lists of tensors whose values the dashboard's band panels show (weights and biases by default).
    band_titles: the titles of those two panels; band_limits: their fixed y ranges, or None to follow the values.
    test_feed: extra feed for evaluation (e.g. {pkeep: 1.0}); train_report_feed: extra feed when measuring
        the training batch (defaults to test_feed).
    """

    def __init__(self, script, args, mnist, images, labels, predictions, loss, accuracy=None, bands=None,
                 band_titles=("weights", "biases"), band_limits=(None, None), test_feed=None,
                 train_report_feed=None, title=None):
        self.args = args
        self.mnist = mnist
        self.images, self.labels = images, labels
        self.loss = loss
        self.predicted_labels = tf.argmax(predictions, 1)
        if accuracy is None:  # the share of images whose most probable digit is the correct one
            accuracy = tf.reduce_mean(tf.cast(tf.equal(self.predicted_labels, tf.argmax(labels, 1)), tf.float32))
        self.accuracy = accuracy
        self.band_tensors = [percentiles_in_graph(group) for group in bands or []]  # 8 numbers per panel
        self._test_labels = mnist.test.labels.argmax(1)  # [10000] digits, for the dashboard's test panel
        self.test_feed = dict(test_feed or {})
        self.train_report_feed = dict(self.test_feed if train_report_feed is None else train_report_feed)
        self.name = os.path.splitext(os.path.basename(script))[0]
        self.title = title or self.name
        # the summary: STEM.json, the picture: STEM.png; the name reserved now, the files written at the end
        self.output_stem, self._reservation = _new_run_stem(args.runs_dir, self.name)
        self.png_path = args.save_png
        self.curves = {"train": {"step": [], "accuracy": [], "loss": []},
                       "test": {"step": [], "accuracy": [], "loss": [], "seconds": []}}
        self.steps_done = 0
        self.interrupted = False
        self.diverged = False
        self._started = time.perf_counter()
        self._train_seconds = 0.0
        self._warm_seconds_start = None  # _train_seconds when the step WARMUP_STEPS started
        self.dashboard = None
        if not args.no_visu:
            try:  # a live window unless --save-png, where one can be opened: the dashboard decides
                self.dashboard = tensorflowvisu.Dashboard(self.title, band_titles, window=not args.save_png,
                                                          movie=args.save_movie, band_limits=band_limits)
            except ValueError as e:
                raise UsageError(str(e)) from None
            if not (self.dashboard.window or self.dashboard.notebook) and not self.png_path:
                self.png_path = self.output_stem + ".png"
                print(f"No display: the dashboard will be saved as {self.png_path}")

    # -------------------------------------------------------------- measurements
    def _measure_training_batch(self, sess, step, batch_X, batch_Y):
        feed = {self.images: batch_X, self.labels: batch_Y, **self.train_report_feed}
        if self.dashboard is None:
            accuracy, loss = sess.run([self.accuracy, self.loss], feed_dict=feed)
        else:
            accuracy, loss, predicted, *bands = sess.run(
                [self.accuracy, self.loss, self.predicted_labels] + self.band_tensors, feed_dict=feed)
            self.dashboard.add_training(step, accuracy, loss, batch_X, batch_Y.argmax(1), predicted,
                                        bands=bands or None)
        self._record("train", step, accuracy, loss)
        return accuracy, loss

    def evaluate_test_set(self, sess):
        """Accuracy, loss and predicted labels on the whole test set (evaluated in chunks)."""
        test = self.mnist.test
        total_accuracy = total_loss = 0.0
        predicted = []
        for start in range(0, len(test), TEST_CHUNK):
            chunk_X = test.images[start:start + TEST_CHUNK]
            feed = {self.images: chunk_X, self.labels: test.labels[start:start + TEST_CHUNK], **self.test_feed}
            accuracy, loss, labels = sess.run([self.accuracy, self.loss, self.predicted_labels], feed_dict=feed)
            total_accuracy += accuracy * len(chunk_X)
            total_loss += loss * len(chunk_X)
            predicted.append(labels)
        return total_accuracy / len(test), total_loss / len(test), np.concatenate(predicted)

    def _measure_test_set(self, sess, step):
        accuracy, loss, predicted = self.evaluate_test_set(sess)
        self._record("test", step, accuracy, loss)
        self.curves["test"]["seconds"].append(round(time.perf_counter() - self._started, 3))
        if self.dashboard is not None:  # the whole test set: the dashboard sorts it, misrecognised first
            test = self.mnist.test
            self.dashboard.add_test(step, accuracy, loss, test.images, self._test_labels, predicted)
        return accuracy, loss

    def _record(self, which, step, accuracy, loss):
        curve = self.curves[which]
        curve["step"].append(step)
        curve["accuracy"].append(round(float(accuracy), 6))
        curve["loss"].append(round(float(loss), 6))
        if not math.isfinite(loss) and not self.diverged:  # said once; the summary records it as null
            self.diverged = True
            print(f"warning: the {'training' if which == 'train' else which} loss is {float(loss)} at step {step}: "
                  "the training diverged (the weights "
                  "overflowed); try a lower learning rate", flush=True)

    def _measure(self, sess, step, batch_X, batch_Y, last=False):
        """The training batch every --train-every steps, the test set every --test-every, both at the end."""
        args = self.args
        tested = step % args.test_every == 0 or last
        if step % args.train_every == 0 or tested:
            train_accuracy, train_loss = self._measure_training_batch(sess, step, batch_X, batch_Y)
        if tested:
            test_accuracy, test_loss = self._measure_test_set(sess, step)
            print(f"step {step:6d}  training: accuracy {train_accuracy:.4f} loss {train_loss:8.4f}   "
                  f"test: accuracy {test_accuracy:.4f} loss {test_loss:8.4f}", flush=True)
        if self.dashboard is not None:
            self.dashboard.update()

    def _next_batch(self):
        started = time.perf_counter()
        batch = self.mnist.train.next_batch(self.args.batch_size)
        self._train_seconds += time.perf_counter() - started
        return batch

    # -------------------------------------------------------------- the loop
    def training_batches(self, sess):
        """Yields (step, batch_X, batch_Y) for the steps 0 to --iterations - 1; between two steps,
        measures, prints and draws. A first Ctrl-C ends it after the current step (a second one quits)."""
        args = self.args
        print(f"{self.name}: {args.iterations} steps of {args.batch_size} images, "
              f"test set ({len(self.mnist.test):,} images) every {args.test_every} steps, on {graphmode.devices()}")
        self._started = time.perf_counter()
        with StopOnCtrlC("stopping after this step") as stop:
            for step in range(args.iterations):
                if stop.requested:
                    break
                if step == WARMUP_STEPS:
                    self._warm_seconds_start = self._train_seconds
                batch_X, batch_Y = self._next_batch()
                self._measure(sess, step, batch_X, batch_Y)
                self.steps_done = step + 1
                step_started = time.perf_counter()
                try:
                    yield step, batch_X, batch_Y  # the lesson's training step runs here
                finally:
                    self._train_seconds += time.perf_counter() - step_started
            self.interrupted = stop.requested and self.steps_done < args.iterations
            self.stopped_by = stop.signal_name

    def finish(self, sess, extra=None):
        """After the training loop, however it ended: measure the last step, print the results, write the
        run summary and the dashboard's files (a failure to write is one line, after the results).

        extra: a function of the session returning more figures for the summary (a dict, printed by the lesson).
        """
        args, steps = self.args, self.steps_done
        self._measure(sess, steps, *self._next_batch(), last=True)
        wall_seconds = time.perf_counter() - self._started
        if self.interrupted:
            print(f"stopped by {self.stopped_by} after {steps} of {args.iterations} steps")
        test = self.curves["test"]
        best = int(np.argmax(test["accuracy"]))
        steps_per_second = steps / self._train_seconds if self._train_seconds else float("nan")
        warm = None  # after the warm-up steps: the speed to compare with other frameworks'
        if self._warm_seconds_start is not None and steps > WARMUP_STEPS:
            warm = round((steps - WARMUP_STEPS) / (self._train_seconds - self._warm_seconds_start), 2)
        summary = {
            "lesson": self.name,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "hyperparameters": {k: v for k, v in vars(args).items() if k not in ("tf_verbose",)},
            "max_test_accuracy": test["accuracy"][best],
            "max_test_accuracy_step": test["step"][best],
            "final_test_accuracy": test["accuracy"][-1],
            "iterations": steps,
            "interrupted": self.interrupted,
            "wall_seconds": round(wall_seconds, 3),
            "train_seconds": round(self._train_seconds, 3),
            "train_steps_per_second": round(steps_per_second, 2),
            "train_steps_per_second_after_warmup": warm,
            "dashboard_draw_seconds": round(self.dashboard.draw_seconds, 3) if self.dashboard else 0.0,
            "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count(),
                        "python": platform.python_version(), "tensorflow": tf.__version__,
                        "gpu": bool(tf.config.list_physical_devices("GPU"))},
            "curves": self.curves,
        }
        if extra is not None:
            summary.update(extra(sess))
        print(f"max test accuracy: {summary['max_test_accuracy']:.4f} (step {summary['max_test_accuracy_step']})   "
              f"final test accuracy: {summary['final_test_accuracy']:.4f}")
        print(f"wall time {wall_seconds:.1f} s, training {steps_per_second:.0f} steps/s")
        # the figures are printed: now the files, each written whole or not at all, and any failure said
        failures = []
        summary_path = self.output_stem + ".json"
        try:
            write_json(summary, summary_path)
            print(f"run summary: {summary_path}")
        except OSError as e:
            failures.append(f"the run summary could not be written to {summary_path} ({e.strerror or e})")
        if self.dashboard is not None:
            for path, error in self.dashboard.finish(png=self.png_path, wait=not args.exit_at_end).items():
                if error is None:
                    print(f"dashboard saved: {path}")
                else:
                    failures.append(f"the dashboard could not be saved to {path} ({error})")
        with contextlib.suppress(OSError):
            os.remove(self._reservation)  # the name is taken by the files now (or by nothing, if they failed)
        if failures:
            raise UsageError("; ".join(failures) + ". The figures above are the run's results.")
        return summary


def percentiles_in_graph(tensors, sample=BAND_SAMPLE):
    """The dashboard's 8 percentiles (tensorflowvisu.PERCENTILES: min, 10, 25, 40, 60, 75, 90, max) of all the
    values of `tensors`, computed in the graph: one [8] tensor to fetch instead of every value.

    min and max are exact. The six inner percentiles are exact for up to `sample` values (interpolated
    between the two nearest ranks, as numpy.percentile does); above that, they are those of `sample` values
    picked at fixed random positions (the same ones at every measurement, so the bands move only when the
    values do). 4,096 values place a percentile within about half a percentile of rank, a sliver of a pixel
    on the panel; numpy.percentile over the 180,000 weights of lesson 2.2 cost 5.4 ms every 10 steps, more
    than the lesson's own training steps in between, and this costs a tenth of that.
    """
    values = tf.concat([tf.reshape(t, [-1]) for t in tensors], 0)          # [n] all the values
    count = tf.size(values)
    positions = tf.constant(np.random.default_rng(0).random(sample), tf.float32)  # [sample] in [0, 1)
    picked = tf.cond(count > sample,
                     lambda: tf.gather(values, tf.cast(positions * tf.cast(count, tf.float32), tf.int32)),
                     lambda: values)                                         # [m]: min(n, sample) values
    last = tf.cast(tf.size(picked) - 1, tf.float32)
    inner = []
    for percentile in tensorflowvisu.PERCENTILES[1:-1]:
        rank = percentile / 100 * last                                      # between two whole ranks
        below = tf.floor(rank)
        above = tf.minimum(below + 1, last)
        low, high = (tf.raw_ops.NthElement(input=picked, n=tf.cast(r, tf.int32))  # the r-th smallest value:
                     for r in (below, above))                                   # a partial sort, no full one
        inner.append(low + (rank - below) * (high - low))
    return tf.stack([tf.reduce_min(values)] + inner + [tf.reduce_max(values)])  # [8]


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
