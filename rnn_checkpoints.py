"""The RNN's checkpoint folder, written by rnn_train.py and read by rnn_train.py --resume and rnn_play.py.

What a folder holds, all of it found from the folder's own files (so that it can be moved or copied):
    rnn_train-STEP.index, rnn_train-STEP.data-*   TensorFlow checkpoints: the weights, Adam's state, the
                                                  step counter; the KEEP_CHECKPOINTS newest are kept
    hparams.json                                  the model's size and batches (rnn_hparams.py): what
                                                  Model(...) needs to rebuild it, what --resume keeps
    rnn_state.npz                                 the RNN state after the newest checkpoint's step (--resume)
    milestones/milestone-STEP.*, milestones.json  the weights at milestone steps (25, 50, 100, ... 800,
                                                  then every 1,000), with their epoch and validation loss:
                                                  what rnn_play.py --replay plays, gibberish to play
A damaged or incomplete checkpoint (a run killed while saving, a partial copy) is recognised, and the
newest complete one is used instead, with one line saying so.

A model folder (models/shakespeare/, written by rnn_play.py --export: rnn_model_folder.py) is the compact form
of one checkpoint; its weights are found, checked and restored here as a checkpoint's are.
"""

import contextlib
import glob
import json
import os
import re
import shutil
import sys
import zipfile
import zlib

import numpy as np

from cli import UsageError, atomic_output
from graphmode import tf
import rnn_model_folder
from rnn_hparams import HPARAMS_FILE
from rnn_model_folder import WEIGHTS_FILE, is_model_folder, refuse_shipped_model

DEFAULT_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints")  # rnn_train's default
CHECKPOINT_NAME = "rnn_train"  # checkpoint files: rnn_train-STEP.index, rnn_train-STEP.data-00000-of-00001
KEEP_CHECKPOINTS = 5  # the newest ones kept (about 50 MB each at the default size)
STATE_FILE = "rnn_state.npz"
MILESTONES_DIR, MILESTONE_NAME, MILESTONES_FILE = "milestones", "milestone", "milestones.json"
FIRST_MILESTONE, LAST_DOUBLING, MILESTONE_EVERY = 25, 800, 1000  # 25, 50, 100, 200, 400, 800, 1000, 2000...


# ------------------------------------------------------------------------------------------------
# The weights against hparams.json (rnn_hparams.py reads and checks the file itself)
# ------------------------------------------------------------------------------------------------


def saved_shapes(prefix):
    """{name: shape} of the weights a checkpoint or a model folder's weights.npz holds, read from their headers
    (nothing loaded); the optimizer's and the step counter's left out."""
    if prefix.endswith(WEIGHTS_FILE):
        try:
            return rnn_model_folder.weight_shapes(prefix)
        except (OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise _damaged(prefix, e) from None
    with readable(prefix) as path:
        try:
            listed = tf.train.list_variables(path)
        except (tf.errors.OpError, ValueError, IndexError) as e:
            raise UsageError(f"checkpoint {prefix} cannot be read ({first_line(e)})") from None
    return {
        name: tuple(shape) for name, shape in listed if name.startswith(("gru", "softmax/")) and "/Adam" not in name
    }


def check_weights(folder, prefix, hparams):
    """UsageError unless the weights of `prefix` are those of the model hparams.json describes: the same layers,
    the same sizes. Checked before any graph is built, so that a wrong hparams.json never builds a model of
    another size (a huge one), nor plays part of the weights (gibberish) or resumes without a layer."""
    saved = saved_shapes(prefix)
    if saved == hparams.weight_shapes():
        return
    layers = len([name for name in saved if name.endswith("/U_candidate")])
    units = saved.get("gru0/U_candidate", ("?",))[0]
    raise UsageError(
        f"{os.path.join(folder, HPARAMS_FILE)} says {hparams.layers} layers of "
        f"{hparams.internal_size} units, but {prefix} holds {layers} layers of {units} units: "
        f"the folder's {HPARAMS_FILE} does not match its weights; copy the folder again, or correct it"
    )


def _damaged(path, error):
    """A model folder's weights.npz that cannot be read (a partial copy)."""
    return UsageError(f"{path} is damaged ({error}): copy it again, or pass another --checkpoint")


def _not_of_this_model(prefix, hparams, error):
    """Weights that do not fit the graph of hparams.json's size."""
    return UsageError(
        f"{prefix} does not match the model of {HPARAMS_FILE} (internal size {hparams.internal_size}, "
        f"{hparams.layers} layers): {first_line(error)}"
    )


# ------------------------------------------------------------------------------------------------
# Finding checkpoints
# ------------------------------------------------------------------------------------------------


def find(folder):
    """[(step, prefix)] of the checkpoints in the folder, oldest first, found from the folder's own files.

    Not tf.train.latest_checkpoint(): it follows the paths written in the folder's `checkpoint` file,
    which still point to the old place after the folder is moved or copied."""
    found = []
    for index in glob.glob(os.path.join(glob.escape(folder), CHECKPOINT_NAME + "-*.index")):
        match = re.fullmatch(re.escape(CHECKPOINT_NAME) + r"-(\d+)\.index", os.path.basename(index))
        if match:
            found.append((int(match.group(1)), index[: -len(".index")]))
    return sorted(found)


GLOB_CHARACTERS = "*?["


@contextlib.contextmanager
def readable(prefix):
    """The checkpoint `prefix` under a path TensorFlow can read: TensorFlow takes a checkpoint's path for a
    pattern, so a folder named with glob characters (exp[lr=0.001]) matches no file. Such a checkpoint's
    files are linked (or copied, where links cannot be made) into a temporary folder for the time of the read."""
    if not any(char in prefix for char in GLOB_CHARACTERS):
        yield prefix
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="checkpoint-") as folder:
        for path in glob.glob(glob.escape(prefix) + ".*"):
            alias = os.path.join(folder, "checkpoint" + path[len(prefix) :])
            try:
                os.symlink(os.path.abspath(path), alias)
            except OSError:
                shutil.copy(path, alias)
        yield os.path.join(folder, "checkpoint")


