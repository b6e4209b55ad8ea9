"""One training run at a time in a checkpoint folder: rnn_train.py holds the folder with `with
folderlock.lock(folder):`, and a second run on the same folder stops with one line instead of mixing its
checkpoints and hparams.json with the first's.
"""

import contextlib
import os

from cli import UsageError


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
                raise UsageError(
                    f"{folder} is in use by another rnn_train.py (process {owner}): wait until it ends, "
                    "or pass --checkpoint-dir NEW_FOLDER"
                ) from None
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
