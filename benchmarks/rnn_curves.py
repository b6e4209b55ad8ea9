"""The RNN's learning curves, from rnn_train.py's TensorBoard logs: a table per epoch, and a picture.

    python benchmarks/rnn_curves.py --log-dir log --checkpoint-dir checkpoints [--save-png docs/rnn_curves.png]

Reads the training loss (every 10 steps) and the validation loss (at each report) of every run in
--log-dir (a --resume adds a run: they are joined by step), and the epoch length and the validation
losses of the milestones (25, 50, 100... steps) from the checkpoint folder. Prints, for each epoch, the
validation loss at the report nearest its end (nats and bits per character) and the mean training loss of
that epoch. With --save-png: both curves against epochs, the training loss averaged over each 100 steps;
with --json: the table. The epoch's length is found from the epochs recorded with the milestones (rounded:
a line says when they leave it uncertain); --data, the run's text, counts it as rnn_train.py does.
"""

import json
import math
import os
import sys

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import (  # noqa: E402
    UsageError,
    atomic_output,
    check_output_file,
    parser_from_docstring,
    run_main,
    user_path,
)
import rnn_checkpoints  # noqa: E402


def read_scalars(log_dir, kind):
    """{step: batch_loss} of every run of the log folder whose name ends in -kind (training, validation)."""
    from tensorboard.backend.event_processing import event_accumulator

    values = {}
    runs = sorted(name for name in os.listdir(log_dir) if name.endswith("-" + kind))
    for run in runs:
        accumulator = event_accumulator.EventAccumulator(
            os.path.join(log_dir, run), size_guidance={event_accumulator.SCALARS: 0}
        )
        accumulator.Reload()
        if "batch_loss" in accumulator.Tags()["scalars"]:
            values.update({event.step: event.value for event in accumulator.Scalars("batch_loss")})
    return dict(sorted(values.items()))


EPOCH_DECIMALS = 4  # rnn_train.py records a milestone's epoch as round(step / steps per epoch, 4)


def fitting_epoch_lengths(recorded):
    """(lowest, highest): the whole numbers of steps per epoch that give every milestone of `recorded` the epoch
    rnn_train.py recorded for it, or None when none does (a --resume on another text). The recorded epochs are
    rounded: an early milestone alone fits several (step 25 of a 904-step epoch: epoch 0.0277, which 901 to 904
    give), a later one narrows them down to one."""
    half = 0.5 * 10**-EPOCH_DECIMALS
    low, high = 1, math.inf
    for m in recorded:  # each milestone: a range of lengths, a little wide (checked exactly below)
        low = max(low, math.floor(m["step"] / (m["epoch"] + half)))
        if m["epoch"] > half:
            high = min(high, math.ceil(m["step"] / (m["epoch"] - half)))
    if high == math.inf:
        return None

    def fits(length):
        return all(round(m["step"] / length, EPOCH_DECIMALS) == m["epoch"] for m in recorded)

    while low <= high and not fits(low):
        low += 1
    while high >= low and not fits(high):
        high -= 1
    return (low, high) if low <= high else None


def steps_per_epoch(checkpoint_dir, data=None):
    """(steps per epoch, a note or None): the training steps of an epoch of rnn_train.py's run. With data
    (its --data): counted as rnn_train.py counts them, txtutils.batches_per_epoch() of its training text in the
    batch shape of the checkpoint folder; else found from the epochs recorded with the milestones, and a note
    when these leave it uncertain."""
    recorded = [
        m
        for m in rnn_checkpoints.milestones(checkpoint_dir, fall_back=False)
        if m["epoch"] is not None and math.isfinite(m["epoch"]) and m["epoch"] > 0
    ]
    fitting = fitting_epoch_lengths(recorded) if recorded else None
    if data is not None:
        import rnn_hparams
        import shakespeare_data
        import txtutils

        saved = rnn_hparams.load(checkpoint_dir)  # rnn_train.py's defaults where it does not record its batches
        shape = {"batch_size": saved.batch_size or rnn_hparams.BATCHSIZE, "seqlen": saved.seqlen or rnn_hparams.SEQLEN}
        try:
            text = shakespeare_data.read_corpus(data).train
            txtutils.check_text_length(len(text), shape["batch_size"], shape["seqlen"])
        except txtutils.TextError as e:
            raise UsageError(str(e)) from None
        steps = txtutils.batches_per_epoch(len(text), shape["batch_size"], shape["seqlen"])
        if recorded and not (fitting and fitting[0] <= steps <= fitting[1]):
            raise UsageError(
                f"--data {data}: {steps} steps per epoch with this text, which do not give the epochs "
                f"of the milestones in {checkpoint_dir}: pass the --data the run was trained on"
            )
        return steps, None
    if not recorded:
        raise UsageError(f"no milestones in {checkpoint_dir}: pass the checkpoint folder of the run")
    latest = recorded[-1]["step"] / recorded[-1]["epoch"]  # the most exact ratio: the latest milestone's
    if fitting is None:
        return round(latest), (
            "uncertain: no one length gives the milestones' epochs, a --resume on another text? "
            "The latest milestone's is taken; --data GLOB, the run's text, counts it exactly"
        )
    steps = min(range(fitting[0], fitting[1] + 1), key=lambda length: abs(length - latest))
    if fitting[0] == fitting[1]:
        return steps, None
    return steps, (
        f"uncertain: {fitting[0]} to {fitting[1]} give the milestones' rounded epochs; --data GLOB, "
        "the run's text, counts it exactly"
    )


