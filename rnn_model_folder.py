"""A model folder: the compact form of one checkpoint, for playing and scoring, not for --resume. rnn_play.py
--export writes one; models/shakespeare/, the trained model shipped with the project, is one.

    weights.npz      the weights only, by variable name, in float16 (half the size; restored as float32)
    hparams.json     the model's size (rnn_hparams.py)
    training.json    how far it was trained: the step and epochs, its validation loss, the milestones' curve

rnn_checkpoints.py finds a model folder's weights as it finds a checkpoint, and says in one line what is wrong
with weights that cannot be read (the exceptions of weight_shapes() and load_weights()).
"""

import json
import os
import zipfile

import numpy as np

from cli import UsageError, atomic_output
from graphmode import tf

WEIGHTS_FILE = "weights.npz"
TRAINING_FILE = "training.json"
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "shakespeare")


def is_model_folder(path):
    return os.path.isfile(os.path.join(path, WEIGHTS_FILE))


def refuse_shipped_model(path, flag, instead):
    """UsageError when `path` is the shipped model's folder or inside it, compared by real path (whatever its
    spelling): no command writes there. instead: where to go, in words."""
    real, shipped = os.path.realpath(path), os.path.realpath(SHIPPED_MODEL)
    if real == shipped or real.startswith(shipped + os.sep):
        raise UsageError(
            f"{flag} {path} is the trained model shipped with the project, which no command overwrites: {instead}"
        )


def weight_shapes(path):
    """{name: shape} of the weights weights.npz holds, read from the arrays' headers (nothing loaded). A damaged
    file raises what zipfile, zlib or NumPy raise."""
    shapes = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                read_header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape = read_header(f)[0]
            shapes[member[: -len(".npy")] if member.endswith(".npy") else member] = tuple(shape)
    return shapes


def write_weights(sess, variables, folder, dtype=np.float16):
    """Write the variables' values into folder/weights.npz, by name, in dtype (float16: half the size)."""
    values = {variable.op.name: value.astype(dtype) for variable, value in zip(variables, sess.run(variables))}
    with atomic_output(os.path.join(folder, WEIGHTS_FILE), "wb") as f:
        np.savez_compressed(f, **values)
    return os.path.join(folder, WEIGHTS_FILE)


def load_weights(sess, path):
    """Load weights.npz into the graph's model variables (its trainable ones, matched by name), as float32.
    Weights that do not fit the graph raise ValueError; a damaged file, what zipfile, zlib or NumPy raise; weights
    that are not numbers, UsageError."""
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
                raise UsageError(
                    f"{path} is damaged: {name} holds NaN or infinite values; copy the model "
                    "folder again, or pass another --checkpoint"
                )
            variable.load(value, sess)


def save_training_record(folder, record):
    with atomic_output(os.path.join(folder, TRAINING_FILE)) as f:
        json.dump(record, f, indent=1)


def training_record(folder):
    """The model folder's training.json, or None (a checkpoint folder, or a record that cannot be read)."""
    try:
        with open(os.path.join(folder, TRAINING_FILE)) as f:
            record = json.load(f)
        if (
            isinstance(record.get("steps"), int)
            and isinstance(record.get("epochs"), (int, float))
            and isinstance(record.get("validation_loss"), (int, float))
        ):
            return record
    except (OSError, ValueError, AttributeError):
        pass
    return None
