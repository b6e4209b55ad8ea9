"""Train a character-level language model, 3 stacked GRU layers, on the complete works of Shakespeare.

The network reads 30 characters at a time and, at every position, predicts the next character.
Its state (the memory of the 3 GRU layers, 3 x 512 numbers per sequence) flows from one batch to the
next: sequence k of a batch continues sequence k of the batch before (see txtutils).

        Y_[0]        Y_[1]   ...  Y_[29]       targets: the input shifted by one character
          ↑            ↑             ↑
       softmax      softmax  ...  softmax      one readout [512, 98], shared by all time steps
          ↑            ↑             ↑
  H ─→ [GRU] ──────→ [GRU] ─...─→ [GRU] ─→ H   layer 3 (512 units)
          ↑            ↑             ↑
  H ─→ [GRU] ──────→ [GRU] ─...─→ [GRU] ─→ H   layer 2 (512 units)
          ↑            ↑             ↑
  H ─→ [GRU] ──────→ [GRU] ─...─→ [GRU] ─→ H   layer 1 (512 units)
          ↑            ↑             ↑
        X[0]         X[1]    ...   X[29]       characters, one-hot [BATCH, SEQLEN, 98]

  Hin, H: the state of the 3 layers, one [BATCH, 3 * 512] tensor, fed in and fetched at every step.

The model itself, the GRU cell's equations and how they map onto the talk's TensorFlow cells: rnn_model.py.

Run:  python rnn_train.py                      (the corpus in data/shakespeare/, or --data 'GLOB' or FOLDER)
      python rnn_train.py --resume             (continue the latest checkpoint: weights, Adam, step)
      tensorboard --logdir log                 (training and validation curves, overlaid)
Ctrl-C saves a checkpoint and stops: no training is lost (a second Ctrl-C quits at once, without saving).

While it trains, a live view (rnn_dashboard.py) shows the loss and accuracy curves, the mini-batch it just
trained on with the network's guesses, and its latest sample: in a window, in a notebook cell (%run), or,
with no display, as training.png in the checkpoint folder (--save-png elsewhere; --no-visu: text only).
Then: python rnn_play.py             (a play from the newest checkpoint)
      python rnn_play.py --replay    (the milestones saved along the way, from gibberish to a play)

A checkpoint folder holds everything rnn_play and --resume need (the model's size in hparams.json), and
can be moved or copied: the checkpoints are found from its own files. It keeps the 5 newest checkpoints.
"""

import dataclasses
import datetime
import os
import sys

import numpy as np

from graphmode import tf  # TensorFlow in graph mode: placeholders, variables, a session
from cli import (
    StopOnCtrlC,
    UsageError,
    check_output_dir,
    check_output_file,
    parser_from_docstring,
    positive_float,
    positive_int,
    probability,
    run_main,
    seed,
    user_path,
)
import folderlock  # one training run at a time in a checkpoint folder
import graphmode
import rnn_checkpoints  # the checkpoint folder: what is saved, found, restored
import rnn_hparams  # the model's size and batches, one record (hparams.json)
import rnn_model
import rnn_reports  # what it shows: the console's reports, TensorBoard's scalars, the live view
from rnn_hparams import BATCHSIZE, INTERNALSIZE, NLAYERS, SEQLEN  # the talk's network and batches
from rnn_model import LEARNING_RATE, Model, validate  # the model
import shakespeare_data  # the corpus: found, downloaded, checked, read
import txtutils

PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CHECKPOINT_DIR = rnn_checkpoints.DEFAULT_FOLDER  # checkpoints/ beside the scripts
DEFAULT_LOG_DIR = os.path.join(PROJECT_DIR, "log")

# the talk's network and batches, from rnn_hparams.py: NLAYERS = 3 GRU layers of INTERNALSIZE = 512 units over
# ALPHASIZE = 98 characters; batches of BATCHSIZE = 200 sequences of SEQLEN = 30 characters; Adam, LEARNING_RATE 0.001
PKEEP = 0.8  # dropout: probability to keep each input and output of the GRU layers during training
EPOCHS = 10
REPORT_EVERY = 100  # steps between two mini-batch displays, validations and samples
CHECKPOINT_EVERY = 500
SCALARS_EVERY = 10  # training loss and accuracy written for TensorBoard every 10 steps


