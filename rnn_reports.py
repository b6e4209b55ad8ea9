"""What rnn_train.py shows while it trains: the talk's console report every --report-every steps (the mini-batch
just trained on with the network's guesses, the validation loss and accuracy, a sample the network writes), the
scalars TensorBoard draws, and the live view (rnn_dashboard.py) opened, fed and closed.

Each function takes rnn_train's Run: the flags, the model, the session, the corpus, the TensorBoard writers.
"""

import math
import os
import sys

from graphmode import tf  # the TensorFlow rnn_train.py started
import rnn_checkpoints
from rnn_model import SAMPLE_TOPN, validate
import txtutils

SAMPLE_LENGTH = 300  # characters the network writes at each report, each drawn among its SAMPLE_TOPN = 2 favourites
VIEW_PNG = "training.png"  # the live view of a run with no display, in its checkpoint folder


def write_scalars(writer, step, **values):
    writer.add_summary(
        tf.Summary(value=[tf.Summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()]), step
    )


def show_report(run, batch, epoch, step):
    show_minibatch(run, batch, epoch, step)
    validation = show_validation(run, step)
    return validation, show_sample(run)


def update_view(run, step, validation):
    """The live view: the validation figures when measured, a headless run's PNG at the reports, a picture."""
    if run.view is None:
        return
    if validation:
        run.view.validated(step, *validation[:2])
    line = run.view.report() if step % run.args.report_every == 0 else None
    if line:
        print(line, flush=True)
    run.view.update()


def show_minibatch(run, batch, epoch, step):
    """The talk's code's view of a mini-batch: the sequences just trained on, what the network predicts for each
    (evaluated without dropout, from the state it was trained with), and their losses."""
    x, y_, state_in = batch
    model = run.model
    predicted, seq_loss, loss, accuracy = run.sess.run(
        [model.Y, model.seq_loss, model.batch_loss, model.accuracy], {model.X: x, model.Y_: y_, model.Hin: state_in}
    )
    books = books_of(run, step, rows=len(x))
    print()
    print(
        txtutils.format_minibatch(
            x, predicted, seq_loss, books, loss, accuracy, epoch, step, symbols=txtutils.display_symbols(sys.stdout)
        )
    )


def books_of(run, step, rows):
    """The works the first `rows` sequences of mini-batch `step` (counted from 1) read."""
    positions = txtutils.minibatch_positions(
        len(run.corpus.train), run.hparams.batch_size, run.hparams.seqlen, step - 1
    )
    return [run.corpus.book_at(p) for p in positions[:rows]]


def show_validation(run, step):
    """Loss and accuracy on the held-out text, printed and written for TensorBoard; returned (or None when
    there is no validation text)."""
    validation = validate(run.sess, run.model, run.corpus.validation, run.hparams.batch_size, run.hparams.seqlen)
    if validation:
        loss, accuracy, _ = validation
        write_scalars(run.writers["validation"], step, batch_loss=loss, batch_accuracy=accuracy)
        print(f"validation: loss {loss:.4f} ({loss / math.log(2):.3f} bits per character), accuracy {accuracy:.4f}")
    return validation


def show_sample(run):
    """SAMPLE_LENGTH characters written by the network as it is now, after a line feed: printed, and returned."""
    code, state = run.model.prime(run.sess, txtutils.encode_text("\n"))
    codes, _, _ = run.model.generate(
        run.sess, code, state, SAMPLE_LENGTH, topn=SAMPLE_TOPN, seed=run.rng.integers(0, 2**31, 2)
    )
    text = txtutils.decode_to_text(codes)
    print("generated sample:\n" + "-" * 60 + "\n" + text + "\n" + "-" * 60)
    return text


def open_view(run, first_step, end_step):
    """The live view (rnn_dashboard.py), or None with --no-visu: a window, a notebook cell, else a PNG."""
    args, hparams = run.args, run.hparams
    if args.no_visu:
        return None
    import rnn_dashboard

    layers = f"{hparams.layers} GRU layer" + ("s" if hparams.layers > 1 else "")
    title = (
        f"rnn_train.py: {layers} of {hparams.internal_size} units, "
        f"{len(run.corpus.train):,} characters of text, batches of {hparams.batch_size} x {hparams.seqlen}"
    )
    earlier = rnn_checkpoints.milestones(run.folder, fall_back=False) if first_step else ()
    view = rnn_dashboard.TrainingView(
        title,
        first_step,
        end_step,
        live=not args.save_png,
        png=args.save_png or os.path.join(run.folder, VIEW_PNG),
        books_of=lambda step: books_of(run, step, rnn_dashboard.ROWS),
        earlier=earlier,
    )
    if view.where == "file" and not args.save_png:
        print(
            f"No display: the live view goes to {view.png}, rewritten at the reports (every "
            f"{rnn_dashboard.PNG_INTERVAL:.0f} s at most) and at the end"
        )
    return view


def close_view(view, args, training_seconds):
    """The view's final picture, and a line on what drawing it cost; a PNG that cannot be written is one line."""
    if view is None:
        return
    line = view.summary(training_seconds)
    if line:
        print(line)
    for path, error in view.finish(wait=not args.exit_at_end).items():
        print(
            f"training view saved: {path}"
            if error is None
            else f"the training view could not be saved to {path} ({error})",
            flush=True,
        )
