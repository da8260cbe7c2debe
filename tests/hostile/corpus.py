"""Hostile inputs, generated (never committed as files): what an attacker posts or
uploads to slip past matching, stall the bot or exhaust its memory.

Each maker is small and deterministic. ``python -m tests.hostile.corpus DIR``
writes the media ones to DIR, to try them by hand (``blockfirst scan DIR``).
"""

import io
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "MEDIA",
    "big_picture",
    "decode_growth",
    "float_tiff",
    "gif_canvas_growth",
    "gif_many_frames",
    "jpeg_sniffed_as_mp4",
    "sixteen_bit",
]

# The smallest LZW stream of one pixel (minimum code size 2: clear, 0, end).
_ONE_PIXEL = b"\x02\x02\x44\x01\x00"


def jpeg_sniffed_as_mp4(jpeg: bytes) -> bytes:
    """The same JPEG with a comment segment 0x6674 bytes long right after SOI, so
    bytes 4-8 read ``ftyp``: every decoder shows the photo, a magic-byte check
    calls it an MP4."""
    assert jpeg[:2] == b"\xff\xd8"
    payload = b"yp" + b"\x00" * (0x6674 - 2 - 2)
    return b"\xff\xd8\xff\xfe" + struct.pack(">H", 0x6674) + payload + jpeg[2:]


def sixteen_bit(image: Image.Image, fmt: str = "PNG") -> bytes:
    """A 16-bit grayscale copy (every 8-bit value times 257) in PNG or TIFF."""
    gray = np.asarray(image.convert("L"), dtype=np.uint16) * 257
    out = io.BytesIO()
    Image.fromarray(gray).save(out, format=fmt)  # mode I;16
    return out.getvalue()


def float_tiff(image: Image.Image) -> bytes:
    """A 32-bit float grayscale TIFF with samples from 0 to 1."""
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255
    out = io.BytesIO()
    Image.fromarray(gray).save(out, format="TIFF")  # mode F
    return out.getvalue()


def _gif(width: int, height: int, frames: list[tuple[int, int, int, int]]) -> bytes:
    """A GIF of ``frames`` (left, top, width, height, each one pixel of data) on a
    logical screen of ``width`` x ``height``; each frame lasts 10 ms."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0))
    out += b"\x00\x00\x00\xff\xff\xff"  # a global palette of two colours
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for left, top, w, h in frames:
        out += b"\x21\xf9\x04\x04\x01\x00\x00\x00"  # 10 ms, keep the previous frame
        out += b"\x2c" + struct.pack("<HHHHB", left, top, w, h, 0) + _ONE_PIXEL
    return bytes(out + b"\x3b")


def gif_many_frames(side: int = 7000, frames: int = 3000) -> bytes:
    """~60 KB: a 49-megapixel screen and thousands of 1x1 frames. Composited
    naively, each frame costs the whole screen (hours of work)."""
    return _gif(side, side, [(i % side, 0, 1, 1) for i in range(frames)])


def gif_canvas_growth() -> bytes:
    """Under 100 bytes: a 1x1 screen whose second frame sits at (13000, 13000),
    which grows the canvas to 169 megapixels (~2 GB when decoded)."""
    return _gif(1, 1, [(0, 0, 1, 1), (13000, 13000, 1, 1)])


def big_picture(fmt: str, mode: str, side: int) -> bytes:
    """A compressible ``side`` x ``side`` picture: a small file, a large decode."""
    image = Image.new("RGB", (side, side), (30, 60, 90))
    draw = ImageDraw.Draw(image)
    for i in range(0, side, side // 20):
        draw.ellipse((i, i, i + side // 8, i + side // 12), fill=(i % 255, 200, 100))
    out = io.BytesIO()
    if mode == "I;16":
        wide = (np.asarray(image.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
        Image.fromarray(wide).save(out, format=fmt)
    else:
        extra = {"compression": "tiff_deflate"} if fmt == "TIFF" else {}
        image.convert(mode).save(out, format=fmt, **extra)
    return out.getvalue()


# VmHWM, not ru_maxrss: Linux carries a parent's ru_maxrss into a child across fork
# and exec, so a child of a large process would report no growth at all.
_GROWTH = """
import io, sys
from pathlib import Path
from PIL import Image
from core.media.hashing import hash_media  # imported before the measurement starts
def peak():
    status = Path("/proc/self/status").read_text()
    return int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
data = Path(sys.argv[1]).read_bytes()
before = peak()
if sys.argv[2] == "pillow":
    Image.MAX_IMAGE_PIXELS = None
    Image.open(io.BytesIO(data)).load()
    note = ""
else:
    note = hash_media(data).error or ""
print((peak() - before) * 1024, note[:80])
"""


def decode_growth(path: Path, how: str = "hash_media") -> tuple[int, str]:
    """How many bytes a fresh process's peak memory grows while ``how`` (``hash_media``,
    or ``pillow``: Pillow alone loading it) decodes the file, and any error."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _GROWTH, str(path), how],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    grown, _, note = done.stdout.strip().partition(" ")
    return int(grown), note


def _photo() -> Image.Image:
    from skimage import data

    return Image.fromarray(np.asarray(data.astronaut())).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


MEDIA: dict[str, Callable[[], bytes]] = {
    "jpeg_sniffed_as_mp4.jpg": lambda: jpeg_sniffed_as_mp4(_jpeg(_photo())),
    "sixteen_bit.png": lambda: sixteen_bit(_photo(), "PNG"),
    "sixteen_bit.tiff": lambda: sixteen_bit(_photo(), "TIFF"),
    "float.tiff": lambda: float_tiff(_photo()),
    "gif_many_frames.gif": gif_many_frames,
    "gif_canvas_growth.gif": gif_canvas_growth,
}


def main(folder: str) -> None:
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for name, make in MEDIA.items():
        (root / name).write_bytes(make())
        print(root / name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