def why_unloadable(prefix):
    """Why the checkpoint cannot be loaded (a run killed while saving, a partial copy), or None if it can.

    Reads every saved tensor: TensorFlow checks each one's size and checksum as it reads it."""
    if not glob.glob(glob.escape(prefix) + ".data-*"):
        return "its .data file is missing"
    try:
        with readable(prefix) as path:
            reader = tf.train.load_checkpoint(path)
            for name in reader.get_variable_to_shape_map():
                reader.get_tensor(name)
    except IndexError:  # how TensorFlow reports "Read less bytes than requested"
        return "its .data file is truncated"
    except tf.errors.OpError as e:  # a checksum mismatch, a damaged .index
        return f"it is damaged ({first_line(e)})"
    return None


def newest_complete(folder):
    """The newest checkpoint in the folder that can be loaded, or None when it holds none.

    When newer ones cannot be loaded, says so in one line; when none can, raises UsageError."""
    damaged = []
    for _step, prefix in reversed(find(folder)):
        why = why_unloadable(prefix)
        if why is None:
            if damaged:
                names = ", ".join(f"{os.path.basename(p)} ({w})" for p, w in damaged)
                print(
                    f"warning: cannot load {names}: using {os.path.basename(prefix)}, the newest complete checkpoint",
                    file=sys.stderr,
                    flush=True,
                )
            return prefix
        damaged.append((prefix, why))
    if damaged:
        newest, why = damaged[0]
        older = f", nor the {len(damaged) - 1} older ones" if len(damaged) > 1 else ""
        raise UsageError(
            f"no complete checkpoint in {folder}: {os.path.basename(newest)} cannot be "
            f"loaded ({why}){older}; train a new model with rnn_train.py --checkpoint-dir NEW_FOLDER"
        )
    return None


def holds_a_checkpoint_run(folder):
    """Whether the folder holds checkpoints or milestones of a training run (not only a model's files)."""
    return bool(find(folder)) or any(
        os.path.exists(os.path.join(folder, name)) for name in (MILESTONES_FILE, MILESTONES_DIR)
    )


def holds_a_run(folder):
    """Whether the folder holds a training run, or what is left of one: checkpoints, milestones, hparams.json.
    A new run there would take over the old one's milestones (--replay would mix the two)."""
    return holds_a_checkpoint_run(folder) or os.path.exists(os.path.join(folder, HPARAMS_FILE))


def refuse_model_folder(path, flag):
    """UsageError when `path` is the shipped model's folder, or another model folder (rnn_play.py --export's):
    training never writes into one."""
    refuse_shipped_model(path, flag, "pass a folder of your own, e.g. models/mine")
    if os.path.isdir(path) and is_model_folder(path):
        raise UsageError(f"{flag} {path} is a model folder (rnn_play.py --export wrote it): pass another folder")


