"""The RNN's training step in float32 against bfloat16 matrix products (rnn_train.py's default where the CPU
has bfloat16 instructions), side by side: interleaved rounds, each in a fresh process; and other levers.

    python benchmarks/rnn_precision.py [--rounds 3] [--steps 12] [--internal-size 512] [--layers 3]
    python benchmarks/rnn_precision.py --paths bfloat16 unrolled inter-op-1 xla      other levers, on bfloat16

Each round times --steps training steps of rnn_model.Model (batches of 200 x 30 random characters, after
3 steps of warm-up) on each path (the order alternates from round to round), and prints characters/s for
each and its ratio to the first; at the end the medians. Random characters: the speed of a step does not
depend on the text. The paths:
  float32      every product in float32 (rnn_train.py --float32)
  bfloat16     the products' inputs in bfloat16 (rnn_train.py's default on a CPU with bfloat16 instructions)
  unrolled     bfloat16, and the 30 time steps unrolled into the graph (a Python loop over the cell) instead
               of dynamic_rnn's while loop: measured here only, by replacing dynamic_rnn in this process
  inter-op-1   bfloat16, one inter-op thread (TensorFlow's default: one per core)
  xla          bfloat16, XLA compiling the graph's clusters (the session's global_jit_level, as --xla does)
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

PATHS = ("float32", "bfloat16", "unrolled", "inter-op-1", "xla")


def parse_args(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--rounds", type=positive_int, default=3, help="rounds (default: 3)")
    parser.add_argument("--steps", type=positive_int, default=12, help="timed steps a run (default: 12)")
    parser.add_argument("--internal-size", type=positive_int, default=512, help="GRU units (default: 512)")
    parser.add_argument("--layers", type=positive_int, default=3, help="GRU layers (default: 3)")
    parser.add_argument(
        "--paths",
        nargs="+",
        choices=PATHS,
        default=list(PATHS[:2]),
        metavar="PATH",
        help=f"some of {', '.join(PATHS)}; the first is the reference (default: float32 bfloat16)",
    )
    parser.add_argument("--one", choices=PATHS, help=argparse.SUPPRESS)  # one run, in this process (internal)
    return parser.parse_args(argv)


def time_steps(path, steps, internal_size, layers):
    """Characters/s of `steps` training steps in this process (after a warm-up)."""
    import numpy as np
    from graphmode import tf
    import rnn_model

    if path == "unrolled":

        def unrolled_rnn(cell, inputs, initial_state, scope):
            h, outputs = initial_state, []
            for x in tf.unstack(inputs, num=30, axis=1):  # [200, 3*512] per time step
                y, h = cell(x, h)
                outputs.append(y)
            return tf.stack(outputs, axis=1), h

        tf.nn.dynamic_rnn = unrolled_rnn
    model = rnn_model.Model(internal_size=internal_size, layers=layers, bfloat16=path != "float32")
    rng = np.random.default_rng(0)
    feed = {
        model.X: rng.integers(3, 98, (200, 30)),
        model.Y_: rng.integers(3, 98, (200, 30)),
        model.Hin: model.zero_state(200),
        model.pkeep: 0.8,
    }
    config = tf.ConfigProto()
    if path == "inter-op-1":
        config.inter_op_parallelism_threads = 1
    if path == "xla":
        config.graph_options.optimizer_options.global_jit_level = tf.OptimizerOptions.ON_1
    with tf.Session(config=config) as sess:
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
    paths = list(dict.fromkeys(args.paths))
    speeds = {path: [] for path in paths}
    for round_number in range(args.rounds):
        for path in paths if round_number % 2 == 0 else paths[::-1]:
            result = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--one", path, *size],
                capture_output=True,
                text=True,
                check=True,
            )
            speeds[path].append(float(result.stdout.strip().splitlines()[-1]))
        print(
            f"round {round_number + 1}: " + ", ".join(compared(path, speeds, paths[0], -1) for path in paths),
            flush=True,
        )
    medians = {path: [statistics.median(values)] for path, values in speeds.items()}
    print(
        f"median of {args.rounds} rounds, {args.layers} x {args.internal_size} GRU, batches of 200 x 30: "
        + ", ".join(compared(path, medians, paths[0], 0) for path in paths)
    )


def compared(path, speeds, reference, index):
    ratio = "" if path == reference else f" ({speeds[path][index] / speeds[reference][index]:.2f}x)"
    return f"{path} {speeds[path][index]:,.0f} chars/s{ratio}"


if __name__ == "__main__":
    run_main(main)
