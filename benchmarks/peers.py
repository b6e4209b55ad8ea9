"""The project against Keras 3 and PyTorch on the same machine, in the same run: training speed of lesson
3.1's convolutional network and of the Shakespeare model (3 stacked GRU layers of 512), and generation.

    python benchmarks/peers.py [--rounds 3] [--only conv gru generation] [--data-dir DIR] [--corpus GLOB]
    python benchmarks/peers.py --only gru generation --baseline 1f4fde0    ...and the project as it was then

Each workload runs in a fresh process per framework, round after round (project, Keras, PyTorch, then
again), so that the machine's noise hits all of them alike; warm-up is left out everywhere:
- conv: lesson 3.1 itself (`--no-visu`, its steps/s after the first 10 steps, measurements excluded),
  against the same network in Keras (`model.fit`, after a first fit that builds the training function) and
  in PyTorch (a plain training loop, after 10 steps): the same layers, shapes, batch of 100 real MNIST
  images, Adam, dropout 0.25 on the dense layer.
- gru: `rnn_train.py` (its chars/s between two reports, the first interval left out) against Keras
  `layers.GRU` and PyTorch `nn.GRU`: 3 layers of 512, 98 one-hot characters in, batches of 200 sequences of
  30, dropout 0.2 between layers, Adam, a softmax readout at every position.
- generation: `rnn_play.py` from the shipped model (models/shakespeare), characters/s as it prints them
  (its first chunk's warm-up, and XLA's compilation, included, spread over --generate characters; the
  project only).

--baseline REF runs the project's own scripts a second time, as they were at the git commit REF (a copy
taken with `git archive`), in the same rounds: the speed-up of the changes since, measured side by side.

Prints each measurement as it comes, then medians and the ratios project / peer. Needs the peers installed
(pip install -r requirements-bench.txt); a missing one is said and left out.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, parser_from_docstring, positive_int, run_main  # noqa: E402
from lessons_table import read_run_summary  # noqa: E402

LESSON = "mnist_3.1_convolutional_bigger_dropout.py"
WARMUP = 10  # training steps left out at the start (conv, and the peers' GRU)
BATCH = 100  # lesson 3.1's mini-batch
GRU_BATCH, SEQLEN, ALPHASIZE, UNITS, LAYERS = 200, 30, 98, 512, 3
WORKLOADS = ("conv", "gru", "generation")
PEERS = {"keras": "keras", "pytorch": "torch"}  # name: module to import


# ------------------------------------------------------------------------------------------------
# The peers, each run in a process of its own: `peers.py --worker NAME ...` prints one JSON line
# ------------------------------------------------------------------------------------------------


def mnist_batches(data_dir, count):
    """count training images [count, 28, 28, 1] and one-hot labels [count, 10], real MNIST."""
    import mnist_data

    mnist = mnist_data.read_data_sets(data_dir, one_hot=True, seed=0)
    return mnist.train.images[:count], mnist.train.labels[:count]


def keras_conv(steps, data_dir):
    import keras
    from keras import layers

    images, labels = mnist_batches(data_dir, (WARMUP + steps) * BATCH)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(6, 6, strides=1, padding="same", activation="relu"),
            layers.Conv2D(12, 5, strides=2, padding="same", activation="relu"),
            layers.Conv2D(24, 4, strides=2, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(200, activation="relu"),
            layers.Dropout(0.25),
            layers.Dense(10),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    warm = WARMUP * BATCH
    model.fit(images[:warm], labels[:warm], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    started = time.perf_counter()
    model.fit(images[warm:], labels[warm:], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return steps / (time.perf_counter() - started)


def torch_conv(steps, data_dir):
    import torch
    from torch import nn

    images, labels = mnist_batches(data_dir, (WARMUP + steps) * BATCH)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # PyTorch's layout: [N, 1, 28, 28]
    y = torch.from_numpy(labels.argmax(1))
    model = nn.Sequential(
        nn.Conv2d(1, 6, 6, stride=1, padding="same"),
        nn.ReLU(),
        nn.Conv2d(6, 12, 5, stride=2, padding=2),
        nn.ReLU(),  # 28 -> 14, as TensorFlow's SAME
        nn.Conv2d(12, 24, 4, stride=2, padding=1),
        nn.ReLU(),  # 14 -> 7
        nn.Flatten(),
        nn.Linear(7 * 7 * 24, 200),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.Linear(200, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    loss_function = nn.CrossEntropyLoss()

    def train(step):
        batch = slice(step * BATCH, (step + 1) * BATCH)
        optimizer.zero_grad()
        loss_function(model(x[batch]), y[batch]).backward()
        optimizer.step()

    for step in range(WARMUP):
        train(step)
    started = time.perf_counter()
    for step in range(WARMUP, WARMUP + steps):
        train(step)
    return steps / (time.perf_counter() - started)


def character_batches(count):
    """count batches of random characters, one-hot [count, 200, 30, 98], and their next characters."""
    import numpy as np

    rng = np.random.default_rng(0)
    codes = rng.integers(0, ALPHASIZE, (count, GRU_BATCH, SEQLEN + 1))
    one_hot = np.eye(ALPHASIZE, dtype=np.float32)[codes[..., :-1]]
    return one_hot, codes[..., 1:]


def keras_gru(steps, _data_dir):
    import keras
    from keras import layers

    x, y = character_batches(WARMUP + steps)
    model = keras.Sequential([keras.Input((SEQLEN, ALPHASIZE))])
    for _ in range(LAYERS):
        model.add(layers.GRU(UNITS, return_sequences=True))
        model.add(layers.Dropout(0.2))
    model.add(layers.Dense(ALPHASIZE))
    model.compile(
        optimizer=keras.optimizers.Adam(0.001), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    shape = lambda a: a.reshape(-1, *a.shape[2:])  # noqa: E731  [batches * 200, ...]
    model.fit(shape(x[:WARMUP]), shape(y[:WARMUP]), batch_size=GRU_BATCH, epochs=1, verbose=0, shuffle=False)
    started = time.perf_counter()
    model.fit(shape(x[WARMUP:]), shape(y[WARMUP:]), batch_size=GRU_BATCH, epochs=1, verbose=0, shuffle=False)
    return steps * GRU_BATCH * SEQLEN / (time.perf_counter() - started)


def torch_gru(steps, _data_dir):
    import torch
    from torch import nn

    x, y = character_batches(WARMUP + steps)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    gru = nn.GRU(ALPHASIZE, UNITS, num_layers=LAYERS, dropout=0.2, batch_first=True)
    readout = nn.Sequential(nn.Dropout(0.2), nn.Linear(UNITS, ALPHASIZE))
    optimizer = torch.optim.Adam(list(gru.parameters()) + list(readout.parameters()), lr=0.001)
    loss_function = nn.CrossEntropyLoss()
    state = torch.zeros(LAYERS, GRU_BATCH, UNITS)

    def train(step, state):  # the state flows from one batch to the next, as in rnn_train.py
        optimizer.zero_grad()
        outputs, state = gru(x[step], state)
        loss_function(readout(outputs).reshape(-1, ALPHASIZE), y[step].reshape(-1)).backward()
        optimizer.step()
        return state.detach()

    for step in range(WARMUP):
        state = train(step, state)
    started = time.perf_counter()
    for step in range(WARMUP, WARMUP + steps):
        state = train(step, state)
    return steps * GRU_BATCH * SEQLEN / (time.perf_counter() - started)


WORKERS = {"keras-conv": keras_conv, "pytorch-conv": torch_conv, "keras-gru": keras_gru, "pytorch-gru": torch_gru}


# ------------------------------------------------------------------------------------------------
# The project, run as a learner runs it
# ------------------------------------------------------------------------------------------------


def run(command, what, tree=PROJECT_DIR):
    """Run a Python command in the project's folder (or in tree); its stdout and stderr together."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")  # the peers import TensorFlow without the project's quieting
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=tree, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise UsageError(f"{what} failed: {last}")
    return result.stdout + result.stderr