def find_weights(path):
    """(checkpoint prefix, its folder): the weights that --checkpoint names, to play, score or export. For a
    checkpoint folder, its newest complete checkpoint; for a model folder, the "prefix" is its weights.npz."""
    if os.path.isdir(path) and is_model_folder(path):
        return os.path.join(path, WEIGHTS_FILE), path
    if os.path.isdir(path):
        newest = newest_complete(path)
        if newest is None:
            raise UsageError(f"no checkpoint in {path}: train one with rnn_train.py, or pass --checkpoint PATH")
        return newest, path
    if os.path.exists(path + ".index"):
        why = why_unloadable(path)
        if why:
            raise UsageError(
                f"checkpoint {path} cannot be loaded ({why}): pass another one, or its folder "
                "for the newest complete one"
            )
        folder = os.path.dirname(path) or "."
        if os.path.basename(os.path.abspath(folder)) == MILESTONES_DIR:  # a milestone: hparams.json is above
            folder = os.path.dirname(os.path.abspath(folder))
        return path, folder
    raise UsageError(
        f"no checkpoint at {path}: pass a checkpoint folder, or a checkpoint such as "
        f"checkpoints/{CHECKPOINT_NAME}-5000 (without .index)"
    )


# ------------------------------------------------------------------------------------------------
# Saving and restoring
# ------------------------------------------------------------------------------------------------


def saver(var_list=None):
    """A tf.train.Saver for the folder: relative paths in its `checkpoint` file (right after a move);
    old checkpoints are removed by save(), across --resume too."""
    return tf.train.Saver(var_list=var_list, max_to_keep=None, save_relative_paths=True)


def save(sess, checkpoint_saver, folder, step, state):
    """Save the weights, Adam's state and the step counter, plus the RNN state the next batch needs.

    When the save fails (a full disk, a quota), what it wrote is removed, the previous checkpoints stay as
    they were, and one line says how many steps were not saved."""
    prefix = os.path.join(folder, CHECKPOINT_NAME)
    try:
        path = checkpoint_saver.save(sess, prefix, global_step=step)
        with atomic_output(os.path.join(folder, STATE_FILE), "wb") as f:  # whole or not at all
            np.savez(f, state=state, step=step)
    except (tf.errors.OpError, OSError) as e:
        _remove(glob.escape(f"{prefix}-{step}") + "*")  # .index, .data-*, the _temp folder
        raise UsageError(_cannot_save("checkpoint", folder, step, e)) from None
    remove_old(folder, step)
    print(f"checkpoint saved: {path}", flush=True)


def _remove(pattern):
    """Delete what a failed save left (files, and the temporary folders TensorFlow writes into)."""
    for partial in glob.glob(pattern):
        shutil.rmtree(partial, ignore_errors=True) if os.path.isdir(partial) else os.remove(partial)


def _cannot_save(what, folder, step, error):
    """One line: what could not be saved, why, and how many steps the newest complete checkpoint lacks."""
    saved = [s for s, _ in find(folder) if s < step]
    kept = (
        f"the newest complete checkpoint is {CHECKPOINT_NAME}-{saved[-1]}, so the {step - saved[-1]} steps "
        "since were not saved"
        if saved
        else f"no checkpoint was saved: the {step} steps were not saved"
    )
    return (
        f"cannot save the {what} of step {step} into {folder} ({first_line(error)}): {kept}; "
        "free some space, then continue with --resume"
    )


def remove_old(folder, step, keep=KEEP_CHECKPOINTS):
    """Delete all but the `keep` newest checkpoints up to `step` (this run's or a resumed run's).

    Not the Saver's max_to_keep: it only knows the checkpoints saved by this process, so every --resume
    would leave the previous run's behind."""
    saved = [prefix for saved_step, prefix in find(folder) if saved_step <= step]
    for prefix in saved[:-keep]:
        for path in glob.glob(glob.escape(prefix) + ".*"):  # .index, .data-00000-of-00001, .meta
            os.remove(path)


def restore(sess, checkpoint_saver, prefix, hparams):
    """saver.restore() (or the weights of a model folder), with one line when the checkpoint was saved by a
    model of another size."""
    if prefix.endswith(WEIGHTS_FILE):
        try:
            return rnn_model_folder.load_weights(sess, prefix)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise _damaged(prefix, e) from None
        except (OSError, ValueError, KeyError) as e:
            raise _not_of_this_model(prefix, hparams, e) from None
    try:
        with readable(prefix) as path:
            checkpoint_saver.restore(sess, path)
    except (tf.errors.OpError, IndexError, ValueError) as e:
        raise _not_of_this_model(f"checkpoint {prefix}", hparams, e) from None


