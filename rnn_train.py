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
import datetime
import math
import os
import sys

import numpy as np

from graphmode import tf     # TensorFlow in graph mode: placeholders, variables, a session
from cli import (StopOnCtrlC, UsageError, check_output_dir, check_output_file, parser_from_docstring, positive_float,
                 positive_int, probability, run_main, seed, user_path)
import graphmode
import rnn_checkpoints        # the checkpoint folder: what is saved, found, restored
import rnn_model
from rnn_model import (ALPHASIZE, BATCHSIZE, INTERNALSIZE, LEARNING_RATE, NLAYERS, SAMPLE_TOPN, SEQLEN,  # the model
                       Model, validate)
import txtutils

PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA_DIR = os.path.join(PROJECT_DIR, "data", "shakespeare")  # the talk's corpus, fetched on first use
DEFAULT_CHECKPOINT_DIR = rnn_checkpoints.DEFAULT_FOLDER  # checkpoints/ beside the scripts
DEFAULT_LOG_DIR = os.path.join(PROJECT_DIR, "log")

# the talk's network and batches, from rnn_model.py: NLAYERS = 3 GRU layers of INTERNALSIZE = 512 units over
# ALPHASIZE = 98 characters; batches of BATCHSIZE = 200 sequences of SEQLEN = 30 characters; Adam, LEARNING_RATE 0.001
PKEEP = 0.8  # dropout: probability to keep each input and output of the GRU layers during training
EPOCHS = 10
REPORT_EVERY = 100  # steps between two mini-batch displays, validations and samples
CHECKPOINT_EVERY = 500
SCALARS_EVERY = 10  # training loss and accuracy written for TensorBoard every 10 steps
SAMPLE_LENGTH = 300  # characters the network writes at each report, each drawn among its SAMPLE_TOPN = 2 favourites
VIEW_PNG = "training.png"  # the live view of a run with no display, in its checkpoint folder


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--data", metavar="GLOB", default=None,
                        help="text files to train on: a quoted glob ('src/**/*.py'), or a folder (every text file "
                             "under it) (default: $SHAKESPEARE_DATA, else the talk's Shakespeare corpus in "
                             "data/shakespeare/ beside this script, downloaded on first use)")
    parser.add_argument("--seqlen", type=positive_int, default=None,
                        help=f"unrolled sequence length (default: {SEQLEN}; with --resume, the run's)")
    parser.add_argument("--batch-size", type=positive_int, default=None,
                        help=f"sequences per batch (default: {BATCHSIZE}; with --resume, the run's)")
    parser.add_argument("--internal-size", type=positive_int, default=None,
                        help=f"GRU units per layer (default: {INTERNALSIZE}; with --resume, the checkpoint's)")
    parser.add_argument("--layers", type=positive_int, default=None,
                        help=f"stacked GRU layers (default: {NLAYERS}; with --resume, the checkpoint's)")
    parser.add_argument("--learning-rate", type=positive_float, default=LEARNING_RATE, help="Adam learning rate (default: %(default)s)")
    parser.add_argument("--pkeep", type=probability, default=PKEEP, help="dropout keep probability in training (default: %(default)s)")
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS, help="passes over the text (default: %(default)s)")
    parser.add_argument("--steps", type=positive_int, default=None, metavar="N", help="stop after N batches (this run)")
    parser.add_argument("--report-every", type=positive_int, default=REPORT_EVERY, metavar="N",
                        help="mini-batch display, validation and a sample every N steps (default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=positive_int, default=CHECKPOINT_EVERY, metavar="N",
                        help="save a checkpoint every N steps, and at the end (default: %(default)s)")
    parser.add_argument("--checkpoint-dir", type=user_path, default=DEFAULT_CHECKPOINT_DIR, metavar="DIR",
                        help="default: checkpoints/")
    parser.add_argument("--log-dir", type=user_path, default=DEFAULT_LOG_DIR, metavar="DIR",
                        help="TensorBoard logs (default: log/)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint in --checkpoint-dir")
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--float32", action="store_true", help="train in float32 only: no bfloat16 matrix products, "
                        "which are the default where the CPU has bfloat16 instructions (1.35-1.4x faster, "
                        "2026-12-02)")
    parser.add_argument("--no-visu", action="store_true", help="no live view: text output only")
    parser.add_argument("--save-png", metavar="FILE", type=user_path, default=None,
                        help="no window: the live view saved as a PNG, at the reports and at the end (default "
                             f"with no display: {VIEW_PNG} in the checkpoint folder)")
    parser.add_argument("--exit-at-end", action="store_true", help="close the live view's window when training "
                        "ends instead of waiting for you to close it")
    graphmode.add_verbose_flag(parser)
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


