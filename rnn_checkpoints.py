"""The RNN's checkpoint folder, written by rnn_train.py and read by rnn_train.py --resume and rnn_play.py.

What a folder holds, all of it found from the folder's own files (so that it can be moved or copied):
    rnn_train-STEP.index, rnn_train-STEP.data-*   TensorFlow checkpoints: the weights, Adam's state, the
                                                  step counter; the KEEP_CHECKPOINTS newest are kept
    hparams.json                                  the model's size: what Model(...) needs to rebuild it
    rnn_state.npz                                 the RNN state after the newest checkpoint's step (--resume)
    milestones/milestone-STEP.*, milestones.json  the weights at milestone steps (25, 50, 100, ... 800,
                                                  then every 1,000), with their epoch and validation loss:
                                                  what rnn_play.py --replay plays, gibberish to play
A damaged or incomplete checkpoint (a run killed while saving, a partial copy) is recognised, and the
newest complete one is used instead, with one line saying so.

A model folder (models/shakespeare/, written by rnn_play.py --export) is the compact form of one checkpoint
for playing and scoring, not for --resume:
    weights.npz      the weights only, by variable name, in float16 (half the size; restored as float32)
    hparams.json     as above
    training.json    how far it was trained: the step and epochs, its validation loss, the milestones' curve
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
from txtutils import ALPHASIZE

DEFAULT_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints")  # rnn_train's default
CHECKPOINT_NAME = "rnn_train"  # checkpoint files: rnn_train-STEP.index, rnn_train-STEP.data-00000-of-00001
KEEP_CHECKPOINTS = 5           # the newest ones kept (about 50 MB each at the default size)
HPARAMS_FILE = "hparams.json"
STATE_FILE = "rnn_state.npz"
MILESTONES_DIR, MILESTONE_NAME, MILESTONES_FILE = "milestones", "milestone", "milestones.json"
FIRST_MILESTONE, LAST_DOUBLING, MILESTONE_EVERY = 25, 800, 1000  # 25, 50, 100, 200, 400, 800, 1000, 2000...
WEIGHTS_FILE = "weights.npz"   # a model folder's weights (rnn_play.py --export)
TRAINING_FILE = "training.json"
ALPHABET = "0: unknown, 1: tab, 2: line feed, 3-97: ASCII 32-126 (txtutils)"


# ------------------------------------------------------------------------------------------------
# The model's size: hparams.json
# ------------------------------------------------------------------------------------------------

def save_model_size(folder, internal_size, layers, alphasize, **training):
    """hparams.json: the model's size, and the training's batch shape (batch_size, seqlen) that --resume keeps."""
    with atomic_output(os.path.join(folder, HPARAMS_FILE)) as f:
        json.dump({"internal_size": internal_size, "layers": layers, "alphasize": alphasize,
                   "alphabet": ALPHABET, **training}, f, indent=1)


MAX_INTERNAL_SIZE = 8192  # what hparams.json may say: beyond, no machine of this project's kind holds the model
MAX_LAYERS = 64
MAX_BATCH_CHARACTERS = 2_000_000  # --batch-size x --seqlen: a batch's activations stay a few GB at the default size


def _read_hparams(folder):
    """hparams.json as a dict, or UsageError (missing, unreadable, not an object)."""
    path = os.path.join(folder, HPARAMS_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            hparams = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: {folder} does not hold checkpoints saved by rnn_train.py") from None
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {path} ({e}): the checkpoint folder is damaged") from None
    if not isinstance(hparams, dict):
        raise UsageError(f"{path} is not a JSON object: not saved by rnn_train.py")
    return hparams


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def load_training_shape(folder):
    """{"batch_size": ..., "seqlen": ...} as saved in hparams.json ({} for folders saved before they were)."""
    try:
        hparams = _read_hparams(folder)
    except UsageError:
        return {}
    shape = {k: hparams[k] for k in ("batch_size", "seqlen") if _whole_number(hparams.get(k)) and hparams[k] >= 1}
    if len(shape) == 2 and shape["batch_size"] * shape["seqlen"] > MAX_BATCH_CHARACTERS:
        raise UsageError(f"{os.path.join(folder, HPARAMS_FILE)}: batch_size {shape['batch_size']} x seqlen "
                         f"{shape['seqlen']} is over {MAX_BATCH_CHARACTERS:,} characters a batch: the file is damaged")
    return shape


def load_model_size(folder):
    """{"internal_size": ..., "layers": ...}, the arguments Model(...) takes, from the folder's hparams.json,
    checked (types and ranges: nothing is built from a number no model of this kind can have); a missing or
    damaged file is one line naming it and the field. check_weights() then compares it with the weights."""
    path = os.path.join(folder, HPARAMS_FILE)
    hparams = _read_hparams(folder)
    for key, limit in (("internal_size", MAX_INTERNAL_SIZE), ("layers", MAX_LAYERS)):
        value = hparams.get(key)
        if key not in hparams:
            raise UsageError(f"{path} lacks {key}: not saved by rnn_train.py")
        if not _whole_number(value) or not 1 <= value <= limit:
            raise UsageError(f"{path}: {key} is {json.dumps(value)[:40]}, not a whole number from 1 to {limit:,}: "
                             "the file is damaged")
    if "alphasize" in hparams and hparams["alphasize"] != ALPHASIZE:
        raise UsageError(f"{path}: alphasize is {json.dumps(hparams['alphasize'])[:40]}, not {ALPHASIZE}: "
                         "a model of another alphabet")
    return {"internal_size": hparams["internal_size"], "layers": hparams["layers"]}


def expected_shapes(internal_size, layers):
    """The weights' names and shapes of a model of this size (rnn_model.Model's trainable variables)."""
    shapes = {}
    for i in range(layers):
        inputs = ALPHASIZE if i == 0 else internal_size
        shapes.update({f"gru{i}/W": (inputs, 3 * internal_size), f"gru{i}/U_gates": (internal_size, 2 * internal_size),
                       f"gru{i}/U_candidate": (internal_size, internal_size), f"gru{i}/b": (3 * internal_size,)})
    shapes.update({"softmax/W": (internal_size, ALPHASIZE), "softmax/b": (ALPHASIZE,)})
    return shapes


def saved_shapes(prefix):
    """{name: shape} of the weights a checkpoint or a model folder's weights.npz holds, read from their headers
    (nothing loaded); the optimizer's and the step counter's left out."""
    if prefix.endswith(WEIGHTS_FILE):
        shapes = {}
        try:
            with zipfile.ZipFile(prefix) as archive:
                for member in archive.namelist():
                    with archive.open(member) as f:
                        version = np.lib.format.read_magic(f)
                        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                            else np.lib.format.read_array_header_2_0
                        shape = read_header(f)[0]
                    shapes[member[:-len(".npy")] if member.endswith(".npy") else member] = tuple(shape)
        except (OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise UsageError(f"{prefix} is damaged ({e}): copy it again, or pass another --checkpoint") from None
        return shapes
    with readable(prefix) as path:
        try:
            listed = tf.train.list_variables(path)
        except (tf.errors.OpError, ValueError, IndexError) as e:
            raise UsageError(f"checkpoint {prefix} cannot be read ({first_line(e)})") from None
    return {name: tuple(shape) for name, shape in listed
            if name.startswith(("gru", "softmax/")) and "/Adam" not in name}


def check_weights(folder, prefix, model_size):
    """UsageError unless the weights of `prefix` are those of the model hparams.json describes: the same layers,
    the same sizes. Checked before any graph is built, so that a wrong hparams.json never builds a model of
    another size (a huge one), nor plays part of the weights (gibberish) or resumes without a layer."""
    saved = saved_shapes(prefix)
    wanted = expected_shapes(**model_size)
    if saved == wanted:
        return
    layers = len([name for name in saved if name.endswith("/U_candidate")])
    units = saved.get("gru0/U_candidate", ("?",))[0]
    raise UsageError(f"{os.path.join(folder, HPARAMS_FILE)} says {model_size['layers']} layers of "
                     f"{model_size['internal_size']} units, but {prefix} holds {layers} layers of {units} units: "
                     f"the folder's {HPARAMS_FILE} does not match its weights; copy the folder again, or correct it")


# ------------------------------------------------------------------------------------------------
# One training run at a time in a folder
# ------------------------------------------------------------------------------------------------

LOCK_FILE = ".rnn_train.lock"


@contextlib.contextmanager
def lock(folder):
    """Hold the folder for one rnn_train.py run: a second one on the same folder stops with one line instead of
    mixing its checkpoints and hparams.json with the first's. The lock file holds the process id; one left by
    a process that no longer runs (killed, crashed) is recognised and taken over. Released on any exit."""
    path = os.path.join(folder, LOCK_FILE)
    mine = f"{path}.{os.getpid()}"
    with open(mine, "w") as f:  # the process id first, then linked into place: never an empty lock file
        f.write(str(os.getpid()))
    while True:
        try:
            os.link(mine, path)  # atomic, and fails when the lock exists
            os.remove(mine)
            break
        except FileExistsError:
            owner = _lock_owner(path)
            if owner is not None and owner != os.getpid() and _running(owner):
                os.remove(mine)
                raise UsageError(f"{folder} is in use by another rnn_train.py (process {owner}): wait until it ends, "
                                 "or pass --checkpoint-dir NEW_FOLDER") from None
            with contextlib.suppress(FileNotFoundError):  # stale: its process is gone
                os.remove(path)
        except BaseException:
            os.remove(mine)
            raise
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def _lock_owner(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or cannot be told: assume it runs
    return True


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
            found.append((int(match.group(1)), index[:-len(".index")]))
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
            alias = os.path.join(folder, "checkpoint" + path[len(prefix):])
            try:
                os.symlink(os.path.abspath(path), alias)
            except OSError:
                shutil.copy(path, alias)
        yield os.path.join(folder, "checkpoint")


def problem(prefix):
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
        why = problem(prefix)
        if why is None:
            if damaged:
                names = ", ".join(f"{os.path.basename(p)} ({w})" for p, w in damaged)
                print(f"warning: cannot load {names}: using {os.path.basename(prefix)}, the newest complete "
                      "checkpoint", file=sys.stderr, flush=True)
            return prefix
        damaged.append((prefix, why))
    if damaged:
        newest, why = damaged[0]
        older = f", nor the {len(damaged) - 1} older ones" if len(damaged) > 1 else ""
        raise UsageError(f"no complete checkpoint in {folder}: {os.path.basename(newest)} cannot be "
                         f"loaded ({why}){older}; train a new model with rnn_train.py --checkpoint-dir NEW_FOLDER")
    return None


def holds_a_checkpoint_run(folder):
    """Whether the folder holds checkpoints or milestones of a training run (not only a model's files)."""
    return bool(find(folder)) or any(os.path.exists(os.path.join(folder, name))
                                     for name in (MILESTONES_FILE, MILESTONES_DIR))


def holds_a_run(folder):
    """Whether the folder holds a training run, or what is left of one: checkpoints, milestones, hparams.json.
    A new run there would take over the old one's milestones (--replay would mix the two)."""
    return holds_a_checkpoint_run(folder) or os.path.exists(os.path.join(folder, HPARAMS_FILE))


SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "shakespeare")