def describe_training(folder, prefix):
    """What is known of the training of checkpoint `prefix` in folder: its step and epochs, its validation loss
    (when a milestone was saved at its step) and the milestones' curve up to it."""
    step = int(re.search(r"-(\d+)$", prefix).group(1))
    curve = [
        {k: m[k] for k in ("step", "epoch", "validation_loss")}
        for m in milestones(folder, fall_back=False)
        if m["step"] <= step
    ]
    per_step = [m["epoch"] / m["step"] for m in curve if m["epoch"] is not None]
    at_step = [m["validation_loss"] for m in curve if m["step"] == step]
    return {
        "checkpoint": os.path.basename(prefix),
        "steps": step,
        "epochs": round(step * per_step[-1], 2) if per_step else None,
        "validation_loss": at_step[0] if at_step else None,
        "curve": curve,
    }


def load_state(folder, step, shape):
    """The RNN state saved with the checkpoint of `step`, so that --resume carries it on; None if absent."""
    try:
        with np.load(os.path.join(folder, STATE_FILE)) as saved:
            if int(saved["step"]) == step and saved["state"].shape == shape:
                return saved["state"]
    except (OSError, KeyError, ValueError):
        pass
    return None


def first_line(error):
    """The first line of an exception's message, at most 200 characters (TensorFlow's run on)."""
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


# ------------------------------------------------------------------------------------------------
# Milestones: the weights along the way, for rnn_play.py --replay
# ------------------------------------------------------------------------------------------------


def is_milestone(step):
    """Steps that catch the early stages, when the text changes fastest: doubling from FIRST_MILESTONE up
    to LAST_DOUBLING (25, 50, 100, 200, 400, 800), then every MILESTONE_EVERY steps."""
    doubling = (
        FIRST_MILESTONE <= step <= LAST_DOUBLING
        and step % FIRST_MILESTONE == 0
        and (step // FIRST_MILESTONE) & (step // FIRST_MILESTONE - 1) == 0
    )  # a power of 2 times 25
    return doubling or (step > 0 and step % MILESTONE_EVERY == 0)


def save_milestone(sess, weights_saver, folder, step, epoch, validation_loss):
    """The weights only (no optimizer state: a third of a checkpoint's size), and what they had reached."""
    try:
        prefix = weights_saver.save(
            sess,
            os.path.join(folder, MILESTONES_DIR, MILESTONE_NAME),
            global_step=step,
            write_meta_graph=False,
            write_state=False,
        )
    except (tf.errors.OpError, OSError) as e:
        _remove(os.path.join(glob.escape(folder), MILESTONES_DIR, f"{MILESTONE_NAME}-{step}*"))
        raise UsageError(_cannot_save("milestone", folder, step, e)) from None
    recorded = [m for m in milestones(folder, fall_back=False) if m["step"] != step]
    recorded.append(
        {
            "step": step,
            "epoch": round(epoch, 4),
            "validation_loss": validation_loss,
            "checkpoint": os.path.relpath(prefix, folder),
        }
    )
    with atomic_output(os.path.join(folder, MILESTONES_FILE)) as f:
        json.dump(sorted(recorded, key=lambda m: m["step"]), f, indent=1)
    print(f"milestone saved: step {step}", flush=True)


def _check_milestone(m):
    """Raise ValueError unless m is a milestone record: step (int), epoch and validation_loss (numbers or
    null), checkpoint (a file name inside the folder)."""
    number = (int, float)
    if not (
        isinstance(m, dict)
        and isinstance(m.get("step"), int)
        and not isinstance(m["step"], bool)
        and (m.get("epoch") is None or isinstance(m["epoch"], number))
        and (m.get("validation_loss") is None or isinstance(m["validation_loss"], number))
        and isinstance(m.get("checkpoint"), str)
    ):
        raise ValueError(f"not a milestone record: {json.dumps(m)[:80]}")


def milestones(folder, fall_back=True):
    """The folder's milestones in step order: [{"step", "epoch", "validation_loss", "prefix"}]. A folder
    trained before milestones existed has none: with fall_back, its checkpoints are used instead (their
    epoch and validation loss unknown, None)."""
    path = os.path.join(folder, MILESTONES_FILE)
    try:
        with open(path) as f:
            recorded = json.load(f)
        for m in recorded:
            _check_milestone(m)
        found = [dict(m, prefix=os.path.join(folder, m["checkpoint"])) for m in recorded]
        found = [m for m in found if os.path.exists(m["prefix"] + ".index")]
    except FileNotFoundError:
        found = []
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(
            f"cannot read {path} ({e}): the checkpoint folder is damaged; delete {path} to train or "
            "play without its milestones"
        ) from None
    if not found and fall_back:
        found = [
            {"step": step, "epoch": None, "validation_loss": None, "prefix": prefix} for step, prefix in find(folder)
        ]
    return sorted(found, key=lambda m: m["step"])
