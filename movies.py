"""Movies: a live figure's pictures recorded as they are drawn, as an animated .gif or an .mp4.

start_movie() checks the path (a .gif, or an .mp4 where ffmpeg is installed) and returns a recorder that
writes to a hidden partial file beside it; the owner adds each picture (add), then finishes (the partial file
complete, for the owner to move into place) or aborts (nothing left behind). A GIF is kept in bounded memory
(GifRecorder thins it as it grows), an .mp4 is piped to ffmpeg as it comes (Mp4Recorder).
"""

import os
import shutil
import subprocess

import matplotlib

MOVIE_DPI = 60  # a movie's frames: 13 x 7.5 inches at 60 dots: 780 x 450
MOVIE_FPS = 10


def start_movie(path, figure):
    """A recorder for the movie at `path` (.gif, or .mp4 with ffmpeg), writing to a hidden partial file
    beside it; ValueError, with the flag's name, when it cannot be."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".gif", ".mp4"):
        raise ValueError(f"--save-movie {path}: the movie must be a .gif or an .mp4 file.")
    if extension == ".mp4" and not shutil.which(matplotlib.rcParams["animation.ffmpeg_path"]):
        raise ValueError(
            f"--save-movie {path}: recording .mp4 needs ffmpeg, which is not installed. "
            "Install ffmpeg, or record a .gif instead."
        )
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise ValueError(f"--save-movie {path}: cannot write there ({e.strerror or e})") from None
    stem = os.path.splitext(os.path.basename(path))[0]
    partial = os.path.join(folder, f".{stem}.partial{extension}")
    width, height = (int(round(v * MOVIE_DPI)) for v in figure.get_size_inches())
    return (GifRecorder if extension == ".gif" else Mp4Recorder)(partial, (width, height), MOVIE_FPS)


class GifRecorder:
    """Records an animated GIF picture by picture in bounded memory: each frame kept in the GIF's own
    256-colour form, and past max_frames every other frame dropped and only one picture in 2 (then 4...)
    kept, so the movie always spans the whole run; `kept_one_in` says how thinned it is."""

    def __init__(self, partial, size, fps, max_frames=300):
        self.partial, self.size, self.fps, self.max_frames = partial, size, fps, max_frames
        self.kept_one_in = 1
        self._frames, self._added = [], 0

    def add(self, pixels):
        """One picture: [height, width, 3] uint8, resized to the movie's size."""
        from PIL import Image

        self._added += 1
        if (self._added - 1) % self.kept_one_in:
            return
        frame = Image.fromarray(pixels)
        if frame.size != self.size:
            frame = frame.resize(self.size, Image.Resampling.BILINEAR)
        self._frames.append(frame.quantize(256, method=Image.Quantize.FASTOCTREE))
        if len(self._frames) > self.max_frames:
            self._frames = self._frames[::2]
            self.kept_one_in *= 2

    def finish(self):
        if self._frames:
            self._frames[0].save(
                self.partial,
                format="GIF",
                save_all=True,
                append_images=self._frames[1:],
                duration=int(1000 / self.fps),
                loop=0,
            )
        self._frames = []

    def abort(self):
        self._frames = []
        if os.path.exists(self.partial):
            os.remove(self.partial)


class Mp4Recorder:
    """Records an .mp4 picture by picture: the frames piped to ffmpeg as they come (no memory kept)."""

    max_frames = kept_one_in = 1

    def __init__(self, partial, size, fps):
        self.partial, self.size = partial, (size[0] // 2 * 2, size[1] // 2 * 2)  # H.264 wants even sizes
        command = [
            matplotlib.rcParams["animation.ffmpeg_path"],
            "-y",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{self.size[0]}x{self.size[1]}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mp4",
            partial,
        ]
        self._ffmpeg = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def add(self, pixels):
        from PIL import Image

        frame = Image.fromarray(pixels)
        if frame.size != self.size:
            frame = frame.resize(self.size, Image.Resampling.BILINEAR)
        self._ffmpeg.stdin.write(frame.tobytes())

    def finish(self):
        _, errors = self._ffmpeg.communicate()
        if self._ffmpeg.returncode:
            raise OSError(f"ffmpeg failed: {errors.decode(errors='replace').strip()[-200:]}")

    def abort(self):
        if self._ffmpeg.poll() is None:
            self._ffmpeg.kill()
            self._ffmpeg.wait()
        if os.path.exists(self.partial):
            os.remove(self.partial)