def refuse_shipped_model(path, flag, instead):
    """UsageError when `path` is the shipped model's folder or inside it, compared by real path (whatever its
    spelling): no command writes there. instead: where to go, in words."""
    real, shipped = os.path.realpath(path), os.path.realpath(SHIPPED_MODEL)
    if real == shipped or real.startswith(shipped + os.sep):
        raise UsageError(f"{flag} {path} is the trained model shipped with the project, which no command "
                         f"overwrites: {instead}")


def refuse_model_folder(path, flag):
    """UsageError when `path` is the shipped model's folder, or another model folder (rnn_play.py --export's):
    training never writes into one."""
    refuse_shipped_model(path, flag, "pass a folder of your own, e.g. models/mine")
    if os.path.isdir(path) and is_model_folder(path):
        raise UsageError(f"{flag} {path} is a model folder (rnn_play.py --export wrote it): pass another folder")


def is_model_folder(path):
    return os.path.isfile(os.path.join(path, WEIGHTS_FILE))


def for_playing(path):
    """(checkpoint prefix, its folder) for a folder (its newest complete checkpoint) or one checkpoint.
    For a model folder, the "prefix" is its weights.npz."""
    if os.path.isdir(path) and is_model_folder(path):
        return os.path.join(path, WEIGHTS_FILE), path
    if os.path.isdir(path):
        newest = newest_complete(path)
        if newest is None:
            raise UsageError(f"no checkpoint in {path}: train one with rnn_train.py, or pass --checkpoint PATH")
        return newest, path
    if os.path.exists(path + ".index"):
        why = problem(path)
        if why:
            raise UsageError(f"checkpoint {path} cannot be loaded ({why}): pass another one, or its folder "
                             "for the newest complete one")
        folder = os.path.dirname(path) or "."
        if os.path.basename(os.path.abspath(folder)) == MILESTONES_DIR:  # a milestone: hparams.json is above
            folder = os.path.dirname(os.path.abspath(folder))
        return path, folder
    raise UsageError(f"no checkpoint at {path}: pass a checkpoint folder, or a checkpoint such as "
                     f"checkpoints/{CHECKPOINT_NAME}-5000 (without .index)")


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
    kept = (f"the newest complete checkpoint is {CHECKPOINT_NAME}-{saved[-1]}, so the {step - saved[-1]} steps "
            "since were not saved" if saved else f"no checkpoint was saved: the {step} steps were not saved")
    return f"cannot save the {what} of step {step} into {folder} ({first_line(error)}): {kept}; " \
           "free some space, then continue with --resume"


