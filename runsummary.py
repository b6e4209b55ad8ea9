"""A lesson's run summary (runs/LESSON-DATE-TIME.json, written by runlog.RunLog) read back, checked.

read_summary() reads one, and checks it field by field: a file that is not a run summary is refused with one
line naming the file and the field (a UsageError); a measurement that cannot be drawn (null where a run
diverged, NaN, an infinity, a negative step) is set to None and said in words. compare_runs.py draws what it
reads; benchmarks/talk_claims.py checks the talk's claims on it. The numbers' kinds, in a few words for the
messages: is_number(), is_finite_number(), kind(), not_drawn(). A summary of a lesson since renamed to
the talk's file names (4.0 the convolutional one, now 4.2; 4.1 the sigmoid one, now 4.0) is read under the
lesson's new name.
"""

import json
import math

from cli import UsageError
from runcurves import Curves

# lessons renamed to the talk's file names: a summary written under the old name is read as the new lesson's
RENAMED_LESSONS = {
    "mnist_4.0_batchnorm_convolutional": "mnist_4.2_batchnorm_convolutional",
    "mnist_4.1_batchnorm_five_layers_sigmoid": "mnist_4.0_batchnorm_five_layers_sigmoid",
}


def read_summary(path):
    """(summary, left_out): the run summary in the file `path`, checked (a UsageError naming the file and the
    field when it is not one), with each step or value that cannot be drawn as None; left_out says which
    fields held such values, in words (an empty list when none did)."""
    try:
        with open(path) as f:
            summary = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file (the lessons write their run summaries under runs/)") from None
    except (OSError, ValueError, RecursionError) as e:  # (a UnicodeDecodeError is a ValueError too)
        raise UsageError(f"{path}: cannot read it as JSON ({e})") from None
    if isinstance(summary, dict) and summary.get("lesson") in RENAMED_LESSONS:
        summary["renamed_from"] = summary["lesson"]
        summary["lesson"] = RENAMED_LESSONS[summary["lesson"]]
    try:
        return checked(summary)
    except ValueError as e:
        raise UsageError(f"{path}: not a lesson's run summary ({e})") from None


def is_number(value):
    """True for a JSON number (NaN and the infinities included), False for true/false, strings, lists..."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value):
    """True for a JSON number that a float holds: not NaN, not an infinity, not an integer of 400 digits."""
    try:
        return is_number(value) and math.isfinite(value)
    except OverflowError:
        return False


def kind(value):
    """A JSON value in a few words, for a message: 'the string "0.9"', 'a list', 'an object', 'null', 'NaN'."""
    if isinstance(value, str):
        return "the string " + json.dumps(value if len(value) <= 20 else value[:20] + "...")
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = json.dumps(value)  # true, false, null, a number, NaN, Infinity
    return text if len(text) <= 20 else f"a number of {len(text)} digits"


def not_drawn(value, name):
    """Why a measurement (a step, an accuracy, a loss) cannot be drawn, in a word, or None when it can: null
    (how a lesson records a diverged run's NaN), NaN or an infinity (Python's JSON reads them), a number too
    big for a float, a negative step."""
    if not is_finite_number(value):
        return "too big" if is_number(value) and not isinstance(value, float) else kind(value)
    return "negative" if name == "step" and value < 0 else None


def checked(summary):
    """(summary, left_out): a run summary as read from JSON, checked field by field (ValueError naming the field
    that is not a run summary's: a missing one, a string or a list where a number belongs, curves of different
    lengths); its curves' steps, accuracies and losses that cannot be drawn (null, NaN, infinities, negative
    steps) set to None, and said in left_out: ["curves.test.loss: 3 values (NaN, null), the first at step 300"]."""
    if not isinstance(summary, dict):
        raise ValueError(f"the file holds {kind(summary)}, not an object of named fields")
    for key, wanted, name in (
        ("lesson", str, "a string"),
        ("hyperparameters", dict, "an object"),
        ("curves", dict, "an object"),
    ):
        if key not in summary:
            raise ValueError(f"no {key}")
        if not isinstance(summary[key], wanted):
            raise ValueError(f"{key} is {kind(summary[key])}, not {name}")
    curves, left_out = {}, []
    for which in ("test", "train"):
        field = f"curves.{which}"
        curve = summary["curves"].get(which)
        if not isinstance(curve, dict):
            raise ValueError(f"no {field}" if curve is None else f"{field} is {kind(curve)}, not an object")
        for name in Curves.REQUIRED:
            if name not in curve:
                raise ValueError(f"no {field}.{name}")
        present = [name for name in Curves.FIGURES[which] if name in curve]
        for name in present:
            if not isinstance(curve[name], list):
                raise ValueError(f"{field}.{name} is {kind(curve[name])}, not a list")
        lengths = {name: len(curve[name]) for name in present}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"its {which} curves differ in length ({lengths})")
        clean = {name: list(curve[name]) for name in present}
        steps = clean["step"]
        for name in Curves.REQUIRED:  # what is drawn: numbers, or null where a run diverged
            values = clean[name]
            for i, value in enumerate(values):
                if value is not None and not is_number(value):
                    raise ValueError(f"{field}.{name}[{i}] is {kind(value)}, not a number")
            why = {i: not_drawn(value, name) for i, value in enumerate(values)}
            bad = [i for i in range(len(values)) if why[i]]
            if bad:
                where = (
                    "" if name == "step" or not_drawn(steps[bad[0]], "step") else f", the first at step {steps[bad[0]]}"
                )
                left_out.append(
                    f"{field}.{name}: {len(bad)} value{'s' if len(bad) > 1 else ''} "
                    f"({', '.join(sorted({why[i] for i in bad}))}){where}"
                )
        for name in Curves.REQUIRED:  # set to None only now: the notes above name a step
            clean[name] = [None if not_drawn(v, name) else v for v in clean[name]]
        curves[which] = clean
    if not any(
        s is not None and v is not None
        for curve in curves.values()
        for name in ("accuracy", "loss")
        for s, v in zip(curve["step"], curve[name])
    ):
        raise ValueError("nothing to draw: no step with a number for its accuracy or loss")
    Curves(curves)  # read back as the history the dashboard drew (what it checks is checked above)
    return dict(summary, curves=curves), left_out