def corpus_pattern(args):
    """--data, else $SHAKESPEARE_DATA, else the talk's corpus in data/shakespeare/ (downloaded on first use)."""
    if args.data:
        return args.data
    pattern = os.environ.get("SHAKESPEARE_DATA")
    if pattern:
        try:
            txtutils.corpus_files(pattern)
        except txtutils.TextError:
            raise UsageError(f"SHAKESPEARE_DATA={pattern} matches no file: point it at the corpus's text files, "
                             "unset it to download the talk's corpus into data/shakespeare/, "
                             "or pass --data 'path/to/*.txt'") from None
        return pattern
    return txtutils.fetch_shakespeare(DEFAULT_DATA_DIR)


def write_scalars(writer, step, **values):
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()]),
                       step)


def resume_or_refuse(args):
    """The checkpoint folder's policy, decided before anything is read or trained. Returns (checkpoint to
    resume from or None, the model's size: the arguments Model(...) takes).

    With --resume: the folder's newest complete checkpoint, and the model size saved with it (a flag may
    repeat it, not contradict it). Without: the folder must not hold another run's checkpoints, which
    would get mixed with this run's."""
    folder = args.checkpoint_dir
    if not args.resume:
        args.batch_size, args.seqlen = args.batch_size or BATCHSIZE, args.seqlen or SEQLEN
        if rnn_checkpoints.find(folder):
            raise UsageError(f"{folder} already holds a training run: pass --resume to continue it, "
                             "or --checkpoint-dir NEW_FOLDER to start another")
        if rnn_checkpoints.holds_a_run(folder):  # what is left of a run: its milestones would mix with this one's
            raise UsageError(f"{folder} holds what is left of another training run (milestones or "
                             f"{rnn_checkpoints.HPARAMS_FILE}, no checkpoint): pass --checkpoint-dir NEW_FOLDER, "
                             "or delete those files to train there")
        size = {"internal_size": args.internal_size or INTERNALSIZE, "layers": args.layers or NLAYERS}
        check_memory(args, size)
        return None, size
    resume_from = rnn_checkpoints.newest_complete(folder)
    if resume_from is None:
        raise UsageError(f"--resume: no checkpoint in {folder} (train without --resume first)")
    rnn_checkpoints.milestones(folder, fall_back=False)  # a damaged milestones.json: said now, not hours later
    # the model's size and the batches' shape (the epochs and the RNN state follow it), as saved with the run:
    # a flag may repeat them, not contradict them (folders saved before the shape was recorded: the defaults)
    saved = {**rnn_checkpoints.load_model_size(folder), **rnn_checkpoints.load_training_shape(folder)}
    for flag, default in (("--internal-size", None), ("--layers", None), ("--batch-size", BATCHSIZE),
                          ("--seqlen", SEQLEN)):
        key = flag[2:].replace("-", "_")
        given = getattr(args, key)
        if given is not None and saved.get(key, given) != given:
            raise UsageError(f"--resume: the checkpoints in {folder} have {flag} {saved[key]}, not {given}: "
                             f"leave {flag} out (--resume reads it from {rnn_checkpoints.HPARAMS_FILE})")
        setattr(args, key, given or saved.get(key) or default)
    size = {"internal_size": args.internal_size, "layers": args.layers}
    check_memory(args, size)
    rnn_checkpoints.check_weights(folder, resume_from, size)  # never resumed without a layer, or at another size
    return resume_from, size


def check_memory(args, model_size):
    """A batch that cannot fit in memory is refused now, in one line (rnn_model.check_batch_memory)."""
    batch_size, seqlen = args.batch_size or BATCHSIZE, args.seqlen or SEQLEN
    try:
        rnn_model.check_batch_memory(batch_size * seqlen, **model_size,
                                     flags=f"--batch-size {batch_size} x --seqlen {seqlen}")
    except ValueError as e:
        raise UsageError(str(e)) from None