def remove_old(folder, step, keep=KEEP_CHECKPOINTS):
    """Delete all but the `keep` newest checkpoints up to `step` (this run's or a resumed run's).

    Not the Saver's max_to_keep: it only knows the checkpoints saved by this process, so every --resume
    would leave the previous run's behind."""
    saved = [prefix for saved_step, prefix in find(folder) if saved_step <= step]
    for prefix in saved[:-keep]:
        for path in glob.glob(glob.escape(prefix) + ".*"):  # .index, .data-00000-of-00001, .meta
            os.remove(path)


def restore(sess, checkpoint_saver, prefix, model_size):
    """saver.restore() (or the weights of a model folder), with one line when the checkpoint was saved by a
    model of another size."""
    if prefix.endswith(WEIGHTS_FILE):
        return restore_exported(sess, prefix, model_size)
    try:
        with readable(prefix) as path:
            checkpoint_saver.restore(sess, path)
    except (tf.errors.OpError, IndexError, ValueError) as e:
        raise UsageError(f"checkpoint {prefix} does not match the model of {HPARAMS_FILE} (internal size "
                         f"{model_size['internal_size']}, {model_size['layers']} layers): {first_line(e)}") from None


def export(sess, variables, folder, dtype=np.float16):
    """Write the variables' values into folder/weights.npz, by name, in dtype (float16: half the size)."""
    values = {variable.op.name: value.astype(dtype) for variable, value in zip(variables, sess.run(variables))}
    with atomic_output(os.path.join(folder, WEIGHTS_FILE), "wb") as f:
        np.savez_compressed(f, **values)
    return os.path.join(folder, WEIGHTS_FILE)


