"""The RNN's learning curves, from rnn_train.py's TensorBoard logs: a table per epoch, and a picture.

    python benchmarks/rnn_curves.py --log-dir log --checkpoint-dir checkpoints [--save-png docs/rnn_curves.png]

Reads the training loss (every 10 steps) and the validation loss (at each report) of every run in
--log-dir (a --resume adds a run: they are joined by step), and the epoch length and the validation
losses of the milestones (25, 50, 100... steps) from the checkpoint folder. Prints, for each epoch, the validation loss at the report nearest its end (nats
and bits per character) and the mean training loss of that epoch. With --save-png: both curves against
epochs, the training loss averaged over each 100 steps.
"""
import json
import math
import os
import sys

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, check_output_file, parser_from_docstring, run_main  # noqa: E402
import rnn_checkpoints  # noqa: E402


def read_scalars(log_dir, kind):
    """{step: batch_loss} of every run of the log folder whose name ends in -kind (training, validation)."""
    from tensorboard.backend.event_processing import event_accumulator
    values = {}
    runs = sorted(name for name in os.listdir(log_dir) if name.endswith("-" + kind))
    for run in runs:
        accumulator = event_accumulator.EventAccumulator(os.path.join(log_dir, run),
                                                         size_guidance={event_accumulator.SCALARS: 0})
        accumulator.Reload()
        if "batch_loss" in accumulator.Tags()["scalars"]:
            values.update({event.step: event.value for event in accumulator.Scalars("batch_loss")})
    return dict(sorted(values.items()))


def steps_per_epoch(checkpoint_dir):
    ratios = [m["step"] / m["epoch"] for m in rnn_checkpoints.milestones(checkpoint_dir, fall_back=False)
              if m["epoch"]]
    if not ratios:
        raise UsageError(f"no milestones in {checkpoint_dir}: pass the checkpoint folder of the run")
    return round(ratios[-1])


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
    axes.plot([(b + 1) * 100 / epoch_steps for b in buckets], [sum(v) / len(v) for v in buckets.values()],
              label="training loss (mean over 100 steps, with dropout)", color="tab:blue")
    axes.plot([s / epoch_steps for s in validation], list(validation.values()), "o-", markersize=3,
              label="validation loss (held-out text, no dropout)", color="tab:orange")
    axes.set_xlabel("epochs")
    axes.set_ylabel("loss (nats per character)")
    axes.set_ylim(1.0, 3.5)
    axes.grid(alpha=0.3)
    axes.legend()
    axes.set_title("The RNN learning Shakespeare, epoch by epoch")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv=None):
    parser = parser_from_docstring(__doc__)
    parser.add_argument("--log-dir", required=True, help="rnn_train.py's --log-dir")
    parser.add_argument("--checkpoint-dir", required=True, help="rnn_train.py's --checkpoint-dir (for the epoch length)")
    parser.add_argument("--save-png", default=None, metavar="FILE", help="also draw the curves into FILE")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the per-epoch table as JSON")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.log_dir):
        raise UsageError(f"--log-dir {args.log_dir}: no such folder")
    png = check_output_file(args.save_png, "--save-png") if args.save_png else None
    epoch_steps = steps_per_epoch(args.checkpoint_dir)
    training, validation = read_scalars(args.log_dir, "training"), read_scalars(args.log_dir, "validation")
    # the milestones' validation losses too (the early ones come before the first report)
    validation = dict(sorted({**validation, **{m["step"]: m["validation_loss"] for m in rnn_checkpoints.milestones(
        args.checkpoint_dir, fall_back=False) if m["validation_loss"] is not None}}.items()))
    if not training or not validation:
        raise UsageError(f"--log-dir {args.log_dir} holds no training and validation curves of rnn_train.py")
    rows = per_epoch(training, validation, epoch_steps)
    print(f"{epoch_steps} steps per epoch")
    print("| epoch | step | validation loss (nats) | (bits) | mean training loss |")
    print("|---:|---:|---:|---:|---:|")
    for epoch, step, loss, train_loss in rows:
        print(f"| {epoch} | {step:,} | {loss:.4f} | {loss / math.log(2):.3f} | {train_loss:.4f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"epoch": e, "step": s, "validation_loss": round(v, 4), "mean_training_loss": round(t, 4)}
                       for e, s, v, t in rows], f, indent=1)
    if png:
        draw(training, validation, epoch_steps, png)
        print(f"picture: {png}")


if __name__ == "__main__":
    run_main(main)
