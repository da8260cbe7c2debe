"""Test videos generated with FFmpeg (never committed): a source clip and its edits."""

import shutil
import subprocess
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

__all__ = ["VARIANTS", "video"]

FFMPEG = shutil.which("ffmpeg")

# A fractal zoom: detailed and moving, like footage (testsrc2's flat synthetic
# pattern moves ~76 PDQ bits when merely palettised to GIF).
_SOURCE = ["-t", "10", "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25"]
_H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast"]
VARIANTS: dict[str, list[str]] = {
    "source": [*_SOURCE, *_H264, "-b:v", "1M"],
    "low_bitrate": [*_SOURCE, *_H264, "-b:v", "80k"],
    "resized": [*_SOURCE, "-vf", "scale=320:180", *_H264],
    "trimmed_20": [*_SOURCE, "-vf", "trim=start=1:end=9,setpts=PTS-STARTPTS", *_H264],
    # a semi-transparent mark in a corner, as re-posters stamp their logo
    "watermarked": [
        *_SOURCE,
        "-vf",
        "drawbox=x=iw-100:y=ih-30:w=90:h=20:color=white@0.4:t=fill",
        *_H264,
    ],
    "unrelated": ["-t", "10", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", *_H264],
    "black": ["-t", "3", "-f", "lavfi", "-i", "color=black:size=640x360:rate=25", *_H264],
}


@cache
def video(name: str, suffix: str = ".mp4") -> bytes:
    """The bytes of a generated clip (``suffix`` .gif: the source as an animated GIF)."""
    assert FFMPEG, "ffmpeg is needed (see .ci/run)"
    args = VARIANTS[name] if suffix == ".mp4" else [*_SOURCE, "-vf", "fps=5,scale=320:-1"]
    if suffix == ".webp":
        args = [*args, "-loop", "0"]
    with TemporaryDirectory() as folder:
        out = Path(folder) / f"clip{suffix}"
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", *args, str(out)], check=True)
        return out.read_bytes()