def precision(args):
    """(bfloat16 matrix products or not, why, in words): on where the CPU has bfloat16 instructions and no GPU
    runs the graph, unless --float32."""
    if args.float32:
        return False, "float32 (--float32)"
    if graphmode.tf.config.list_physical_devices("GPU"):
        return False, "float32 (a GPU runs the graph)"
    if not rnn_model.cpu_has_bfloat16():
        return False, "float32 (this CPU has no bfloat16 instructions)"
    return True, ("mixed: matrix products in bfloat16, weights, Adam and the loss in float32 (this CPU has "
                  "bfloat16 instructions; --float32 to turn it off)")


def load_corpus(args):
    """The training and validation text, described in a line or two; (corpus, batches per epoch)."""
    corpus = txtutils.read_corpus(corpus_pattern(args))
    txtutils.check_text_length(len(corpus.train), args.batch_size, args.seqlen)
    steps_per_epoch = txtutils.batches_per_epoch(len(corpus.train), args.batch_size, args.seqlen)
    print(f"corpus: {len(corpus.train):,} training characters in {len(corpus.books)} works; "
          f"{steps_per_epoch} batches per epoch")
    print(f"corpus: {len(corpus.validation):,} validation characters held out: {corpus.held_out}")
    if 0 < len(corpus.validation) <= args.seqlen:
        print(f"corpus: the validation text is shorter than one sequence (--seqlen {args.seqlen}): "
              "no validation loss (give more text)")
    unknown = txtutils.describe_unknown(corpus, sys.stdout)
    if unknown:
        print(f"corpus: {unknown}")
    return corpus, steps_per_epoch


def start_or_resume(sess, model, saver, resume_from, folder, model_size, batch_size, seqlen):
    """A new model (its size saved beside the checkpoints), or the checkpoint's weights, Adam's state and
    step, with the RNN state saved with it. Returns (step, RNN state)."""
    sess.run(tf.global_variables_initializer())
    state = model.zero_state(batch_size)
    if resume_from is None:
        rnn_checkpoints.save_model_size(folder, alphasize=ALPHASIZE, batch_size=batch_size, seqlen=seqlen,
                                        precision="bfloat16" if model.bfloat16 else "float32",
                                        **model_size)
        return 0, state
    rnn_checkpoints.restore(sess, saver, resume_from, model_size)
    step = int(sess.run(model.global_step))
    saved_state = rnn_checkpoints.load_state(folder, step, state.shape)
    print(f"resumed from {resume_from} at step {step}"
          + (", with its RNN state" if saved_state is not None else ", RNN state from zeros"))
    return step, state if saved_state is None else saved_state


def show_minibatch(sess, model, corpus, args, batch, epoch, step):
    """The talk's code's view of a mini-batch: the sequences just trained on, what the network predicts for each
    (evaluated without dropout, from the state it was trained with), and their losses."""
    x, y_, state_in = batch
    predicted, seq_loss, loss, accuracy = sess.run(
        [model.Y, model.seq_loss, model.batch_loss, model.accuracy], {model.X: x, model.Y_: y_, model.Hin: state_in})
    positions = txtutils.minibatch_positions(len(corpus.train), args.batch_size, args.seqlen, step - 1)
    books = [corpus.book_at(p) for p in positions]
    print()
    print(txtutils.format_minibatch(x, predicted, seq_loss, books, loss, accuracy, epoch, step,
                                    symbols=txtutils.display_symbols(sys.stdout)))


def show_validation(sess, model, corpus, args, writer, step):
    """Loss and accuracy on the held-out text, printed and written for TensorBoard; returned (or None when
    there is no validation text)."""
    validation = validate(sess, model, corpus.validation, args.batch_size, args.seqlen)
    if validation:
        loss, accuracy, _ = validation
        write_scalars(writer, step, batch_loss=loss, batch_accuracy=accuracy)
        print(f"validation: loss {loss:.4f} ({loss / math.log(2):.3f} bits per character), accuracy {accuracy:.4f}")
    return validation


def show_sample(sess, model, rng):
    """SAMPLE_LENGTH characters written by the network as it is now, after a line feed: printed, and returned."""
    code, state = model.prime(sess, txtutils.encode_text("\n"))
    codes, _, _ = model.generate(sess, code, state, SAMPLE_LENGTH, topn=SAMPLE_TOPN, seed=rng.integers(0, 2**31, 2))
    text = txtutils.decode_to_text(codes)
    print("generated sample:\n" + "-" * 60 + "\n" + text + "\n" + "-" * 60)
    return text


