"""What a file is, read from its structure rather than from a few magic bytes (pure).

An attacker chooses the first bytes of a file. A JPEG whose first APP1 segment
is 0x6674 bytes long carries ``ftyp`` at offset 4, which a magic-byte check
takes for an MP4, and a photo sniffed as a video skips image matching. So a
container is recognised by walking its structure, and a GIF's frame count,
canvas and durations are read from its headers before any pixel is decoded:
the work an animation would cost is known, and bounded, before it is done.
Every walk here is linear in the bytes and allocates nothing proportional to
what a header claims.
"""

import struct
from dataclasses import dataclass

__all__ = ["GifLayout", "gif_layout", "mp4_duration", "video_container"]

_MAX_BOXES = 4096
_BOX_TYPE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_")
_BRAND = frozenset(range(0x20, 0x7F))
_EBML = b"\x1a\x45\xdf\xa3"


def video_container(data: bytes) -> str | None:
    """``mp4`` (ISO BMFF: MP4, MOV, 3GP), ``matroska`` (and WebM), ``avi`` or
    ``flv`` when ``data`` is structured as one, else None."""
    if _iso_boxes(data) is not None:
        return "mp4"
    if data.startswith(_EBML) and len(data) > 8:
        return "matroska"
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return "avi"
    if data[:3] == b"FLV" and data[3:4] == b"\x01" and len(data) >= 9:
        return "flv"
    return None


def _iso_boxes(data: bytes) -> list[tuple[bytes, int, int]] | None:
    """Top-level boxes as (type, start, end) when ``data`` begins with a valid
    ``ftyp`` box and every following header is well formed; else None."""
    boxes: list[tuple[bytes, int, int]] = []
    offset = 0
    while offset + 8 <= len(data) and len(boxes) < _MAX_BOXES:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1 and offset + 16 <= len(data):
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:
            size = len(data) - offset
        if size < header or not set(kind) <= _BOX_TYPE:
            return None
        boxes.append((kind, offset + header, offset + size))
        offset += size
    if not boxes or not _valid_ftyp(data, *boxes[0]):
        return None
    return boxes


def _valid_ftyp(data: bytes, kind: bytes, start: int, end: int) -> bool:
    """``ftyp``: a major brand, a version and whole compatible brands, all printable."""
    if kind != b"ftyp" or not 16 <= end - start + 8 <= 1024 or (end - start - 8) % 4:
        return False
    brands = data[start : start + 4] + data[start + 8 : end]
    return len(brands) == end - start - 4 and set(brands) <= _BRAND


def mp4_duration(data: bytes) -> float | None:
    """The movie's duration in seconds from its ``moov/mvhd`` header, if it has one."""
    boxes = _iso_boxes(data)
    moov = next(((s, e) for kind, s, e in boxes or () if kind == b"moov"), None)
    if moov is None:
        return None
    offset, end = moov[0], min(moov[1], len(data))
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size < 8:
            return None
        if kind == b"mvhd" and offset + 40 <= end:
            version = data[offset + 8]
            fmt = ">IQ" if version == 1 else ">II"
            at = offset + (28 if version == 1 else 20)
            scale, duration = struct.unpack_from(fmt, data, at)
            return duration / scale if scale else None
        offset += size
    return None


@dataclass(frozen=True, slots=True)
class GifLayout:
    """A GIF as its headers describe it. ``width`` and ``height`` are the canvas
    after frames that extend past the logical screen grow it (as decoders do)."""

    width: int
    height: int
    durations_ms: tuple[int, ...]  # one per frame

    @property
    def frames(self) -> int:
        return len(self.durations_ms)


def gif_layout(data: bytes) -> GifLayout | None:
    """Read a GIF's frames and extents without decoding a pixel; None if not a GIF
    (or so broken that no frame header can be read)."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return None
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    offset = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    durations: list[int] = []
    delay = 0
    while offset < len(data):
        block = data[offset]
        if block == 0x21 and offset + 1 < len(data):  # extension
            label = data[offset + 1]
            if label == 0xF9 and offset + 7 < len(data):
                delay = struct.unpack_from("<H", data, offset + 4)[0] * 10
            offset = _skip_sub_blocks(data, offset + 2)
        elif block == 0x2C and offset + 10 <= len(data):  # image descriptor
            left, top, w, h, local = struct.unpack_from("<HHHHB", data, offset + 1)
            width, height = max(width, left + w), max(height, top + h)
            offset += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            offset = _skip_sub_blocks(data, offset + 1)  # past the LZW minimum code size
            durations.append(delay)
            delay = 0
        else:
            break  # the trailer (0x3B), or garbage: decoders stop here too
    return GifLayout(width, height, tuple(durations)) if durations else None


def _skip_sub_blocks(data: bytes, offset: int) -> int:
    """The offset after a chain of length-prefixed data sub-blocks."""
    while offset < len(data):
        size = data[offset]
        offset += 1 + size
        if size == 0:
            break
    return offset
