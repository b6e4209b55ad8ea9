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

import os

import numpy as np

from cli import (
    StopOnCtrlC,
    UsageError,
    check_output_dir,
    check_output_file,
    non_negative_float,
    parser_from_docstring,
    positive_float,
    positive_int,
    probability,
    seed,
    user_path,
)
import graphmode
from graphmode import tf  # the TensorFlow the lesson started
import mnist_data
from runlog import RunLog  # noqa: F401  (the lessons' lesson.RunLog: their run's curves, dashboard and summary)

PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(PROJECT_DIR, "runs")
TEST_CHUNK = 2000  # the test set is evaluated in chunks of this many images, to bound memory


# ------------------------------------------------------------------------------------------------
# Flags, data, a fresh graph
# ------------------------------------------------------------------------------------------------


def argument_parser(doc, iterations, test_every, batch_size, train_every=10):
    """A parser with the flags every lesson has; the lesson adds its own hyperparameters to it.

    doc: the lesson's docstring, shown by --help (its first paragraph as the summary, the rest after the flags).
    """
    parser = parser_from_docstring(doc)
    common = parser.add_argument_group("common to every lesson")
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        type=user_path,
        help="folder with the MNIST files (default: "
        "$MNIST_DATA_DIR, else data/mnist beside the scripts; downloaded there when missing)",
    )
    common.add_argument(
        "--iterations", type=positive_int, default=iterations, metavar="N", help="training steps (default: %(default)s)"
    )
    common.add_argument(
        "--batch-size",
        type=positive_int,
        default=batch_size,
        metavar="N",
        help="images per training step (default: %(default)s)",
    )
    common.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="random seed of the weights, dropout and batch order (default: %(default)s)",
    )
    common.add_argument(
        "--test-every",
        type=positive_int,
        default=test_every,
        metavar="N",
        help="evaluate the whole test set every N steps (default: %(default)s)",
    )
    common.add_argument(
        "--train-every",
        type=positive_int,
        default=train_every,
        metavar="N",
        help="measure the training batch every N steps (default: %(default)s)",
    )
    add_output_flags(common)
    graphmode.add_xla_flag(common, "lesson 3.1 trained 14-53%% faster on 2 cores, 2026-11-29")
    graphmode.add_verbose_flag(common)
    return parser


def add_output_flags(common):
    """How the run is shown (dashboard, PNG, movie) and where its summary goes."""
    common.add_argument("--no-visu", action="store_true", help="no dashboard: text output only (fastest)")
    common.add_argument(
        "--save-png", metavar="FILE", type=user_path, help="no window: train, then save the final dashboard as a PNG"
    )
    common.add_argument(
        "--save-movie",
        metavar="FILE",
        type=user_path,
        help="record the dashboard's pictures as they are drawn, as .gif (or .mp4 where ffmpeg is installed)",
    )
    common.add_argument(
        "--watch",
        action="store_true",
        help="draw the dashboard at every measurement: training "
        "goes at the pace of its drawing, slow enough to watch a short lesson learn",
    )
    common.add_argument(
        "--exit-at-end",
        action="store_true",
        help="close the window when training ends instead of waiting for you to close it",
    )
    common.add_argument(
        "--runs-dir",
        metavar="DIR",
        type=user_path,
        default=RUNS_DIR,
        help="where the JSON run summaries go (default: runs/ beside the scripts)",
    )


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
    group = parser.add_argument_group(
        "learning rate decay, from lr_min + lr at step 0 down to lr_min (a constant learning rate R: --lr 0 --lr-min R)"
    )
    group.add_argument(
        "--lr", type=non_negative_float, default=lr, help=f"decaying part (default: {lr_help or '%(default)s'})"
    )
    group.add_argument("--lr-min", type=positive_float, default=lr_min, help="floor (default: %(default)s)")
    group.add_argument(
        "--lr-decay",
        type=positive_float,
        default=lr_decay,
        metavar="STEPS",
        help="decay time constant, in steps (default: %(default)s)",
    )


def add_dropout_flag(parser, pkeep):
    parser.add_argument(
        "--pkeep",
        type=probability,
        default=pkeep,
        help="dropout: probability to keep a "
        "neuron's output during training; 1.0 for evaluation (default: %(default)s)",
    )


def flags_and_data(
    doc,
    *,
    iterations,
    test_every,
    batch_size,
    learning_rate=None,
    lr=None,
    lr_min=None,
    lr_decay=None,
    lr_help=None,
    pkeep=None,
    lesson_flags=None,
):
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
        parser.add_argument(
            "--learning-rate", type=positive_float, default=learning_rate, help="learning rate (default: %(default)s)"
        )
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
        chunk = {
            k: (v[start : start + TEST_CHUNK] if np.ndim(v) > 0 and len(v) == count else v)
            for k, v in feed_dict.items()
        }
        values = tf.nest.flatten(sess.run(fetches, feed_dict=chunk))
        size = min(TEST_CHUNK, count - start)
        if totals is None:
            totals = [0.0] * len(values)
        for i, value in enumerate(values):
            if np.ndim(value) == 0:
                totals[i] += value * size
        rows.append(values)
    results = [
        totals[i] / count if np.ndim(value) == 0 else np.concatenate([r[i] for r in rows])
        for i, value in enumerate(rows[0])
    ]
    return tf.nest.pack_sequence_as(fetches, results)
