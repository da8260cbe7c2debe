"""Hostile inputs, generated (never committed as files): what an attacker posts or
uploads to slip past matching, stall the bot or exhaust its memory.

Each maker is small and deterministic. ``python -m tests.hostile.corpus DIR``
writes the media ones to DIR, to try them by hand (``blockfirst scan DIR``).
"""

import io
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = [
    "MEDIA",
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
