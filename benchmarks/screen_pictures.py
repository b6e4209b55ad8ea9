"""What a person watching the live window sees: the distinct pictures on screen while a lesson trains.

    python benchmarks/screen_pictures.py mnist_1.0_softmax.py [LESSON FLAGS...]
    python benchmarks/screen_pictures.py rnn_train.py [RNN_TRAIN FLAGS...]     (its live view, the same way)

Starts a real X server (Xvfb) unless DISPLAY is set, runs the lesson there with its live window (TkAgg),
and takes screenshots as fast as they come (about every 40 ms for a 1400 x 900 screen) from the lesson's
first printed step to its "max test accuracy" line: the training. Counts the screenshots that differ from
the one before: each is a new picture a person saw. Prints them, the training's seconds, their rate, and
the lesson's own count from its run summary. The screenshots take some of the CPU the lesson would have:
measure the dashboard's cost with dashboard_overhead.py, not here.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)
from cli import UsageError, run_main  # noqa: E402


def start_xvfb(screen="1400x900x24", timeout=30.0):
    """A fresh X server on a display number no one uses (Xvfb picks it and writes it to a pipe once it
    accepts connections); (display, process). UsageError where Xvfb is missing or does not start."""
    import select

    if not shutil.which("Xvfb"):
        raise UsageError("Xvfb is not installed (on Debian or Ubuntu: apt install xvfb)")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", screen],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    number = b""
    try:
        while not number.endswith(b"\n") and select.select([read_end], [], [], timeout)[0]:
            chunk = os.read(read_end, 16)
            if not chunk:  # Xvfb exited
                break
            number += chunk
    finally:
        os.close(read_end)
    if not number.strip().isdigit():
        process.terminate()
        raise UsageError(f"Xvfb did not start within {timeout:.0f} s")
    return f":{int(number)}", process


class ScreenWatcher:
    """Screenshots of `display` in a thread, from start() to stop(): how many differ from the one before."""

    def __init__(self, display):
        self.display = display
        self.changes = self.shots = 0
        self.error = None  # why screenshots stopped before stop(), if they did
        self._running = False
        self._thread = None

    def start(self):
        self._running = True
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self):
        self._running = False
        self.stopped = time.perf_counter()
        self._thread.join()

    def _watch(self):
        from PIL import ImageGrab

        last = None
        while self._running:
            try:
                screen = ImageGrab.grab(xdisplay=self.display)
            except OSError as e:
                self.error = f"screenshot of {self.display} failed: {e}"
                return
            digest = hashlib.blake2b(screen.tobytes(), digest_size=16).digest()
            self.shots += 1
            if last is not None and digest != last:
                self.changes += 1
            last = digest


# the lines that say, in a script's output, that training starts and that it ended
TRAINING_LINES = {"lesson": ("step", "max test accuracy"), "rnn_train.py": ("training steps", "trained ")}


def watch_lesson(script, flags, display, runs_dir):
    """Run a lesson (or rnn_train.py) with its live window on `display`, screenshots during its training.
    Returns (watcher, the script's output). Its run summary (or checkpoints) go to runs_dir."""
    env = dict(os.environ, DISPLAY=display, MPLBACKEND="TkAgg", PYTHONUNBUFFERED="1")
    if script == "rnn_train.py":
        outputs = [
            "--checkpoint-dir",
            os.path.join(runs_dir, "checkpoints"),
            "--log-dir",
            os.path.join(runs_dir, "log"),
        ]
    else:
        outputs = ["--runs-dir", runs_dir]
    command = [sys.executable, os.path.join(PROJECT_DIR, script), "--exit-at-end", *outputs, *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    watcher, lines = ScreenWatcher(display), []
    starts, ends = TRAINING_LINES.get(script, TRAINING_LINES["lesson"])
    for line in process.stdout:
        lines.append(line)
        if line.startswith(starts) and watcher._thread is None:
            watcher.start()  # the first measurement: training starts
        elif line.startswith(ends) and watcher._thread is not None:
            watcher.stop()
    process.wait()
    if watcher._thread is None or watcher._running:
        watcher._running = False
        raise UsageError(f"{script} did not train: {''.join(lines[-3:]).strip()}")
    return watcher, "".join(lines)


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return
    script, flags = sys.argv[1], sys.argv[2:]
    if not os.path.exists(os.path.join(PROJECT_DIR, script)):
        raise UsageError(f"{script}: no such lesson in {PROJECT_DIR}")
    display, xvfb = (os.environ["DISPLAY"], None) if os.environ.get("DISPLAY") else start_xvfb()
    runs_dir = tempfile.mkdtemp(prefix="screen-pictures-")
    try:
        watcher, output = watch_lesson(script, flags, display, runs_dir)
    finally:
        if xvfb:
            xvfb.terminate()
        import json

        summaries = [os.path.join(runs_dir, f) for f in os.listdir(runs_dir) if f.endswith(".json")]
        summary = json.load(open(summaries[0])) if summaries else {}
        shutil.rmtree(runs_dir, ignore_errors=True)
    seconds = watcher.stopped - watcher.started
    drew = [line for line in output.splitlines() if line.startswith("training view:")]
    print(
        f"{script} {' '.join(flags)}: {watcher.changes + 1} distinct pictures on screen in {seconds:.1f} s of "
        f"training ({(watcher.changes + 1) / seconds:.1f} a second; {watcher.shots} screenshots); "
        + (
            f"it says: {drew[-1]}"
            if drew
            else f"the lesson drew {summary.get('dashboard_pictures')} "
            f"({summary.get('dashboard_pictures_per_second')} a second of its loop)"
        )
    )


if __name__ == "__main__":
    run_main(main)