# ------------------------------------------------------------------------------------------------
# Before training: the flags, the folders, the hyperparameters, the corpus
# ------------------------------------------------------------------------------------------------


def add_model_flags(parser):
    """What to train on and the network's sizes (None: the defaults, or with --resume the run's)."""
    parser.add_argument(
        "--data",
        metavar="GLOB",
        default=None,
        help="text files to train on: a quoted glob ('src/**/*.py'), or a folder (every text file "
        "under it) (default: $SHAKESPEARE_DATA, else the talk's Shakespeare corpus in "
        "data/shakespeare/ beside this script, downloaded on first use)",
    )
    parser.add_argument(
        "--seqlen",
        type=positive_int,
        default=None,
        help=f"unrolled sequence length (default: {SEQLEN}; with --resume, the run's)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help=f"sequences per batch (default: {BATCHSIZE}; with --resume, the run's)",
    )
    parser.add_argument(
        "--internal-size",
        type=positive_int,
        default=None,
        help=f"GRU units per layer (default: {INTERNALSIZE}; with --resume, the checkpoint's)",
    )
    parser.add_argument(
        "--layers",
        type=positive_int,
        default=None,
        help=f"stacked GRU layers (default: {NLAYERS}; with --resume, the checkpoint's)",
    )


def add_schedule_flags(parser):
    """How training runs: its length, speed, schedule of reports and saves, seed and precision."""
    parser.add_argument(
        "--learning-rate", type=positive_float, default=LEARNING_RATE, help="Adam learning rate (default: %(default)s)"
    )
    parser.add_argument(
        "--pkeep", type=probability, default=PKEEP, help="dropout keep probability in training (default: %(default)s)"
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=EPOCHS, help="passes over the text (default: %(default)s)"
    )
    parser.add_argument("--steps", type=positive_int, default=None, metavar="N", help="stop after N batches (this run)")
    parser.add_argument(
        "--report-every",
        type=positive_int,
        default=REPORT_EVERY,
        metavar="N",
        help="mini-batch display, validation and a sample every N steps (default: %(default)s)",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=positive_int,
        default=CHECKPOINT_EVERY,
        metavar="N",
        help="save a checkpoint every N steps, and at the end (default: %(default)s)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--float32",
        action="store_true",
        help="train in float32 only: no bfloat16 matrix products, "
        "which are the default where the CPU has bfloat16 instructions (1.35-1.4x faster, "
        "2026-12-02)",
    )


def add_output_flags(parser):
    """Where the checkpoints and logs go, resuming from them, and how training is shown."""
    parser.add_argument(
        "--checkpoint-dir", type=user_path, default=DEFAULT_CHECKPOINT_DIR, metavar="DIR", help="default: checkpoints/"
    )
    parser.add_argument(
        "--log-dir", type=user_path, default=DEFAULT_LOG_DIR, metavar="DIR", help="TensorBoard logs (default: log/)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest complete checkpoint in --checkpoint-dir"
    )
    parser.add_argument("--no-visu", action="store_true", help="no live view: text output only")
    parser.add_argument(
        "--save-png",
        metavar="FILE",
        type=user_path,
        default=None,
        help="no window: the live view saved as a PNG, at the reports and at the end (default "
        f"with no display: {rnn_reports.VIEW_PNG} in the checkpoint folder)",
    )
    parser.add_argument(
        "--exit-at-end",
        action="store_true",
        help="close the live view's window when training ends instead of waiting for you to close it",
    )
    graphmode.add_verbose_flag(parser)


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    add_model_flags(parser)
    add_schedule_flags(parser)
    add_output_flags(parser)
    args, extra = parser.parse_known_args(argv)
    if args.save_png and not args.save_png.lower().endswith(".png"):
        parser.error(f"--save-png {args.save_png}: the file name must end in .png")
    if args.no_visu and args.save_png:
        parser.error("--no-visu draws nothing: it cannot be combined with --save-png")
    if extra:
        hint = ""
        if args.data and all(os.path.exists(path) for path in extra):  # the shell expanded an unquoted glob
            hint = f"; the shell expanded --data's glob into {len(extra) + 1} files: quote it, --data 'folder/*.txt'"
        parser.error(f"unrecognized arguments: {' '.join(extra[:3])}{' ...' if len(extra) > 3 else ''}{hint}")
    return args


def nothing_to_resume(folder):
    return UsageError(f"--resume: no checkpoint in {folder} (train without --resume first)")


def resume_or_refuse(args):
    """The checkpoint folder's policy, decided before anything is read or trained. Returns (checkpoint to
    resume from or None, the run's hyperparameters: rnn_hparams.HParams).

    With --resume: the folder's newest complete checkpoint, and the hyperparameters saved with it (a flag may
    repeat them, not contradict them). Without: the folder must not hold another run's checkpoints, which
    would get mixed with this run's."""
    folder = args.checkpoint_dir
    if not args.resume:
        if rnn_checkpoints.find(folder):
            raise UsageError(
                f"{folder} already holds a training run: pass --resume to continue it, "
                "or --checkpoint-dir NEW_FOLDER to start another"
            )
        if rnn_checkpoints.holds_a_run(folder):  # what is left of a run: its milestones would mix with this one's
            raise UsageError(
                f"{folder} holds what is left of another training run (milestones or "
                f"{rnn_hparams.HPARAMS_FILE}, no checkpoint): pass --checkpoint-dir NEW_FOLDER, "
                "or delete those files to train there"
            )
        hparams = rnn_hparams.from_flags(args)
        hparams.check_memory()  # a batch that cannot fit in memory: refused now, in one line
        return None, hparams
    resume_from = rnn_checkpoints.newest_complete(folder)
    if resume_from is None:
        raise nothing_to_resume(folder)
    rnn_checkpoints.milestones(folder, fall_back=False)  # a damaged milestones.json: said now, not hours later
    # the model's size and the batches' shape (the epochs and the RNN state follow it), as saved with the run
    hparams = rnn_hparams.resumed(rnn_hparams.load(folder), args, folder)
    hparams.check_memory()
    rnn_checkpoints.check_weights(folder, resume_from, hparams)  # never resumed without a layer, or at another size
    return resume_from, hparams


def load_corpus(args, hparams):
    """The training and validation text, described in a line or two; (corpus, batches per epoch)."""
    corpus = shakespeare_data.read_corpus(shakespeare_data.find_corpus(args.data))
    txtutils.check_text_length(len(corpus.train), hparams.batch_size, hparams.seqlen)
    steps_per_epoch = txtutils.batches_per_epoch(len(corpus.train), hparams.batch_size, hparams.seqlen)
    print(
        f"corpus: {len(corpus.train):,} training characters in {len(corpus.books)} works; "
        f"{steps_per_epoch} batches per epoch"
    )
    print(f"corpus: {len(corpus.validation):,} validation characters held out: {corpus.held_out}")
    if 0 < len(corpus.validation) <= hparams.seqlen:
        print(
            f"corpus: the validation text is shorter than one sequence (--seqlen {hparams.seqlen}): "
            "no validation loss (give more text)"
        )
    unknown = shakespeare_data.describe_unknown(corpus, sys.stdout)
    if unknown:
        print(f"corpus: {unknown}")
    return corpus, steps_per_epoch


def train(args):
    # everything that can be wrong with the folders is checked first, not after hours of training
    if args.resume and not rnn_checkpoints.find(args.checkpoint_dir):  # before anything is created
        raise nothing_to_resume(args.checkpoint_dir)
    rnn_checkpoints.refuse_model_folder(args.checkpoint_dir, "--checkpoint-dir")  # the shipped model, an export
    if not args.resume:  # a batch too big for memory: refused before any folder is made
        rnn_hparams.from_flags(args).check_memory()
    checkpoint_dir = check_output_dir(args.checkpoint_dir, "--checkpoint-dir")
    if args.save_png:
        args.save_png = check_output_file(args.save_png, "--save-png")
    with folderlock.lock(checkpoint_dir):  # one run at a time in a checkpoint folder
        build_and_train(args, checkpoint_dir)


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """What the pieces of a training run share."""

    args: object  # the flags
    hparams: rnn_hparams.HParams  # the model's size and batches (saved as hparams.json)
    folder: str  # the checkpoint folder
    corpus: object  # shakespeare_data.Corpus: the training and validation texts
    steps_per_epoch: int
    model: Model  # the graph
    saver: object  # everything, to resume
    weights_saver: object  # the weights alone, for the milestones
    writers: dict  # TensorBoard's two runs: {"training": FileWriter, "validation": FileWriter}
    rng: object  # the samples' random draws
    sess: object = None
    view: object = None  # the live view (rnn_dashboard.TrainingView), None with --no-visu

    def responsive(self, work, *args):
        """work(*args), a live window answering meanwhile (it runs in a second thread then)."""
        return work(*args) if self.view is None else self.view.responsive(lambda: work(*args))


def build_and_train(args, checkpoint_dir):
    """The hyperparameters (new, or the run's to resume), the corpus, the graph; then, in a session, the training
    from the step reached (0, or the checkpoint's) to the end of --epochs or --steps, and what it did in a line.
    TensorBoard's files are closed, and the live view's window, whatever happens."""
    resume_from, hparams = resume_or_refuse(args)
    log_dir = check_output_dir(args.log_dir, "--log-dir")
    corpus, steps_per_epoch = load_corpus(args, hparams)

    tf.set_random_seed(args.seed)
    bfloat16, why = rnn_model.training_precision(args.float32)
    print(f"precision: {why}")
    hparams = dataclasses.replace(hparams, precision="bfloat16" if bfloat16 else "float32")
    model = Model(learning_rate=args.learning_rate, bfloat16=bfloat16, **hparams.model_size())
    saver = rnn_checkpoints.saver()  # everything, to resume
    weights_saver = rnn_checkpoints.saver(var_list=model.model_variables())  # the weights, for milestones
    run_name = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    writers = {
        kind: tf.summary.FileWriter(os.path.join(log_dir, f"{run_name}-{kind}")) for kind in ("training", "validation")
    }
    run = Run(
        args,
        hparams,
        checkpoint_dir,
        corpus,
        steps_per_epoch,
        model,
        saver,
        weights_saver,
        writers,
        rng=np.random.default_rng(args.seed),
    )
    try:
        with graphmode.session() as sess, StopOnCtrlC("saving a checkpoint, then stopping") as stop:
            run.sess = sess
            step, state = start_or_resume(run, resume_from)
            first_step, end_step = step, steps_per_epoch * args.epochs
            if args.steps:
                end_step = min(end_step, step + args.steps)
            if step >= end_step:
                print(f"nothing to do: step {step} already reached the end of {args.epochs} epochs")
                return
            print(f"training steps {step} to {end_step} on {graphmode.devices()}")
            run.view = rnn_reports.open_view(run, first_step, end_step)
            step, pace = training_loop(run, step, state, end_step, stop)
            if stop.requested:
                print(f"stopped by {stop.signal_name} at step {step}: continue with --resume", flush=True)
            print(
                f"trained {step - first_step} steps ({(step - first_step) * pace.chars_per_step:,} characters) "
                f"in {pace.speed.total_seconds():.1f} s"
            )
            rnn_reports.close_view(run.view, args, pace.speed.total_seconds())
            run.view = None
    finally:
        if run.view is not None:  # an error or a second Ctrl-C: the window closes with the program
            run.view.live.abort()
        for writer in writers.values():
            writer.close()


def start_or_resume(run, resume_from):
    """A new model (its hyperparameters saved beside the checkpoints), or the checkpoint's weights, Adam's state
    and step, with the RNN state saved with it. Returns (step, RNN state)."""
    run.sess.run(tf.global_variables_initializer())
    state = run.model.zero_state(run.hparams.batch_size)
    if resume_from is None:
        rnn_hparams.save(run.folder, run.hparams)
        return 0, state
    rnn_checkpoints.restore(run.sess, run.saver, resume_from, run.hparams)
    step = int(run.sess.run(run.model.global_step))
    saved_state = rnn_checkpoints.load_state(run.folder, step, state.shape)
    print(
        f"resumed from {resume_from} at step {step}"
        + (", with its RNN state" if saved_state is not None else ", RNN state from zeros")
    )
    return step, state if saved_state is None else saved_state


def training_loop(run, step, state, end_step, stop):
    """One sess.run per batch, the RNN state it ends in fed to the next batch; after each step, its schedules.
    Returns (the last step trained, its txtutils.Pace)."""
    model, args, hparams = run.model, run.args, run.hparams
    # what a training step computes: the view also gets the network's guesses and each sequence's loss,
    # computed on the way to the loss anyway
    fetches = [model.train_step, model.batch_loss, model.accuracy, model.H]
    if run.view is not None:
        fetches += [model.Y, model.seq_loss]
    pace = txtutils.Pace(hparams.batch_size * hparams.seqlen, args.report_every, step, end_step)
    for x, y_, epoch in txtutils.rnn_minibatch_sequencer(
        run.corpus.train, hparams.batch_size, hparams.seqlen, args.epochs, start_step=step
    ):
        # train on one batch: the RNN state it ends in is where the next batch starts
        state_in = state
        feed = {model.X: x, model.Y_: y_, model.Hin: state_in, model.pkeep: args.pkeep}
        _, loss, accuracy, state, *guesses = run.responsive(run.sess.run, fetches, feed)
        step += 1
        pace.step(loss)
        record_step(run, step, epoch, loss, accuracy, y_, guesses)
        last = step >= end_step or stop.requested

        # the schedules, each its steps then its work (on Ctrl-C, only the checkpoint); a validation measured by the
        # report or the milestone goes to the live view
        validation, reported = None, False
        if not stop.requested and (step % args.report_every == 0 or last):
            validation, reported = report(run, (x, y_, state_in), epoch, step, pace), True
        if not stop.requested and (rnn_checkpoints.is_milestone(step) or step == run.steps_per_epoch * args.epochs):
            validation, reported = save_milestone(run, step, validation), True
        if step % args.checkpoint_every == 0 or last:  # every --checkpoint-every steps, at the end, on Ctrl-C
            rnn_checkpoints.save(run.sess, run.saver, run.folder, step, state)
        rnn_reports.update_view(run, step, validation)
        if last:
            break
        if reported:
            pace.restart()  # a report's or a milestone's work is not training time
    return step, pace


# ------------------------------------------------------------------------------------------------
# After each step, the schedules; what the learner sees
# ------------------------------------------------------------------------------------------------


def record_step(run, step, epoch, loss, accuracy, expected, guesses):
    """Every step: its loss and accuracy for the live view (with the batch's expected characters and the guesses);
    every SCALARS_EVERY steps, for TensorBoard."""
    if step % SCALARS_EVERY == 0:
        rnn_reports.write_scalars(run.writers["training"], step, batch_loss=loss, batch_accuracy=accuracy)
    if run.view is not None:
        run.view.training_step(step, epoch, loss, accuracy, expected, *guesses)


def report(run, batch, epoch, step, pace):
    """Every --report-every steps and at the end, the talk's console report: the mini-batch just trained on, the
    validation figures, a sample; then the training speed since the last report (measured before the report's
    own work). Returns the validation (loss, accuracy, characters), or None when there is no validation text."""
    training_speed = pace.speed.since_last_report()
    validation, sample = run.responsive(rnn_reports.show_report, run, batch, epoch, step)
    print(training_speed, flush=True)
    if run.view is not None:
        run.view.sampled(step, sample)
    pace.next_report(step)
    return validation


def save_milestone(run, step, validation):
    """At milestone steps (25, 50, 100... 800, then every 1,000) and at the end of the last epoch: the weights, for
    --replay, with their validation loss (measured now, unless the report just did). Returns the validation."""
    if validation is None:
        validation = run.responsive(
            validate, run.sess, run.model, run.corpus.validation, run.hparams.batch_size, run.hparams.seqlen
        )
    rnn_checkpoints.save_milestone(
        run.sess,
        run.weights_saver,
        run.folder,
        step,
        step / run.steps_per_epoch,
        validation_loss=round(validation[0], 4) if validation else None,
    )
    return validation


def main(argv=None):
    graphmode.start_tensorflow(argv)  # first: TensorFlow in graph mode, quietly (it takes seconds)
    args = parse_args(argv)
    txtutils.replace_unencodable_output(sys.stdout)  # e.g. generated text on a cp1252 or ASCII terminal
    tf.reset_default_graph()  # a fresh graph, also when a notebook runs the script again (%run)
    try:
        train(args)
    except txtutils.TextError as e:
        raise UsageError(str(e)) from None


if __name__ == "__main__":
    run_main(main)
