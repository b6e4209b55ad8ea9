"""The RNN's training step in float32 against bfloat16 matrix products (rnn_train.py's default where the CPU
has bfloat16 instructions), side by side: interleaved rounds, each in a fresh process.

    python benchmarks/rnn_precision.py [--rounds 3] [--steps 12] [--internal-size 512] [--layers 3]

Each round times --steps training steps of rnn_model.Model (batches of 200 x 30 random characters, after
3 steps of warm-up) in float32, then in bfloat16 (the order alternates from round to round), and prints
characters/s for each and their ratio; at the end the medians. Random characters: the speed of a step does
not depend on the text.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import parser_from_docstring, positive_int, run_main  # noqa: E402

PATHS = ("float32", "bfloat16")


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--rounds", type=positive_int, default=3, help="rounds (default: 3)")
    parser.add_argument("--steps", type=positive_int, default=12, help="timed steps a run (default: 12)")
    parser.add_argument("--internal-size", type=positive_int, default=512, help="GRU units (default: 512)")
    parser.add_argument("--layers", type=positive_int, default=3, help="GRU layers (default: 3)")
    parser.add_argument("--one", choices=PATHS, help=argparse.SUPPRESS)  # one run, in this process (internal)
    return parser.parse_args(argv)


def time_steps(path, steps, internal_size, layers):
    """Characters/s of `steps` training steps in this process (after a warm-up)."""
    import numpy as np
    from graphmode import tf
    import rnn_model
    model = rnn_model.Model(internal_size=internal_size, layers=layers, bfloat16=path == "bfloat16")
    rng = np.random.default_rng(0)
    feed = {model.X: rng.integers(3, 98, (200, 30)), model.Y_: rng.integers(3, 98, (200, 30)),
            model.Hin: model.zero_state(200), model.pkeep: 0.8}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(model.train_step, feed)
        started = time.perf_counter()
        for _ in range(steps):
            sess.run([model.train_step, model.batch_loss], feed)
        return steps * 200 * 30 / (time.perf_counter() - started)


def main(argv=None):
    args = parse_args(argv)
    size = ["--steps", str(args.steps), "--internal-size", str(args.internal_size), "--layers", str(args.layers)]
    if args.one:
        print(f"{time_steps(args.one, args.steps, args.internal_size, args.layers):.0f}")
        return
    speeds = {path: [] for path in PATHS}
    for round_number in range(args.rounds):
        for path in PATHS if round_number % 2 == 0 else PATHS[::-1]:
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", path, *size],
                                    capture_output=True, text=True, check=True)
            speeds[path].append(float(result.stdout.strip().splitlines()[-1]))
        print(f"round {round_number + 1}: float32 {speeds['float32'][-1]:,.0f} chars/s, bfloat16 "
              f"{speeds['bfloat16'][-1]:,.0f} chars/s ({speeds['bfloat16'][-1] / speeds['float32'][-1]:.2f}x)",
              flush=True)
    medians = {path: statistics.median(values) for path, values in speeds.items()}
    print(f"median of {args.rounds} rounds, {args.layers} x {args.internal_size} GRU, batches of 200 x 30: float32 "
          f"{medians['float32']:,.0f} chars/s, bfloat16 {medians['bfloat16']:,.0f} chars/s "
          f"({medians['bfloat16'] / medians['float32']:.2f}x)")


if __name__ == "__main__":
    run_main(main)
