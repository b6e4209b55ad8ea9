"""Generate Shakespeare (or whatever the model learned) from a checkpoint saved by rnn_train.py.

    python rnn_play.py                                   latest checkpoint in checkpoints/, endless (Ctrl-C stops)
    python rnn_play.py --length 2000 --prime "ROMEO:"    2,000 characters after a priming text
    python rnn_play.py --checkpoint checkpoints/rnn_train-5000 --topn 2 --seed 7
    python rnn_play.py --replay                          the milestones of the training, one after the other

--replay is the talk's demonstration: the weights saved at milestone steps during training (25, 50,
100, ... 800, then every 1,000 steps) play in step order, each from the same --seed and --prime, so
that the text reads top to bottom from gibberish, to words, to the shape of a play.

Each character is drawn among the --topn most likely next characters, with their probabilities;
--topn 1 always takes the most likely one (and soon loops); the talk's code uses 2 for a trained model.
The characters are generated in chunks inside the TensorFlow graph, so the text streams fast.
"""
import os
import shutil
import sys
import time

import numpy as np

import graphmode              # TensorFlow in graph mode, imported first and quietly
from cli import UsageError, parser_from_docstring, positive_int, run_main
import rnn_checkpoints        # the checkpoint folder: what is saved, found, restored
import rnn_train              # the model: Model(internal_size, layers)
import txtutils

CHUNK = 200  # characters generated per sess.run
REPLAY_LENGTH = 400  # characters per milestone with --replay
DEFAULT_PRIME = "\n"


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--checkpoint", type=os.path.expanduser, default=rnn_train.DEFAULT_CHECKPOINT_DIR,
                        metavar="PATH", help="a checkpoint folder (its newest complete checkpoint) or one checkpoint, "
                             "e.g. checkpoints/rnn_train-5000 (default: checkpoints/)")
    parser.add_argument("--prime", default=DEFAULT_PRIME, metavar="TEXT", help="text to start from (default: a line feed)")
    parser.add_argument("--topn", type=positive_int, default=rnn_train.SAMPLE_TOPN,
                        help="sample among the N most likely characters (default: %(default)s)")
    parser.add_argument("--length", type=positive_int, default=None, metavar="N",
                        help="characters to generate (default: endless, until Ctrl-C)")
    parser.add_argument("--seed", type=int, default=None, help="random seed, for a reproducible text")
    parser.add_argument("--width", type=positive_int, default=None, help="wrap lines longer than this "
                        "(default: the terminal's width)")
    parser.add_argument("--replay", action="store_true", help="play the milestones of a checkpoint folder in "
                        f"step order, {REPLAY_LENGTH} characters each unless --length says otherwise")
    graphmode.add_verbose_flag(parser)
    args = parser.parse_args(argv)
    if args.replay and not os.path.isdir(args.checkpoint):
        parser.error(f"--replay: --checkpoint {args.checkpoint} must be a checkpoint folder")
    if args.topn > txtutils.ALPHASIZE:
        parser.error(f"--topn {args.topn}: there are only {txtutils.ALPHASIZE} characters")
    if not args.prime:
        parser.error("--prime: give at least one character")
    return args


class Wrapper:
    """Writes text to a stream, breaking lines longer than width (at a space when it can)."""

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


def load_model(folder):
    """The model of the folder's hparams.json, and a saver of its weights only (not Adam's state)."""
    model_size = rnn_checkpoints.load_model_size(folder)  # the arguments Model(...) takes
    model = rnn_train.Model(**model_size)
    return model, model_size, rnn_checkpoints.saver(var_list=model.model_variables())


def terminal(args):
    return Wrapper(sys.stdout, args.width or max(40, shutil.get_terminal_size((100, 24)).columns))


def write_text(sess, model, out, args, rng, length):
    """Write the --prime, then `length` generated characters (endless when None), CHUNK at a time;
    yields how many have been generated so far, after each chunk."""
    code, state = model.prime(sess, txtutils.encode_text(args.prime))
    out.write(args.prime)
    produced = 0
    while length is None or produced < length:
        count = CHUNK if length is None else min(CHUNK, length - produced)
        codes, code, state = model.generate(sess, code, state, count, args.topn, rng.integers(0, 2**31, 2))
        out.write(txtutils.decode_to_text(codes))
        produced += count
        yield produced


def play(args):
    checkpoint, folder = rnn_checkpoints.for_playing(args.checkpoint)
    model, model_size, saver = load_model(folder)
    out = terminal(args)
    with graphmode.session() as sess:
        rnn_checkpoints.restore(sess, saver, checkpoint, model_size)
        print(f"[{checkpoint}: {model_size['layers']} layers of {model_size['internal_size']} units]",
              file=sys.stderr, flush=True)
        started, produced = time.perf_counter(), 0
        try:
            for produced in write_text(sess, model, out, args, np.random.default_rng(args.seed), args.length):
                pass
        except KeyboardInterrupt:
            pass  # Ctrl-C ends an endless text: not an error
        # Written out here, not at exit, so that a reader gone meanwhile (| head, | less) raises
        # BrokenPipeError inside main(), where run_main() ends quietly.
        sys.stdout.flush()
        seconds = time.perf_counter() - started
        print(f"\n\n[{produced:,} characters in {seconds:.2f} s: {produced / max(seconds, 1e-9):,.0f} chars/s]",
              file=sys.stderr)


def milestone_header(milestone):
    """==== step 400, epoch 0.46, validation loss 1.992 ==== (what is known of it)."""
    known = ""
    if milestone["epoch"] is not None:
        loss = milestone["validation_loss"]
        known = f", epoch {milestone['epoch']:.2f}, validation loss {'unknown' if loss is None else f'{loss:.3f}'}"
    return f"\n==== step {milestone['step']:,}{known} ====\n"


def replay(args):
    """The folder's milestones in step order: a header, then a sample from the same seed and prime."""
    milestones = rnn_checkpoints.milestones(args.checkpoint)
    if not milestones:
        raise UsageError(f"no checkpoint in {args.checkpoint}: train one with rnn_train.py")
    if milestones[0]["epoch"] is None:
        print(f"[{args.checkpoint} has no milestones (trained before rnn_train.py saved them): replaying its "
              f"{len(milestones)} checkpoints instead]", file=sys.stderr, flush=True)
    model, model_size, saver = load_model(args.checkpoint)
    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(0, 2**31))
    out = terminal(args)
    with graphmode.session() as sess:
        for milestone in milestones:
            rnn_checkpoints.restore(sess, saver, milestone["prefix"], model_size)
            out.write(milestone_header(milestone))
            # the same draws for every milestone: only the weights differ
            for _ in write_text(sess, model, out, args, np.random.default_rng(seed), args.length or REPLAY_LENGTH):
                pass
            out.write("\n")
    sys.stdout.flush()


def main(argv=None):
    args = parse_args(argv)
    txtutils.replace_unencodable_output(sys.stdout)  # e.g. an accented --prime on a cp1252 or ASCII terminal
    if args.replay:
        replay(args)
    else:
        play(args)


if __name__ == "__main__":
    run_main(main)
