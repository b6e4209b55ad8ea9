"""The log of one lesson's training run (RunLog): its curves, the progress lines, the training time, the
dashboard, and at the end the run summary, runs/LESSON-DATE-TIME.json, that compare_runs.py and talk_claims.py
read (runsummary.py). A lesson makes one with `lesson.RunLog(__file__, args, mnist)` and tells it what it measured.
"""

import contextlib
import datetime
import json
import math
import os
import platform
import time

import numpy as np

from bands import percentiles_in_graph
from cli import UsageError, atomic_output
import graphmode
from graphmode import tf  # the TensorFlow the lesson started
from runcurves import Curves
import tensorflowvisu

WARMUP_STEPS = 10  # the first steps are slower (TensorFlow prepares the graph): left out of the warm speed


class RunLog:
    """The log of one lesson's training run: its curves (a runcurves.Curves, the one history the
    dashboard draws, the summary keeps and compare_runs.py reads), the progress lines, the training time,
    the dashboard, and at the end the run summary (runs/LESSON-DATE-TIME.json). The lesson runs the graph;
    the log records what the lesson measured.

    script: the lesson's file (__file__), which names the run and its summary.
    mnist: the data sets (the dashboard shows the test images).
    band_titles: the titles of the dashboard's two band panels; band_limits: their fixed y ranges, or None
        to follow the values.
    """

    def __init__(self, script, args, mnist, title=None, band_titles=("weights", "biases"), band_limits=(None, None)):
        self.args = args
        self.test_images = mnist.test.images  # [10000, 28, 28, 1]
        self.test_digits = mnist.test.labels.argmax(1)  # [10000]
        self.name = os.path.splitext(os.path.basename(script))[0]
        self.curves = Curves()
        # the summary: STEM.json, the picture: STEM.png; the name reserved now, the files written at the end
        self.output_stem, self._reservation = _new_run_stem(args.runs_dir, self.name)
        self.png_path = args.save_png
        self.diverged = False
        self._started = None  # the wall clock starts at the first measurement
        self._train_seconds = 0.0  # in the training steps (`with log.timed_training_step():`)
        self._steps_timed = 0
        self._warm_seconds_start = None  # _train_seconds when the step WARMUP_STEPS started
        self.dashboard = None
        if not args.no_visu:
            try:  # a live window unless --save-png, where one can be opened: the dashboard decides
                self.dashboard = tensorflowvisu.Dashboard(
                    title or self.name,
                    self.curves,
                    band_titles,
                    window=not args.save_png,
                    movie=args.save_movie,
                    band_limits=band_limits,
                    steps=args.iterations,
                    watch=args.watch,
                )
            except ValueError as e:
                raise UsageError(str(e)) from None
            if self.dashboard.where == "file" and not self.png_path:
                self.png_path = self.output_stem + ".png"
                print(f"No display: the dashboard will be saved as {self.png_path}")
        print(
            f"{self.name}: {args.iterations} steps of {args.batch_size} images, test set "
            f"({len(self.test_digits):,} images) every {args.test_every} steps, on {graphmode.devices()}"
        )

    def dashboard_tensors(self, predictions, bands=()):
        """What the dashboard draws besides the curves, as tensors to fetch with the measurements: for the
        training batch, each image's predicted digit and the 8 percentiles of each band panel's values; for
        the test set, the predicted digits. Returns (for the training batch, for the test set): two dicts,
        both empty with --no-visu (nothing extra is computed)."""
        if self.dashboard is None:
            return {}, {}
        digits = tf.argmax(predictions, 1)  # [batch] predicted digits
        return (
            {"digits": digits, "bands": [percentiles_in_graph(group) for group in bands]},  # bands.py
            {"digits": digits},
        )

    def record_training_batch(self, step, accuracy, loss, learning_rate, images, labels, drawn):
        """Record a measurement on the training batch: accuracy, loss, the learning rate used at this step,
        the batch (images [batch, 28, 28, 1], one-hot labels [batch, 10]) and what dashboard_tensors() fetched."""
        if self._started is None:
            self._started = time.perf_counter()
        self.curves.add("train", step, accuracy, loss, learning_rate=learning_rate)
        self._check_finite("training", step, loss)
        if self.dashboard is not None:
            self.dashboard.show_training(step, images, labels.argmax(1), drawn["digits"], drawn["bands"] or None)

        self._train_figures = accuracy, loss

    def record_test_set(self, step, accuracy, loss, drawn):
        """Record a measurement on the whole test set, and print the step's line."""
        self.curves.add("test", step, accuracy, loss, seconds=round(time.perf_counter() - self._started, 3))
        self._check_finite("test", step, loss)
        if self.dashboard is not None:  # the whole test set: the dashboard sorts it, misrecognised first
            self.dashboard.show_test(self.test_images, self.test_digits, drawn["digits"])
        train_accuracy, train_loss = self._train_figures
        print(
            f"step {step:6d}  training: accuracy {train_accuracy:.4f} loss {train_loss:8.4f}   "
            f"test: accuracy {accuracy:.4f} loss {loss:8.4f}",
            flush=True,
        )

    def _check_finite(self, which, step, loss):
        if not math.isfinite(loss) and not self.diverged:  # said once; the summary records it as null
            self.diverged = True
            print(
                f"warning: the {which} loss is {float(loss)} at step {step}: the training diverged (the weights "
                "overflowed); try a lower learning rate",
                flush=True,
            )

    @contextlib.contextmanager
    def timed_training_step(self):
        """`with log.timed_training_step():` times a training step (steps/s in the summary: the first
        WARMUP_STEPS left out of the warm speed)."""
        if self._steps_timed == WARMUP_STEPS:
            self._warm_seconds_start = self._train_seconds
        started = time.perf_counter()
        try:
            yield
        finally:
            self._train_seconds += time.perf_counter() - started
            self._steps_timed += 1

    def update_dashboard(self):
        """After a training step: the live dashboard draws a picture when one is due and answers its window's
        keys; while paused (space, in the window) this waits until it resumes. Nothing with --no-visu."""
        if self.dashboard is not None:
            self.dashboard.update()

    def finish(self, stop, extra=None):
        """After the training loop, however it ended (all its steps, or `stop`, the StopOnCtrlC, requested):
        print the results, write the run summary and the dashboard's files (a failure to write is one line,
        after the results). extra: more figures for the summary (a dict). Returns the summary."""
        steps = self._steps_timed  # training steps done
        interrupted = stop.requested and steps < self.args.iterations
        wall_seconds = time.perf_counter() - self._started
        if interrupted:
            print(f"stopped by {stop.signal_name} after {steps} of {self.args.iterations} steps")
        steps_per_second = steps / self._train_seconds if self._train_seconds else float("nan")
        summary = self._summary(steps, interrupted, wall_seconds, steps_per_second, extra)
        print(
            f"max test accuracy: {summary['max_test_accuracy']:.4f} (step {summary['max_test_accuracy_step']})   "
            f"final test accuracy: {summary['final_test_accuracy']:.4f}"
        )
        print(f"wall time {wall_seconds:.1f} s, training {steps_per_second:.0f} steps/s")
        self._write_files(summary)
        return summary

    def _summary(self, steps, interrupted, wall_seconds, steps_per_second, extra):
        """The run summary: its figures, the machine, the curves (and the band panels' history), extra."""
        test = self.curves.test
        best = int(np.argmax(test["accuracy"]))
        warm = None  # after the warm-up steps: the speed to compare with other frameworks'
        if self._warm_seconds_start is not None and steps > WARMUP_STEPS:
            warm = round((steps - WARMUP_STEPS) / (self._train_seconds - self._warm_seconds_start), 2)
        return {
            "lesson": self.name,
            "finished": datetime.datetime.now().isoformat(timespec="seconds"),
            "hyperparameters": {k: v for k, v in vars(self.args).items() if k not in ("tf_verbose",)},
            "max_test_accuracy": test["accuracy"][best],
            "max_test_accuracy_step": test["step"][best],
            "final_test_accuracy": test["accuracy"][-1],
            "iterations": steps,
            "interrupted": interrupted,
            "wall_seconds": round(wall_seconds, 3),
            "train_seconds": round(self._train_seconds, 3),
            "train_steps_per_second": round(steps_per_second, 2),
            "train_steps_per_second_after_warmup": warm,
            **self._dashboard_figures(wall_seconds),
            "machine": {
                "platform": platform.platform(),
                "processor": platform.machine(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "tensorflow": tf.__version__,
                "gpu": bool(tf.config.list_physical_devices("GPU")),
            },
            "curves": self.curves.as_dict(),
            **({"bands": self.dashboard.band_history()} if self.dashboard and self.dashboard.band_steps else {}),
            **(extra or {}),
        }

    def _write_files(self, summary):
        """The figures are printed: now the files, each written whole or not at all (the summary, the dashboard's
        PNG and movie); any failure said in one line (a UsageError), after the others were tried."""
        failures = []
        summary_path = self.output_stem + ".json"
        try:
            write_json(summary, summary_path)
            print(f"run summary: {summary_path}")
        except OSError as e:
            failures.append(f"the run summary could not be written to {summary_path} ({e.strerror or e})")
        if self.dashboard is not None:
            for path, error in self.dashboard.finish(png=self.png_path, wait=not self.args.exit_at_end).items():
                if error is None:
                    print(f"dashboard saved: {path}")
                else:
                    failures.append(f"the dashboard could not be saved to {path} ({error})")
        with contextlib.suppress(OSError):
            os.remove(self._reservation)  # the name is taken by the files now (or by nothing, if they failed)
        if failures:
            raise UsageError("; ".join(failures) + ". The figures above are the run's results.")

    def _dashboard_figures(self, wall_seconds):
        """What the live dashboard cost, for the summary: the pictures it drew while training (window, notebook
        cell, movie), their rate, the mean time of one, and the whole drawing time."""
        dashboard = self.dashboard
        pictures = dashboard.pictures if dashboard else 0
        seconds = dashboard.draw_seconds if dashboard else 0.0
        return {
            "dashboard_where": dashboard.where if dashboard else None,
            "dashboard_pictures": pictures,
            "dashboard_pictures_per_second": round(pictures / wall_seconds, 2) if wall_seconds > 0 else None,
            "dashboard_picture_seconds": round(seconds / pictures, 4) if pictures else None,
            "dashboard_draw_seconds": round(seconds, 3),
        }


def _new_run_stem(runs_dir, name):
    """runs_dir/NAME-DATE-TIME, made unique (-2, -3...) when another run took it: reserved at once by creating
    a hidden file .NAME-DATE-TIME.reserved exclusively, so that runs started in the same second, even in
    parallel, never share a name (the summary is written only at the end). Returns (stem, reservation)."""
    base = os.path.join(runs_dir, f"{name}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}")
    stem, number = base, 1
    while True:
        reservation = os.path.join(runs_dir, f".{os.path.basename(stem)}.reserved")
        if not (os.path.exists(stem + ".json") or os.path.exists(stem + ".png")):
            try:
                os.close(os.open(reservation, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return stem, reservation
            except FileExistsError:
                pass
        number += 1
        stem = f"{base}-{number}"


def write_json(data, path):
    """Write data as JSON, whole or not at all; NaN and infinities (a diverged run) as null, which is valid JSON."""
    with atomic_output(path) as f:
        json.dump(_finite_or_none(data), f, indent=1, allow_nan=False)


def _finite_or_none(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value
