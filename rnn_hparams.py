"""The RNN's hyperparameters in one record, HParams: the model's size and alphabet, and the batches and
arithmetic it trains with, the talk's values as defaults. Saved as a checkpoint folder's hparams.json (by
rnn_train.py; a model folder's, by rnn_play.py --export), read back by rnn_train.py --resume and rnn_play.py,
and checked once, here, as it is read: a number no model of this kind can have, or another alphabet, is one
line naming the file and the field (rnn_checkpoints.check_weights() then holds it against the weights).

    field           what                                        the talk's value
    internal_size   GRU units per layer                         INTERNALSIZE = 512
    layers          stacked GRU layers                          NLAYERS = 3
    alphasize       character codes (txtutils' alphabet)        ALPHASIZE = 98
    batch_size      sequences per batch      } how it trains,   BATCHSIZE = 200
    seqlen          characters per sequence  } which --resume   SEQLEN = 30
    precision       "float32" or "bfloat16"  } carries on       (rnn_train.py decides, from the CPU)

The last three are None where unknown: a model folder records the model alone, and older checkpoint folders
were saved before they were recorded.
"""

import dataclasses
import json
import os

from cli import UsageError, atomic_output
from txtutils import ALPHASIZE

INTERNALSIZE = 512  # GRU units per layer
NLAYERS = 3
SEQLEN = 30  # characters per sequence: the layers are unrolled over 30 time steps (training, validation)
BATCHSIZE = 200  # sequences per batch

HPARAMS_FILE = "hparams.json"
FLAGS = ("internal_size", "layers", "batch_size", "seqlen")  # rnn_train.py's flags: --internal-size, --layers...
ALPHABET = "0: unknown, 1: tab, 2: line feed, 3-97: ASCII 32-126 (txtutils)"  # in the file, for whoever reads it
PRECISIONS = ("float32", "bfloat16")
MAX_INTERNAL_SIZE = 8192  # what hparams.json may say: beyond, no machine of this project's kind holds the model
MAX_LAYERS = 64
MAX_BATCH_CHARACTERS = 2_000_000  # --batch-size x --seqlen: a batch's activations stay a few GB at the default size
MAX_BATCH_BYTES = 8e9  # what one batch's activations may take (an estimate, see batch_memory): a few GB at most


@dataclasses.dataclass(frozen=True)
class HParams:
    """What a model is and how it trains (see the module's docstring); Model(**hparams.model_size())."""

    internal_size: int = INTERNALSIZE
    layers: int = NLAYERS
    alphasize: int = ALPHASIZE
    batch_size: int | None = BATCHSIZE
    seqlen: int | None = SEQLEN
    precision: str | None = None

    def model_size(self):
        """The arguments rnn_model.Model(...) takes."""
        return {"internal_size": self.internal_size, "layers": self.layers}

    def model_only(self):
        """The model alone, as a model folder records it (how it was trained is in its training.json)."""
        return dataclasses.replace(self, batch_size=None, seqlen=None, precision=None)

    def check_memory(self):
        """UsageError, said before anything is built, when a training batch would not fit in memory."""
        check_batch_memory(
            self.batch_size * self.seqlen,
            self.internal_size,
            self.layers,
            flags=f"--batch-size {self.batch_size} x --seqlen {self.seqlen}",
        )

    def weight_shapes(self):
        """The weights' names and shapes of a model of this size (rnn_model.Model's trainable variables)."""
        shapes = {}
        units = self.internal_size
        for i in range(self.layers):
            inputs = self.alphasize if i == 0 else units
            shapes.update(
                {
                    f"gru{i}/W": (inputs, 3 * units),
                    f"gru{i}/U_gates": (units, 2 * units),
                    f"gru{i}/U_candidate": (units, units),
                    f"gru{i}/b": (3 * units,),
                }
            )
        shapes.update({"softmax/W": (units, self.alphasize), "softmax/b": (self.alphasize,)})
        return shapes


def batch_memory(batch_characters, internal_size, layers):
    """An estimate of the bytes one training batch of `batch_characters` (batch x seqlen) takes in float32: per
    character and layer, the gates' inputs and outputs, the candidate, the state and their gradients, about a
    dozen vectors of internal_size (the talk's 200 x 30 batch of 3 x 512: about 0.4 GB)."""
    return batch_characters * layers * internal_size * 4 * 12