def per_epoch(training, validation, epoch_steps):
    """[(epoch, step, validation loss, mean training loss over the epoch)] for each epoch the logs reach."""
    rows = []
    last_step = max(list(training) + list(validation))
    for epoch in range(1, last_step // epoch_steps + 1):
        end = epoch * epoch_steps
        nearest = min(validation, key=lambda step: abs(step - end))
        losses = [v for step, v in training.items() if end - epoch_steps < step <= end]
        rows.append((epoch, nearest, validation[nearest], sum(losses) / len(losses) if losses else math.nan))
    return rows


def draw(training, validation, epoch_steps, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = sorted(training)
    buckets = {}
    for step in steps:
        buckets.setdefault((step - 1) // 100, []).append(training[step])
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    axes.plot(
        [(b + 1) * 100 / epoch_steps for b in buckets],
        [sum(v) / len(v) for v in buckets.values()],
        label="training loss (mean over 100 steps, with dropout)",
        color="tab:blue",
    )
    axes.plot(
        [s / epoch_steps for s in validation],
        list(validation.values()),
        "o-",
        markersize=3,
        label="validation loss (held-out text, no dropout)",
        color="tab:orange",
    )
    axes.set_xlabel("epochs")
    axes.set_ylabel("loss (nats per character)")
    axes.set_ylim(1.0, 3.5)
    axes.grid(alpha=0.3)
    axes.legend()
    axes.set_title("The RNN learning Shakespeare, epoch by epoch")
    figure.tight_layout()
    with atomic_output(path, "wb") as f:  # whole or not at all
        figure.savefig(f, format="png")
    plt.close(figure)


def read_curves(log_dir, checkpoint_dir):
    """The training and validation losses by step, from the TensorBoard logs; the validation ones with the
    milestones' (the early milestones come before the first report)."""
    training, validation = read_scalars(log_dir, "training"), read_scalars(log_dir, "validation")
    milestones = rnn_checkpoints.milestones(checkpoint_dir, fall_back=False)
    validation.update({m["step"]: m["validation_loss"] for m in milestones if m["validation_loss"] is not None})
    return training, dict(sorted(validation.items()))


def write_table(rows, path):
    """The per-epoch table as JSON, whole or not at all; NaN (no training loss logged in an epoch, a diverged
    run) is not JSON: null."""

    def number(value):
        return round(value, 4) if math.isfinite(value) else None

    with atomic_output(path) as f:
        json.dump(
            [
                {"epoch": e, "step": s, "validation_loss": number(v), "mean_training_loss": number(t)}
                for e, s, v, t in rows
            ],
            f,
            indent=1,
        )


def main(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--log-dir", required=True, help="rnn_train.py's --log-dir")
    parser.add_argument(
        "--checkpoint-dir", required=True, help="rnn_train.py's --checkpoint-dir (for the epoch length)"
    )
    parser.add_argument(
        "--data",
        metavar="GLOB",
        help="rnn_train.py's --data: the epoch's steps counted from the "
        "text, as rnn_train.py counts them (default: found from the milestones' epochs)",
    )
    parser.add_argument(
        "--save-png", default=None, metavar="FILE", type=user_path, help="also draw the curves into FILE"
    )
    parser.add_argument(
        "--json", default=None, metavar="FILE", type=user_path, help="also write the per-epoch table as JSON"
    )
    args = parser.parse_args(argv)
    if args.save_png and not args.save_png.lower().endswith(".png"):
        parser.error(f"--save-png {args.save_png}: the file name must end in .png")
    if not os.path.isdir(args.log_dir):
        raise UsageError(f"--log-dir {args.log_dir}: no such folder")
    # the outputs are checked before the logs are read (minutes, for a long run's): nothing lost at the end
    png = check_output_file(args.save_png, "--save-png") if args.save_png else None
    json_path = check_output_file(args.json, "--json") if args.json else None
    epoch_steps, note = steps_per_epoch(args.checkpoint_dir, args.data)
    training, validation = read_curves(args.log_dir, args.checkpoint_dir)
    if not training or not validation:
        raise UsageError(f"--log-dir {args.log_dir} holds no training and validation curves of rnn_train.py")
    rows = per_epoch(training, validation, epoch_steps)
    print(f"{epoch_steps} steps per epoch" + (f" ({note})" if note else ""))
    print("| epoch | step | validation loss (nats) | (bits) | mean training loss |")
    print("|---:|---:|---:|---:|---:|")
    for epoch, step, loss, train_loss in rows:
        print(f"| {epoch} | {step:,} | {loss:.4f} | {loss / math.log(2):.3f} | {train_loss:.4f} |")
    if json_path:
        write_table(rows, json_path)
        print(f"table: {json_path}")
    if png:
        draw(training, validation, epoch_steps, png)
        print(f"picture: {png}")


if __name__ == "__main__":
    run_main(main)