def project_conv(steps, data_dir, work, tree=PROJECT_DIR, xla=False):
    never = str(10**9)  # the test set and training batch measured at the start and the end only
    flags = (
        ["--no-visu"]
        + (["--xla"] if xla else [])
        + ["--iterations", str(WARMUP + steps), "--test-every", never, "--train-every", never, "--runs-dir", work]
        + (["--data-dir", data_dir] if data_dir else [])
    )
    return read_run_summary(run([LESSON, *flags], "lesson 3.1", tree))["train_steps_per_second_after_warmup"]


def project_gru(steps, corpus, work, tree=PROJECT_DIR):
    """rnn_train.py's chars/s over its last report interval (the first one, with the warm-up, left out)."""
    half = max(1, steps // 2)
    flags = [
        "--steps",
        str(2 * half),
        "--report-every",
        str(half),
        "--checkpoint-every",
        str(10**9),
        "--checkpoint-dir",
        os.path.join(work, "checkpoints"),
        "--log-dir",
        os.path.join(work, "log"),
    ]
    shutil.rmtree(os.path.join(work, "checkpoints"), ignore_errors=True)
    output = run(["rnn_train.py", *flags] + (["--data", corpus] if corpus else []), "rnn_train.py", tree)
    speeds = re.findall(r"([\d,]+) chars/s \(", output)
    return float(speeds[-1].replace(",", ""))


def project_generation(length, tree=PROJECT_DIR):
    model = os.path.join(PROJECT_DIR, "models", "shakespeare")
    output = run(["rnn_play.py", "--checkpoint", model, "--length", str(length), "--seed", "0"], "rnn_play.py", tree)
    return float(re.findall(r"([\d,]+) chars/s\]", output)[-1].replace(",", ""))


def weight_reading_bound(seconds=3.0):
    """Characters/s if generating were nothing but its matrix-vector products: the shipped model's weight
    matrices (16 MB in float32), each multiplied by one vector per character, in NumPy (its BLAS, all cores).
    Each character has to read all of them: the memory-bound ceiling of generation on this machine."""
    import numpy as np

    n, alphabet = UNITS, ALPHASIZE
    shapes = [(n, 2 * n), (n, n)] + [(n, 3 * n), (n, 2 * n), (n, n)] * (LAYERS - 1) + [(n, alphabet)]
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    vector = rng.standard_normal((1, n)).astype(np.float32)
    characters, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for w in weights:
            vector @ w
        characters += 1
    return characters / (time.perf_counter() - started)


def peer(name, workload, steps, data_dir):
    output = run(
        [os.path.abspath(__file__), "--worker", f"{name}-{workload}", "--steps", str(steps)]
        + (["--data-dir", data_dir] if data_dir else []),
        f"{name} {workload}",
    )
    return json.loads(re.search(r"^\{.*\}$", output, re.MULTILINE).group(0))["per_second"]


def baseline_tree(ref, work):
    """The project's files as they were at the git commit ref, in work/baseline; the data given to both by path."""
    tree = os.path.join(work, "baseline")
    os.makedirs(tree)
    archive = subprocess.run(["git", "-C", PROJECT_DIR, "archive", ref], capture_output=True)
    if archive.returncode != 0:
        raise UsageError(f"--baseline {ref}: git archive failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
    return tree


def cpu_line():
    """The CPU's model and the vector instructions that matter here (AVX2, AVX-512, bfloat16, AMX)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return "CPU not known"
    model = re.search(r"^model name\s*:\s*(.*)$", info, re.MULTILINE)
    flags = set((re.search(r"^flags\s*:\s*(.*)$", info, re.MULTILINE) or re.search("()", "")).group(1).split())
    shown = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{model.group(1) if model else 'CPU'} ({', '.join(shown) or 'no AVX2'})"


def installed(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None  # without importing it (and TensorFlow with Keras)


def parse_args():
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--rounds", type=positive_int, default=3, metavar="N", help="rounds (default: %(default)s)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=WORKLOADS,
        default=list(WORKLOADS),
        metavar="WORKLOAD",
        help=f"some of {', '.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument(
        "--conv-steps",
        type=positive_int,
        default=300,
        metavar="N",
        help="training steps timed per conv run (default: %(default)s)",
    )
    parser.add_argument(
        "--gru-steps",
        type=positive_int,
        default=20,
        metavar="N",
        help="training steps timed per GRU run (default: %(default)s)",
    )
    parser.add_argument(
        "--generate",
        type=positive_int,
        default=20000,
        metavar="N",
        help="characters generated per run, the first chunk's warm-up included (default: %(default)s)",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="MNIST (default: the lessons' own default)")
    parser.add_argument("--corpus", metavar="GLOB", help="the text for rnn_train.py (default: its own default)")
    parser.add_argument("--lesson-xla", action="store_true", help="conv: also lesson 3.1 with --xla")
    parser.add_argument("--baseline", metavar="REF", help="also run the project as it was at this git commit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # the peers' own processes
    parser.add_argument("--steps", type=positive_int, help=argparse.SUPPRESS)
    return parser.parse_args()


def run_rounds(args, trees, peers, data_dir, corpus, work):
    """Every round times each workload asked for, the project's trees then the peers, one after the other
    (interleaved, so that a machine's slow spell is shared). Returns {(workload, unit): {who: [values]}}."""
    results = {}

    def record(workload, who, value, unit):
        results.setdefault((workload, unit), {}).setdefault(who, []).append(value)
        print(f"  {workload} {who}: {value:,.1f} {unit}", flush=True)

    for round_ in range(args.rounds):
        print(f"round {round_ + 1} of {args.rounds}", flush=True)
        if "conv" in args.only:
            for who, tree in trees.items():
                record("lesson 3.1 training", who, project_conv(args.conv_steps, data_dir, work, tree), "steps/s")
            if args.lesson_xla:
                record(
                    "lesson 3.1 training",
                    "project --xla",
                    project_conv(args.conv_steps, data_dir, work, xla=True),
                    "steps/s",
                )
            for name in peers:
                record("lesson 3.1 training", name, peer(name, "conv", args.conv_steps, data_dir), "steps/s")
        if "gru" in args.only:
            for who, tree in trees.items():
                record("3 x 512 GRU training", who, project_gru(args.gru_steps, corpus, work, tree), "chars/s")
            for name in peers:
                record("3 x 512 GRU training", name, peer(name, "gru", args.gru_steps, data_dir), "chars/s")
        if "generation" in args.only:
            for who, tree in trees.items():
                record("generation, rnn_play.py", who, project_generation(args.generate, tree), "chars/s")
            record("generation's weight reads alone (NumPy)", "project", weight_reading_bound(), "chars/s")
    return results


def print_table(results, leads, peers, rounds):
    """The medians over the rounds, in a Markdown table, with each lead's ratio to each peer."""
    print(f"\nmedians of {rounds} round(s), {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs: {cpu_line()}")
    names, pairs = leads + peers, [(lead, peer_) for lead in leads for peer_ in peers]
    print("| work | unit | " + " | ".join(names) + " | " + " | ".join(f"{a} / {b}" for a, b in pairs) + " |")
    print("|---|---|" + "---|" * (len(names) + len(pairs)))
    for (workload, unit), by_who in results.items():
        medians = {who: statistics.median(values) for who, values in by_who.items()}
        cells = [f"{medians[n]:,.0f}" if n in medians else "-" for n in names]
        ratios = [f"{medians[a] / medians[b]:.2f}x" if a in medians and b in medians else "-" for a, b in pairs]
        print(f"| {workload} | {unit} | " + " | ".join(cells + ratios) + " |")


def main():
    args = parse_args()
    if args.worker:
        print(json.dumps({"per_second": WORKERS[args.worker](args.steps, args.data_dir)}))
        return
    peers = [name for name, module in PEERS.items() if installed(module)]
    for name in PEERS:
        if name not in peers:
            print(f"{name} is not installed (pip install -r requirements-bench.txt): left out")
    # the data by absolute path: a --baseline copy has no data/ of its own
    data_dir = os.path.abspath(args.data_dir) if args.data_dir else os.path.join(PROJECT_DIR, "data", "mnist")
    shakespeare = os.path.join(PROJECT_DIR, "data", "shakespeare")
    corpus = args.corpus or (os.path.join(shakespeare, "*.txt") if os.path.isdir(shakespeare) else None)
    work = tempfile.mkdtemp(prefix="peers-")
    try:
        trees = {"project": PROJECT_DIR}
        if args.baseline:
            trees["baseline"] = baseline_tree(args.baseline, work)
        results = run_rounds(args, trees, peers, data_dir, corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # the baseline and lesson 3.1 with --xla, where measured, are compared with the peers like the project
    leads = ["project"] + (["project --xla"] if args.lesson_xla and "conv" in args.only else [])
    print_table(results, leads, list(trees)[1:] + peers, args.rounds)


if __name__ == "__main__":
    run_main(main)