def check_batch_memory(batch_characters, internal_size, layers, flags):
    """A one-line UsageError when one batch would take more than MAX_BATCH_BYTES: said before anything is built,
    not found out by the kernel's out-of-memory killer. flags: the flags that set the batch, in words."""
    needed = batch_memory(batch_characters, internal_size, layers)
    if needed > MAX_BATCH_BYTES:
        raise UsageError(
            f"{flags}: one batch of {batch_characters:,} characters through {layers} layers of "
            f"{internal_size} units would take about {needed / 1e9:.0f} GB of memory (at most "
            f"{MAX_BATCH_BYTES / 1e9:.0f} GB): lower them"
        )


def from_flags(args):
    """A new run's HParams: rnn_train.py's flags (args.internal_size...: None where left out), the talk's values
    for those left out."""
    return HParams(**{key: getattr(args, key) for key in FLAGS if getattr(args, key) is not None})


def resumed(saved, args, folder):
    """The HParams that --resume carries on with: saved (the run's hparams.json), which rnn_train.py's flags (args)
    may repeat, not contradict. A batch shape the folder does not record (saved before it was): the flags', else
    the talk's."""
    for key in FLAGS:
        flag, given, recorded = "--" + key.replace("_", "-"), getattr(args, key), getattr(saved, key)
        if given is not None and recorded is not None and recorded != given:
            raise UsageError(
                f"--resume: the checkpoints in {folder} have {flag} {recorded}, not {given}: "
                f"leave {flag} out (--resume reads it from {HPARAMS_FILE})"
            )
    return dataclasses.replace(
        saved, batch_size=args.batch_size or saved.batch_size or BATCHSIZE, seqlen=args.seqlen or saved.seqlen or SEQLEN
    )


def save(folder, hparams):
    """hparams.json: the model's size and alphabet, then what is known of how it trains."""
    record = {
        "internal_size": hparams.internal_size,
        "layers": hparams.layers,
        "alphasize": hparams.alphasize,
        "alphabet": ALPHABET,
    }
    record.update(
        {
            key: getattr(hparams, key)
            for key in ("batch_size", "seqlen", "precision")
            if getattr(hparams, key) is not None
        }
    )
    with atomic_output(os.path.join(folder, HPARAMS_FILE)) as f:
        json.dump(record, f, indent=1)


def load(folder):
    """The folder's hparams.json as HParams, checked (types and ranges: nothing is built from a number no model
    of this kind can have); a missing or damaged file is one line naming it and the field. The batch shape and
    the precision are None where the file does not record them (or records something they cannot be)."""
    path = os.path.join(folder, HPARAMS_FILE)
    saved = _read(folder, path)
    for key, limit in (("internal_size", MAX_INTERNAL_SIZE), ("layers", MAX_LAYERS)):
        value = saved.get(key)
        if key not in saved:
            raise UsageError(f"{path} lacks {key}: not saved by rnn_train.py")
        if not _whole_number(value) or not 1 <= value <= limit:
            raise UsageError(
                f"{path}: {key} is {json.dumps(value)[:40]}, not a whole number from 1 to {limit:,}: "
                "the file is damaged"
            )
    if "alphasize" in saved and saved["alphasize"] != ALPHASIZE:
        raise UsageError(
            f"{path}: alphasize is {json.dumps(saved['alphasize'])[:40]}, not {ALPHASIZE}: a model of another alphabet"
        )
    shape = {key: saved[key] for key in ("batch_size", "seqlen") if _whole_number(saved.get(key)) and saved[key] >= 1}
    if len(shape) == 2 and shape["batch_size"] * shape["seqlen"] > MAX_BATCH_CHARACTERS:
        raise UsageError(
            f"{path}: batch_size {shape['batch_size']} x seqlen {shape['seqlen']} is over "
            f"{MAX_BATCH_CHARACTERS:,} characters a batch: the file is damaged"
        )
    precision = saved.get("precision")
    return HParams(
        internal_size=saved["internal_size"],
        layers=saved["layers"],
        batch_size=shape.get("batch_size"),
        seqlen=shape.get("seqlen"),
        precision=precision if precision in PRECISIONS else None,
    )


def _read(folder, path):
    """hparams.json as a dict, or UsageError (missing, unreadable, not an object)."""
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: {folder} does not hold checkpoints saved by rnn_train.py") from None
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {path} ({e}): the checkpoint folder is damaged") from None
    if not isinstance(saved, dict):
        raise UsageError(f"{path} is not a JSON object: not saved by rnn_train.py")
    return saved


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)
