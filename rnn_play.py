"""Generate Shakespeare (or whatever the model learned) from a model trained by rnn_train.py.

    python rnn_play.py                                   your newest checkpoint in checkpoints/, else the
                                                         trained model shipped in models/shakespeare/;
                                                         endless (Ctrl-C stops)
    python rnn_play.py --length 2000 --prime "ROMEO:"    2,000 characters after a priming text
    python rnn_play.py --checkpoint checkpoints/rnn_train-5000 --topn 2 --seed 7
    python rnn_play.py --replay                          the milestones of the training, one after the other
    python rnn_play.py --score FILE                      the model's loss on a text: nats and bits per character
    python rnn_play.py --score 'data/shakespeare/*.txt' --held-out    ...on the text rnn_train held out
    python rnn_play.py --checkpoint checkpoints --export models/mine  a compact copy (float16) to play and score

--replay is the talk's demonstration: the weights saved at milestone steps during training (25, 50,
100, ... 800, then every 1,000 steps, and the end of the last epoch) play in step order, each from the
same --seed and --prime, so that the text reads top to bottom from gibberish, to words, to the shape of
a play. As in the talk's
code, the milestones along the way draw among the 10 most likely characters (--replay-topn), the last,
trained one among 2 (--topn): with 2, an early network only ever writes its favourite letters.

Each character is drawn among the --topn most likely next characters, with their probabilities;
--topn 1 always takes the most likely one (and soon loops); the talk's code uses 2 for a trained model.
The characters are generated in chunks inside the TensorFlow graph, so the text streams fast.

--score reads a text the way rnn_train.py validates (batches of 200 sequences of 30 characters, the
state carried from batch to batch; --batch-size and --seqlen as in training) and prints the loss: the
average of -ln(probability of the right next character), in nats per character, and in bits (nats /
ln 2). Lower is better; a model that knew nothing would score ln(98) = 4.585 nats.
"""

import contextlib
import math
import os
import shutil
import sys
import time

import numpy as np

import graphmode  # TensorFlow in graph mode, started first thing in main(), quietly
from cli import UsageError, check_output_dir, parser_from_docstring, positive_int, run_main, seed, user_path
import rnn_checkpoints  # the checkpoint folder: what is saved, found, restored
import rnn_hparams  # the model's size (hparams.json), checked
import rnn_model  # the model: Model(internal_size, layers), validate()
import rnn_model_folder  # a model folder: the compact copy --export writes (models/shakespeare/ is one)
import shakespeare_data  # --score's text, read as rnn_train.py reads its corpus
import txtutils

CHUNK = 200  # characters generated per sess.run
LONG_PRIME = 10_000  # a --prime longer than this shows its progress
REPLAY_LENGTH = 400  # characters per milestone with --replay
REPLAY_TOPN = 10  # the milestones along the way draw among more characters (the talk's code: 10)
DEFAULT_PRIME = "\n"
SHIPPED_MODEL = rnn_model_folder.SHIPPED_MODEL  # models/shakespeare/ beside the scripts


def add_generation_flags(parser):
    """Which model plays, and how: its start, its choices among the likeliest characters, its length."""
    parser.add_argument(
        "--checkpoint",
        type=user_path,
        default=None,
        metavar="PATH",
        help="a checkpoint folder (its newest complete checkpoint), one checkpoint "
        "(e.g. checkpoints/rnn_train-5000), or a model folder (e.g. models/shakespeare) "
        "(default: checkpoints/ when it holds a checkpoint, else models/shakespeare/)",
    )
    parser.add_argument(
        "--prime", default=DEFAULT_PRIME, metavar="TEXT", help="text to start from (default: a line feed)"
    )
    parser.add_argument(
        "--topn",
        type=positive_int,
        default=rnn_model.SAMPLE_TOPN,
        help="sample among the N most likely characters (default: %(default)s)",
    )
    parser.add_argument(
        "--length",
        type=positive_int,
        default=None,
        metavar="N",
        help="characters to generate (default: endless, until Ctrl-C)",
    )
    parser.add_argument("--seed", type=seed, default=None, help="random seed, for a reproducible text")
    parser.add_argument(
        "--width", type=positive_int, default=None, help="wrap lines longer than this (default: the terminal's width)"
    )
    parser.add_argument(
        "--no-xla",
        action="store_true",
        help="generate op by op, not with the loop XLA compiles "
        "(2.5x slower here; the same model, other random draws: the same --seed writes another text)",
    )