def open_view(args, corpus, model_size, checkpoint_dir, first_step, end_step):
    """The live view (rnn_dashboard.py), or None with --no-visu: a window, a notebook cell, else a PNG."""
    if args.no_visu:
        return None
    import rnn_dashboard
    layers = f"{model_size['layers']} GRU layer" + ("s" if model_size["layers"] > 1 else "")
    title = (f"rnn_train.py: {layers} of {model_size['internal_size']} units, "
             f"{len(corpus.train):,} characters of text, batches of {args.batch_size} x {args.seqlen}")

    def books_of(step):  # the works the first sequences of mini-batch `step` (counted from 1) read
        positions = txtutils.minibatch_positions(len(corpus.train), args.batch_size, args.seqlen, step - 1)
        return [corpus.book_at(p) for p in positions[:rnn_dashboard.ROWS]]

    earlier = rnn_checkpoints.milestones(checkpoint_dir, fall_back=False) if first_step else ()
    view = rnn_dashboard.TrainingView(title, first_step, end_step, live=not args.save_png,
                                      png=args.save_png or os.path.join(checkpoint_dir, VIEW_PNG),
                                      books_of=books_of, earlier=earlier)
    if view.where == "file" and not args.save_png:
        print(f"No display: the live view goes to {view.png}, rewritten at the reports (every "
              f"{rnn_dashboard.PNG_INTERVAL:.0f} s at most) and at the end")
    return view


def close_view(view, args, training_seconds):
    """The view's final picture, and a line on what drawing it cost; a PNG that cannot be written is one line."""
    if view is None:
        return
    line = view.summary(training_seconds)
    if line:
        print(line)
    for path, error in view.finish(wait=not args.exit_at_end).items():
        print(f"training view saved: {path}" if error is None else f"the training view could not be saved to "
              f"{path} ({error})", flush=True)


def train(args):
    # everything that can be wrong with the folders is checked first, not after hours of training
    if args.resume and not rnn_checkpoints.find(args.checkpoint_dir):  # before anything is created
        raise UsageError(f"--resume: no checkpoint in {args.checkpoint_dir} (train without --resume first)")
    rnn_checkpoints.refuse_model_folder(args.checkpoint_dir, "--checkpoint-dir")  # the shipped model, an export
    if not args.resume:  # a batch too big for memory: refused before any folder is made
        check_memory(args, {"internal_size": args.internal_size or INTERNALSIZE, "layers": args.layers or NLAYERS})
    checkpoint_dir = check_output_dir(args.checkpoint_dir, "--checkpoint-dir")
    if args.save_png:
        args.save_png = check_output_file(args.save_png, "--save-png")
    with rnn_checkpoints.lock(checkpoint_dir):  # one run at a time in a checkpoint folder
        train_in(args, checkpoint_dir)