def restore_exported(sess, path, model_size):
    """Load a model folder's weights.npz into the graph's model variables (its trainable ones, matched by
    name), as float32."""
    try:
        with np.load(path) as saved:
            for variable in tf.trainable_variables():
                name = variable.op.name
                if name not in saved.files:
                    raise ValueError(f"it has no {name}")
                value = saved[name]
                if tuple(value.shape) != tuple(variable.shape.as_list()):
                    raise ValueError(f"{name} is {list(value.shape)}, the model's is {variable.shape.as_list()}")
                value = value.astype(np.float32)
                if not np.isfinite(value).all():
                    raise UsageError(f"{path} is damaged: {name} holds NaN or infinite values; copy the model "
                                     "folder again, or pass another --checkpoint")
                variable.load(value, sess)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise UsageError(f"{path} is damaged ({e}): copy it again, or pass another --checkpoint") from None
    except (OSError, ValueError, KeyError) as e:
        raise UsageError(f"{path} does not match the model of {HPARAMS_FILE} (internal size "
                         f"{model_size['internal_size']}, {model_size['layers']} layers): {first_line(e)}") from None


def describe_training(folder, prefix):
    """What is known of the training of checkpoint `prefix` in folder: its step and epochs, its validation loss
    (when a milestone was saved at its step) and the milestones' curve up to it."""
    step = int(re.search(r"-(\d+)$", prefix).group(1))
    curve = [{k: m[k] for k in ("step", "epoch", "validation_loss")}
             for m in milestones(folder, fall_back=False) if m["step"] <= step]
    per_step = [m["epoch"] / m["step"] for m in curve if m["epoch"] is not None]
    at_step = [m["validation_loss"] for m in curve if m["step"] == step]
    return {"checkpoint": os.path.basename(prefix), "steps": step,
            "epochs": round(step * per_step[-1], 2) if per_step else None,
            "validation_loss": at_step[0] if at_step else None, "curve": curve}