def add_mode_flags(parser):
    """What else to do instead of playing: replay the milestones, score a text, or export the model."""
    parser.add_argument(
        "--replay",
        action="store_true",
        help="play the milestones of a checkpoint folder in "
        f"step order, {REPLAY_LENGTH} characters each unless --length says otherwise",
    )
    parser.add_argument(
        "--replay-topn",
        type=positive_int,
        default=REPLAY_TOPN,
        metavar="N",
        help="with --replay: the milestones before the last draw among N characters "
        "(default: %(default)s; the last one uses --topn)",
    )
    parser.add_argument(
        "--score",
        metavar="FILE",
        default=None,
        help="print the model's loss on a text file (or a quoted glob, or a folder) and stop",
    )
    parser.add_argument(
        "--seqlen",
        type=positive_int,
        default=rnn_hparams.SEQLEN,
        help="with --score: sequence length, as in training (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=rnn_hparams.BATCHSIZE,
        help="with --score: sequences per batch, as in training (default: %(default)s)",
    )
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="with --score: only the text rnn_train.py holds out of these files for validation",
    )
    parser.add_argument(
        "--export",
        metavar="DIR",
        type=user_path,
        default=None,
        help="write the model's weights in float16, with its hparams.json, into DIR (a model "
        "folder that --checkpoint plays and scores), and stop",
    )


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    add_generation_flags(parser)
    add_mode_flags(parser)
    graphmode.add_verbose_flag(parser)
    args = parser.parse_args(argv)
    if sum(map(bool, (args.replay, args.score, args.export))) > 1:
        parser.error("--replay, --score and --export: one at a time")
    if args.held_out and not args.score:
        parser.error("--held-out goes with --score FILE")
    if args.replay and args.checkpoint is not None and not os.path.isdir(args.checkpoint):
        parser.error(f"--replay: --checkpoint {args.checkpoint} must be a checkpoint folder")
    for flag, topn in (("--topn", args.topn), ("--replay-topn", args.replay_topn)):
        if topn > txtutils.ALPHASIZE:
            parser.error(f"{flag} {topn}: there are only {txtutils.ALPHASIZE} characters")
    if not args.prime:
        parser.error("--prime: give at least one character")
    return args


class LineWrappingWriter:
    """Writes text to a stream, breaking lines longer than width."""

    def __init__(self, stream, width):
        self.stream, self.width, self.column = stream, width, 0

    def write(self, text):
        out = []
        for char in text:
            if char == "\n":
                self.column = 0
            elif self.column >= self.width:
                out.append("\n")
                self.column = 0
            out.append(char)
            if char != "\n":
                self.column += 8 - self.column % 8 if char == "\t" else 1
        self.stream.write("".join(out))
        self.stream.flush()


def load_model(folder, checkpoint, hparams=None, compiled_generator=True):
    """The model of the folder's hparams.json (or of hparams, already read from it), its hparams, and a saver of
    its weights only (not Adam's state). hparams.json is checked against the checkpoint's weights first: no graph
    of a size the weights do not have is ever built."""
    hparams = hparams or rnn_hparams.load(folder)
    rnn_checkpoints.check_weights(folder, checkpoint, hparams)
    model = rnn_model.Model(**hparams.model_size(), compiled_generator=compiled_generator)
    return model, hparams, rnn_checkpoints.saver(var_list=model.model_variables())


@contextlib.contextmanager
def restored_model(checkpoint, folder, hparams=None, compiled_generator=True, announce=True):
    """(session, model, hparams): the model of a checkpoint or a model folder's weights (rnn_checkpoints.find_weights),
    built, its weights restored in a new session; described on stderr in a line, unless announce is False."""
    model, hparams, saver = load_model(folder, checkpoint, hparams, compiled_generator)
    with graphmode.session() as sess:
        rnn_checkpoints.restore(sess, saver, checkpoint, hparams)
        if announce:
            print(describe(checkpoint, folder, hparams), file=sys.stderr, flush=True)
        yield sess, model, hparams


def terminal(args):
    return LineWrappingWriter(sys.stdout, args.width or max(40, shutil.get_terminal_size((100, 24)).columns))


def priming_progress(done, total):
    sys.stderr.write(f"\r[reading the prime: {done:,} of {total:,} characters]" + ("\n" if done == total else ""))
    sys.stderr.flush()


def write_text(sess, model, out, args, rng, length, topn=None):
    """Write the --prime, then `length` generated characters (endless when None), CHUNK at a time, each
    drawn among the topn (default: --topn) most likely; yields how many have been generated so far (0 once the
    prime is read: a long one takes a while, with its progress on stderr)."""
    topn = topn or args.topn
    codes = txtutils.encode_text(args.prime)
    code, state = model.prime(sess, codes, progress=priming_progress if len(codes) > LONG_PRIME else None)
    out.write(args.prime)
    produced = 0
    yield produced
    while length is None or produced < length:
        count = CHUNK if length is None else min(CHUNK, length - produced)
        codes, code, state = model.generate(sess, code, state, count, topn, rng.integers(0, 2**31, 2))
        out.write(txtutils.decode_to_text(codes))
        produced += count
        yield produced


