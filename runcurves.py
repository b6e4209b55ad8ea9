"""A run's curves: the one history of its measurements, and the y range that shows them.

Curves is what the lessons' run log keeps (runlog.RunLog), what the dashboard draws while the run goes
(tensorflowvisu.py), what the run summary holds (its "curves") and what compare_runs.py overlays.
zoomed_limits() frames an accuracy or loss panel on the curves' later part, past their steep start (the
lessons' dashboard, the RNN's training view, compare_runs.py).
"""

import numpy as np


class Curves:
    """The one history of a run's measurements: the dashboard draws it while the run goes, the run summary
    keeps it (its "curves"), compare_runs.py overlays several. Plain lists, ready for JSON:

        train: step, accuracy, loss, learning_rate    the training batch, every --train-every steps
        test:  step, accuracy, loss, seconds          the whole test set, every --test-every steps

    data: the "curves" of a run summary, to read one back (a summary written before learning_rate was
    recorded has none). Raises ValueError when it is not one.
    """

    FIGURES = {"train": ("step", "accuracy", "loss", "learning_rate"), "test": ("step", "accuracy", "loss", "seconds")}
    REQUIRED = ("step", "accuracy", "loss")

    def __init__(self, data=None):
        self.train = {name: [] for name in self.FIGURES["train"]}
        self.test = {name: [] for name in self.FIGURES["test"]}
        if data is not None:
            for which in ("test", "train"):
                curve = data[which]
                for name in self.REQUIRED:
                    if name not in curve:
                        raise ValueError(f"no {which} {name} curve")
                lengths = {name: len(values) for name, values in curve.items() if name in self.FIGURES[which]}
                if len(set(lengths.values())) > 1:
                    raise ValueError(f"its {which} curves differ in length ({lengths})")
                getattr(self, which).update({name: list(curve[name]) for name in lengths})

    def add(self, which, step, accuracy, loss, **more):
        """One measurement: which is "train" or "test"; more: learning_rate (train) or seconds (test)."""
        curve = getattr(self, which)
        curve["step"].append(int(step))
        curve["accuracy"].append(round(float(accuracy), 6))
        curve["loss"].append(round(float(loss), 6))
        for name, value in more.items():
            curve[name].append(None if value is None else round(float(value), 9))

    def as_dict(self):
        """For the run summary: only the figures that were measured."""
        return {
            which: {name: values for name, values in getattr(self, which).items() if values or name in self.REQUIRED}
            for which in ("train", "test")
        }


def zoomed_limits(figure_name, curves, skip=0.25):
    """The y range of an accuracy or loss panel drawn with `curves` (lists of values), from the part of each
    curve after its first `skip` share (the steep start): accuracy from a little under the lowest value up
    to 1, loss from 0 to a little over the highest. None when there is nothing to show yet."""
    parts = [np.asarray(curve[int(len(curve) * skip) :], dtype=np.float64) for curve in curves]  # None: NaN
    values = np.concatenate(parts) if parts else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    if figure_name == "accuracy":
        low = float(values.min())
        return max(0.0, low - 0.2 * (1.0 - low) - 0.003), 1.0
    return 0.0, 1.15 * float(values.max()) + 1e-6