def save_training_record(folder, record):
    with atomic_output(os.path.join(folder, TRAINING_FILE)) as f:
        json.dump(record, f, indent=1)


def training_record(folder):
    """The model folder's training.json, or None (a checkpoint folder, or a record that cannot be read)."""
    try:
        with open(os.path.join(folder, TRAINING_FILE)) as f:
            record = json.load(f)
        if isinstance(record.get("steps"), int) and isinstance(record.get("epochs"), (int, float)) \
                and isinstance(record.get("validation_loss"), (int, float)):
            return record
    except (OSError, ValueError, AttributeError):
        pass
    return None


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
    doubling = FIRST_MILESTONE <= step <= LAST_DOUBLING and step % FIRST_MILESTONE == 0 \
        and (step // FIRST_MILESTONE) & (step // FIRST_MILESTONE - 1) == 0  # a power of 2 times 25
    return doubling or (step > 0 and step % MILESTONE_EVERY == 0)


def save_milestone(sess, weights_saver, folder, step, epoch, validation_loss):
    """The weights only (no optimizer state: a third of a checkpoint's size), and what they had reached."""
    try:
        prefix = weights_saver.save(sess, os.path.join(folder, MILESTONES_DIR, MILESTONE_NAME), global_step=step,
                                    write_meta_graph=False, write_state=False)
    except (tf.errors.OpError, OSError) as e:
        _remove(os.path.join(glob.escape(folder), MILESTONES_DIR, f"{MILESTONE_NAME}-{step}*"))
        raise UsageError(_cannot_save("milestone", folder, step, e)) from None
    recorded = [m for m in milestones(folder, fall_back=False) if m["step"] != step]
    recorded.append({"step": step, "epoch": round(epoch, 4), "validation_loss": validation_loss,
                     "checkpoint": os.path.relpath(prefix, folder)})
    with atomic_output(os.path.join(folder, MILESTONES_FILE)) as f:
        json.dump(sorted(recorded, key=lambda m: m["step"]), f, indent=1)
    print(f"milestone saved: step {step}", flush=True)


def _check_milestone(m):
    """Raise ValueError unless m is a milestone record: step (int), epoch and validation_loss (numbers or
    null), checkpoint (a file name inside the folder)."""
    number = (int, float)
    if not (isinstance(m, dict) and isinstance(m.get("step"), int) and not isinstance(m["step"], bool)
            and (m.get("epoch") is None or isinstance(m["epoch"], number))
            and (m.get("validation_loss") is None or isinstance(m["validation_loss"], number))
            and isinstance(m.get("checkpoint"), str)):
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
        raise UsageError(f"cannot read {path} ({e}): the checkpoint folder is damaged; delete {path} to train or "
                         "play without its milestones") from None
    if not found and fall_back:
        found = [{"step": step, "epoch": None, "validation_loss": None, "prefix": prefix}
                 for step, prefix in find(folder)]
    return sorted(found, key=lambda m: m["step"])