def model_to_play(args):
    """--checkpoint, else checkpoints/ when it holds a checkpoint of the user's, else the shipped model."""
    if args.checkpoint is not None:
        return args.checkpoint
    own = rnn_checkpoints.DEFAULT_FOLDER
    if os.path.isdir(own) and rnn_checkpoints.find(own):
        return own
    if rnn_model_folder.is_model_folder(SHIPPED_MODEL):
        return SHIPPED_MODEL
    raise UsageError(
        f"no checkpoint in {own} and no model in {SHIPPED_MODEL}: train one with rnn_train.py, "
        "or pass --checkpoint PATH"
    )


def generation_path(args):
    if args.no_xla:
        return "[generating op by op (--no-xla)]"
    return "[generating with the loop XLA compiles (a second to compile; --no-xla: op by op)]"


def describe(checkpoint, folder, hparams):
    """[models/shakespeare: 3 layers of 512 units, trained 8,650 steps (10.0 epochs), validation loss 1.39]"""
    what = f"{hparams.layers} layers of {hparams.internal_size} units"
    training = rnn_model_folder.training_record(folder)
    if training:
        what += (
            f", trained {training['steps']:,} steps ({training['epochs']:.1f} epochs), validation loss "
            f"{training['validation_loss']:.3f} nats per character"
        )
    shown = folder if checkpoint.endswith(rnn_model_folder.WEIGHTS_FILE) else checkpoint
    return f"[{shown}: {what}]"


def play(args):
    checkpoint, folder = rnn_checkpoints.find_weights(model_to_play(args))
    out = terminal(args)
    with restored_model(checkpoint, folder, compiled_generator=not args.no_xla) as (sess, model, _):
        print(generation_path(args), file=sys.stderr, flush=True)
        started, produced = time.perf_counter(), 0
        try:
            for produced in write_text(sess, model, out, args, np.random.default_rng(args.seed), args.length):
                if produced == 0:
                    started = time.perf_counter()  # the speed of generation, the prime's reading left out
        except KeyboardInterrupt:
            pass  # Ctrl-C ends an endless text: not an error
        # Written out here, not at exit, so that a reader gone meanwhile (| head, | less) raises
        # BrokenPipeError inside main(), where run_main() ends quietly.
        sys.stdout.flush()
        seconds = time.perf_counter() - started
        print(
            f"\n\n[{produced:,} characters in {seconds:.2f} s: {produced / max(seconds, 1e-9):,.0f} chars/s]",
            file=sys.stderr,
        )


def milestone_header(milestone, topn):
    """==== step 400, epoch 0.46, validation loss 1.992, drawn among 10 ==== (what is known of it)."""
    known = ""
    if milestone["epoch"] is not None:
        loss = milestone["validation_loss"]
        known = f", epoch {milestone['epoch']:.2f}, validation loss {'unknown' if loss is None else f'{loss:.3f}'}"
    return f"\n==== step {milestone['step']:,}{known}, drawn among {topn} ====\n"


def replay(args):
    """The folder's milestones in step order: a header, then a sample from the same seed and prime; the
    last milestone drawn among --topn characters, the ones before among --replay-topn."""
    folder = args.checkpoint or rnn_checkpoints.DEFAULT_FOLDER
    if not os.path.isdir(folder):
        raise UsageError(
            f"--replay: no checkpoint folder {folder}: train with rnn_train.py first (the shipped "
            "model's own replay is in docs/rnn_replay.txt)"
        )
    milestones = rnn_checkpoints.milestones(folder)
    if not milestones:
        raise UsageError(f"no checkpoint in {folder}: train one with rnn_train.py")
    if milestones[0]["epoch"] is None:
        print(
            f"[{folder} has no milestones (trained before rnn_train.py saved them): replaying its "
            f"{len(milestones)} checkpoints instead]",
            file=sys.stderr,
            flush=True,
        )
    model, hparams, saver = load_model(folder, milestones[-1]["prefix"], compiled_generator=not args.no_xla)
    draws = args.seed if args.seed is not None else int(np.random.default_rng().integers(0, 2**31))
    out = terminal(args)
    with graphmode.session() as sess:
        for milestone in milestones:
            topn = args.topn if milestone is milestones[-1] else args.replay_topn
            rnn_checkpoints.restore(sess, saver, milestone["prefix"], hparams)
            out.write(milestone_header(milestone, topn))
            # the same draws for every milestone: only the weights differ
            for _ in write_text(
                sess, model, out, args, np.random.default_rng(draws), args.length or REPLAY_LENGTH, topn
            ):
                pass
            out.write("\n")
    sys.stdout.flush()