def train_in(args, checkpoint_dir):
    resume_from, model_size = resume_or_refuse(args)
    log_dir = check_output_dir(args.log_dir, "--log-dir")
    corpus, steps_per_epoch = load_corpus(args)

    tf.set_random_seed(args.seed)
    bfloat16, why = precision(args)
    print(f"precision: {why}")
    model = Model(learning_rate=args.learning_rate, bfloat16=bfloat16, **model_size)
    saver = rnn_checkpoints.saver()                                       # everything, to resume
    weights_saver = rnn_checkpoints.saver(var_list=model.model_variables())  # the weights, for milestones
    run_name = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    train_writer = tf.summary.FileWriter(os.path.join(log_dir, run_name + "-training"))
    validation_writer = tf.summary.FileWriter(os.path.join(log_dir, run_name + "-validation"))
    view = None
    try:
        with graphmode.session() as sess, StopOnCtrlC("saving a checkpoint, then stopping") as stop:
            step, state = start_or_resume(sess, model, saver, resume_from, checkpoint_dir, model_size,
                                          args.batch_size, args.seqlen)
            first_step = step
            end_step = steps_per_epoch * args.epochs
            if args.steps:
                end_step = min(end_step, step + args.steps)
            if step >= end_step:
                print(f"nothing to do: step {step} already reached the end of {args.epochs} epochs")
                return
            print(f"training steps {step} to {end_step} on {graphmode.devices()}")
            view = open_view(args, corpus, model_size, checkpoint_dir, first_step, end_step)
            # what a training step computes: the view also gets the network's guesses and each sequence's loss,
            # computed on the way to the loss anyway
            fetches = [model.train_step, model.batch_loss, model.accuracy, model.H]
            if view is not None:
                fetches += [model.Y, model.seq_loss]
            run = view.responsive if view is not None else (lambda work: work())  # a window answers meanwhile
            rng = np.random.default_rng(args.seed)
            chars_per_step = args.batch_size * args.seqlen
            speed = txtutils.Speed(chars_per_step)
            progress = txtutils.Progress(min(args.report_every, end_step - step), "training ")
            for x, y_, epoch in txtutils.rnn_minibatch_sequencer(corpus.train, args.batch_size, args.seqlen,
                                                                 args.epochs, start_step=step):
                # train on one batch: the RNN state it ends in is where the next batch starts
                state_in = state
                feed = {model.X: x, model.Y_: y_, model.Hin: state_in, model.pkeep: args.pkeep}
                _, loss, accuracy, state, *guesses = run(lambda: sess.run(fetches, feed))
                step += 1
                speed.step()
                progress.step(extra=f"loss {loss:.3f}")
                if step % SCALARS_EVERY == 0:
                    write_scalars(train_writer, step, batch_loss=loss, batch_accuracy=accuracy)
                if view is not None:
                    view.training_step(step, epoch, loss, accuracy, y_, *guesses)
                last = step >= end_step or stop.requested

                # every --report-every steps: the mini-batch, the validation figures, a sample
                validation, reported = None, False
                if not stop.requested and (step % args.report_every == 0 or last):
                    reported = True
                    training_speed = speed.since_last_report()  # measured before the report's own work
                    validation, sample = run(lambda: report(sess, model, corpus, args, (x, y_, state_in), epoch,
                                                            step, validation_writer, rng))
                    print(training_speed, flush=True)
                    if view is not None:
                        view.sampled(step, sample)
                    progress = txtutils.Progress(min(args.report_every, max(1, end_step - step)), "training ")

                # at milestone steps (25, 50, 100... 800, then every 1,000) and at the end of the last epoch:
                # the weights, for --replay
                if not stop.requested and (rnn_checkpoints.is_milestone(step) or step == steps_per_epoch * args.epochs):
                    reported = True
                    if validation is None:
                        validation = run(lambda: validate(sess, model, corpus.validation, args.batch_size,
                                                          args.seqlen))
                    rnn_checkpoints.save_milestone(sess, weights_saver, checkpoint_dir, step, step / steps_per_epoch,
                                                   validation_loss=round(validation[0], 4) if validation else None)

                # every --checkpoint-every steps, at the end, and on Ctrl-C: a checkpoint
                if step % args.checkpoint_every == 0 or last:
                    rnn_checkpoints.save(sess, saver, checkpoint_dir, step, state)
                if view is not None:
                    if validation:
                        view.validated(step, *validation[:2])
                    line = view.report() if step % args.report_every == 0 else None
                    if line:
                        print(line, flush=True)
                    view.update()
                if last:
                    break
                if reported:
                    speed.restart()  # a report's or a milestone's work is not training time
            if stop.requested:
                print(f"stopped by {stop.signal_name} at step {step}: continue with --resume", flush=True)
            print(f"trained {step - first_step} steps ({(step - first_step) * chars_per_step:,} characters) "
                  f"in {speed.total_seconds():.1f} s")
            close_view(view, args, speed.total_seconds())
            view = None
    finally:
        if view is not None:  # an error or a second Ctrl-C: the window closes with the program
            view.live.abort()
        train_writer.close()
        validation_writer.close()


def report(sess, model, corpus, args, batch, epoch, step, writer, rng):
    """The talk's console report: the mini-batch just trained on, the validation figures, a sample.
    Returns (validation or None, the sample's text)."""
    show_minibatch(sess, model, corpus, args, batch, epoch, step)
    validation = show_validation(sess, model, corpus, args, writer, step)
    return validation, show_sample(sess, model, rng)


def main(argv=None):
    args = parse_args(argv)
    txtutils.replace_unencodable_output(sys.stdout)  # e.g. generated text on a cp1252 or ASCII terminal
    tf.reset_default_graph()  # a fresh graph, also when a notebook runs the script again (%run)
    try:
        train(args)
    except txtutils.TextError as e:
        raise UsageError(str(e)) from None


if __name__ == "__main__":
    run_main(main)