def score(args):
    """The model's loss on --score's text, as rnn_train.py measures its validation loss."""
    checkpoint, folder = rnn_checkpoints.find_weights(model_to_play(args))
    try:
        corpus = shakespeare_data.read_corpus(args.score, validation=args.held_out, flag="--score")
    except txtutils.TextError as e:
        raise UsageError(str(e)) from None
    text, what = (corpus.validation, corpus.held_out) if args.held_out else (corpus.train, args.score)
    if args.held_out and len(text) == 0:
        raise UsageError(f"--held-out: nothing is held out of --score {args.score} ({corpus.held_out})")
    batch_size = min(args.batch_size, max(1, (len(text) - 1) // args.seqlen))  # as rnn_model.validate() reads it
    hparams = rnn_hparams.load(folder)
    rnn_hparams.check_batch_memory(
        batch_size * args.seqlen,
        hparams.internal_size,
        hparams.layers,
        flags=f"--batch-size {args.batch_size} x --seqlen {args.seqlen}",
    )
    with restored_model(checkpoint, folder, hparams) as (sess, model, _):
        result = rnn_model.validate(sess, model, text, args.batch_size, args.seqlen)
    if result is None:
        raise UsageError(
            f"--score {args.score}: the text ({len(text):,} characters) is shorter than one sequence "
            f"of --seqlen {args.seqlen} characters"
        )
    loss, accuracy, scored = result
    print(
        f"{what}: loss {loss:.4f} nats per character ({loss / math.log(2):.3f} bits), next character right "
        f"{accuracy:.1%} of the time, over {scored:,} characters"
    )
    return loss


def check_export_folder(path):
    """--export writes a model folder: never into the shipped model, a checkpoint folder (its hparams.json would
    be replaced: the run could no longer be resumed, and play would take the export for its checkpoints), nor a
    folder holding anything else. An earlier export of one's own may be replaced."""
    rnn_model_folder.refuse_shipped_model(
        path, "--export", "export into a folder of your own, e.g. --export models/mine"
    )
    if not os.path.isdir(path):
        return
    if rnn_checkpoints.holds_a_checkpoint_run(path):
        raise UsageError(
            f"--export {path} is a checkpoint folder: exporting into it would replace its run's "
            f"{rnn_hparams.HPARAMS_FILE}; export into a new folder, e.g. --export models/mine"
        )
    if os.listdir(path) and not rnn_model_folder.is_model_folder(path):
        raise UsageError(
            f"--export {path} is a folder that holds other files: export into a new or empty "
            "folder, e.g. --export models/mine"
        )


def export(args):
    """A compact copy of a checkpoint: its weights in float16, its hparams.json, and what is known of its
    training (training.json: the step, the epochs, the milestones' validation curve)."""
    checkpoint, folder = rnn_checkpoints.find_weights(args.checkpoint or rnn_checkpoints.DEFAULT_FOLDER)
    if checkpoint.endswith(rnn_model_folder.WEIGHTS_FILE):
        raise UsageError(f"--export: {folder} is already a model folder; pass a checkpoint or a checkpoint folder")
    check_export_folder(args.export)
    destination = check_output_dir(args.export, "--export")
    with restored_model(checkpoint, folder, announce=False) as (sess, model, hparams):
        training = rnn_checkpoints.describe_training(folder, checkpoint)
        path = rnn_model_folder.write_weights(sess, model.model_variables(), destination)
    rnn_hparams.save(destination, hparams.model_only())
    rnn_model_folder.save_training_record(destination, training)
    print(f"exported {checkpoint} to {path} ({os.path.getsize(path) / 1e6:.1f} MB, float16)")


def main(argv=None):
    graphmode.start_tensorflow(argv)  # first: TensorFlow in graph mode, quietly (it takes seconds)
    args = parse_args(argv)
    txtutils.replace_unencodable_output(sys.stdout)  # e.g. an accented --prime on a cp1252 or ASCII terminal
    graphmode.tf.reset_default_graph()  # a fresh graph, also when a notebook runs the script again (%run)
    if args.replay:
        replay(args)
    elif args.score:
        score(args)
    elif args.export:
        export(args)
    else:
        play(args)


if __name__ == "__main__":
    run_main(main)
