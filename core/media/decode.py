"""Safe decoding of untrusted image bytes, in memory only.

Every limit is a parameter: a decompression bomb, a truncated file, a format we
do not hash or plain garbage becomes an ``InputError`` with a readable message
before any large allocation happens. Work is bounded before it is done: a
GIF's canvas (after frames grow it) and frame count are read from its headers
(``core.media.containers``), an animation is walked once, and the walk stops at a
budget of composited pixels or at the job's deadline. Nothing here ever writes
bytes anywhere.
"""

import io
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from core.errors import InputError
from core.media.containers import GifLayout, gif_layout
from core.media.pictures import gray_thumbnail

__all__ = [
    "DecodedMedia",
    "FrameSink",
    "MediaLimits",
    "decode_cost",
    "decode_image",
]

# Formats we decode. Restricting Image.open keeps risky plugins (EPS, which
# shells out to Ghostscript, PSD, ...) away from untrusted bytes.
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG includes MPO
# Formats whose extra frames are an animation (MPO's are previews, TIFF's pages).
_ANIMATED = ("GIF", "WEBP", "PNG")
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    ZeroDivisionError,
)
# Modes with more than 8 bits a sample: convert("RGB") would clip them to white.
_WIDE = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
# Modes that cannot be box-reduced as they are (palette indices, bits).
_CONVERT_FIRST = ("P", "PA", "1", "La")
_MIB = 1024 * 1024
_OVERHEAD = 16 * _MIB  # what a decode costs beyond its pixels (buffers, tables)
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_MIN_FRAME_MS = 20  # browsers treat shorter GIF delays as this (or longer)
# Peak bytes a decoded pixel costs, measured per format at 49 Mpx (tests/hostile
# checks each bound): WebP decodes through an RGBA canvas and copies it; PNG
# and TIFF hold the decoded frame and one conversion; a JPEG is decoded at a
# reduced DCT scale (its cost divided by the scale squared).
_BYTES_PER_PIXEL = {"WEBP": 18, "PNG": 10, "TIFF": 8, "GIF": 7, "BMP": 8, "JPEG": 6, "MPO": 6}

# Called with (elapsed milliseconds, frame) for a frame a second of an animation.
FrameSink = Callable[[int, Image.Image], None]


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Bounds on untrusted media; all are configuration, these are the defaults."""

    max_bytes: int = 20 * 1024 * 1024  # the Telegram Bot API download cap
    max_pixels: int = 50_000_000
    max_frames: int = 8  # frames sampled from an animation, the first included
    # Decode JPEGs at a reduced scale (and box-reduce other formats) while the
    # shorter side stays >= this. PDQ recall against python-threatexchange's
    # full-size hashes held at 256 px and was lost at 128 px (see README).
    min_side: int = 256
    max_seconds: int = 600  # of a video or animation
    max_video_frames: int = 1200  # sampled (one a second) from a video or animation
    # Canvas pixels an animation may composite in all (a GIF composites every
    # frame on the whole canvas): 2,000 frames of 480x270, 5 of 50 Mpx.
    max_animation_pixels: int = 260_000_000
    max_hash_seconds: int = 60  # one item's hashing; past it, only its digests count
    max_decode_mib: int = 768  # peak memory one decode may cost (by _BYTES_PER_PIXEL)
    # A file over max_bytes is not decoded, but its exact digests are computed
    # as it streams in, up to this size (Telegram's local Bot API serves 2 GB).
    max_digest_bytes: int = 2 * 1024 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in (
            "max_bytes",
            "max_pixels",
            "max_frames",
            "min_side",
            "max_seconds",
            "max_video_frames",
            "max_animation_pixels",
            "max_hash_seconds",
            "max_digest_bytes",
            "max_decode_mib",
        ):
            if getattr(self, name) < 1:
                raise InputError(f"media limit {name} must be positive")


@dataclass(frozen=True, eq=False)
class DecodedMedia:
    """An image decoded for hashing: RGB, EXIF orientation applied, size bounded.

    ``frames`` holds the sampled frames of an animation after the first one;
    ``note`` says why an animation was not walked to its end (a limit), if so.
    """

    format: str
    width: int
    height: int
    image: Image.Image
    frames: tuple[Image.Image, ...] = ()
    note: str | None = None

    @cached_property
    def gray_thumbnails(self) -> tuple[Image.Image, ...]:
        """``gray_thumbnail`` of the image and of each frame, made once for both
        64-bit hashes."""
        return tuple(gray_thumbnail(image) for image in (self.image, *self.frames))


def decode_image(
    data: bytes,
    limits: MediaLimits | None = None,
    *,
    on_frame: FrameSink | None = None,
    deadline: float | None = None,
) -> DecodedMedia:
    """Decode ``data`` within ``limits`` or raise ``InputError`` saying why.

    ``on_frame`` receives a frame a second of an animation (for vPDQ);
    ``deadline`` (``time.monotonic()``) ends an animation's walk early.
    """
    limits = limits or MediaLimits()
    Image.init()  # registers MPO and friends; a no-op after the first call
    if len(data) > limits.max_bytes:
        raise InputError(f"file is {len(data)} bytes, over the {limits.max_bytes}-byte limit")
    if not data:
        raise InputError("file is empty")
    layout = gif_layout(data)
    if layout is not None:
        _check_pixels(layout.width, layout.height, limits, "a frame grows the canvas to ")
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as img:
            return _decode_opened(img, limits, _Walk(layout, on_frame, deadline))
    except Image.DecompressionBombError as exc:
        raise InputError(f"image is over the {limits.max_pixels}-pixel limit: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise InputError(f"not an image in a supported format ({', '.join(_FORMATS)})") from exc
    except MemoryError as exc:
        raise InputError("decoding the image needs more memory than is allowed") from exc
    except _DECODE_ERRORS as exc:
        raise InputError(f"cannot decode image: {exc}") from exc


def decode_cost(fmt: str, width: int, height: int, limits: MediaLimits) -> int:
    """Bytes decoding a ``width`` x ``height`` image of ``fmt`` costs at its peak."""
    scale = 1
    if fmt in ("JPEG", "MPO"):  # draft decoding: scale 1/2, 1/4 or 1/8 while >= min_side
        while scale < 8 and min(width, height) // (scale * 2) >= limits.min_side:
            scale *= 2
    per_pixel = _BYTES_PER_PIXEL.get(fmt, 16)
    return width * height * per_pixel // (scale * scale) + _OVERHEAD


def _check_pixels(width: int, height: int, limits: MediaLimits, how: str = "image is ") -> None:
    if width * height > limits.max_pixels:
        raise InputError(
            f"{how}{width}x{height} = {width * height} pixels, "
            f"over the {limits.max_pixels}-pixel limit"
        )


@dataclass(frozen=True, slots=True)
class _Walk:
    layout: GifLayout | None
    on_frame: FrameSink | None
    deadline: float | None


def _decode_opened(img: Image.Image, limits: MediaLimits, walk: _Walk) -> DecodedMedia:
    width, height = img.size
    _check_pixels(width, height, limits)
    fmt = img.format or "unknown"
    cost = decode_cost(fmt, width, height, limits)
    if cost > limits.max_decode_mib * _MIB:
        raise InputError(
            f"decoding this {width}x{height} {fmt} needs about {cost // _MIB} MiB, "
            f"over the {limits.max_decode_mib} MiB limit"
        )
    if fmt not in _ANIMATED:
        n_frames = 1
    elif walk.layout is not None:
        n_frames = walk.layout.frames  # read from the headers, not by decoding every frame
    else:
        n_frames = int(getattr(img, "n_frames", 1))
    first = _prepare(img, limits)
    if n_frames <= 1:
        return DecodedMedia(fmt, width, height, first)
    others, note = _walk_frames(img, n_frames, limits, walk, first)
    return DecodedMedia(fmt, width, height, first, others, note)


def _walk_frames(
    img: Image.Image, n_frames: int, limits: MediaLimits, walk: _Walk, first: Image.Image
) -> tuple[tuple[Image.Image, ...], str | None]:
    """One pass over an animation: the sampled frames, and a frame a second to
    ``on_frame``. Stops at the composited-pixel budget or the deadline."""
    picks = set(_sample(n_frames, limits.max_frames))
    timeline = walk.on_frame is not None and _timeline_fits(walk.layout, limits)
    last = n_frames - 1 if timeline else max(picks, default=0)
    canvas = img.size[0] * img.size[1]
    affordable = max(1, limits.max_animation_pixels // max(canvas, 1))
    note = None
    if last >= affordable:
        note = (
            f"animation of {n_frames} frames of {img.size[0]}x{img.size[1]}: only the first "
            f"{affordable} were decoded (the {limits.max_animation_pixels}-pixel work limit)"
        )
    sampled: list[Image.Image] = []
    elapsed = next_sample = emitted = 0
    for index in range(min(last + 1, affordable)):
        if not timeline and index > max(picks, default=0):
            break  # the frame-a-second walk ended at its limit; the samples are in hand
        if index:
            img.seek(index)
            if img.size[0] * img.size[1] > canvas:  # a canvas grown by a frame
                _check_pixels(*img.size, limits)
        if walk.deadline is not None and time.monotonic() > walk.deadline:
            note = f"hashing took over {limits.max_hash_seconds} s: stopped at frame {index}"
            break
        img.load()  # WebP frames know their duration only once loaded
        prepared = first if index == 0 else None
        if timeline and walk.on_frame is not None and elapsed >= next_sample:
            prepared = prepared or _prepare(img, limits)
            walk.on_frame(elapsed, prepared)
            next_sample += 1000
            emitted += 1
            timeline = emitted <= limits.max_video_frames  # one more tells the sink it is over
        if index in picks:
            sampled.append(prepared or _prepare(img, limits))
        elapsed += _duration(img, walk.layout, index)
    return tuple(sampled), note


def _timeline_fits(layout: GifLayout | None, limits: MediaLimits) -> bool:
    """Whether a GIF's headers allow its frame-a-second walk (unknown: walk and see)."""
    if layout is None:
        return True
    total = sum(max(d, _MIN_FRAME_MS) if d else 100 for d in layout.durations_ms)
    return total <= limits.max_seconds * 1000


def _duration(img: Image.Image, layout: GifLayout | None, index: int) -> int:
    if layout is not None:
        declared = layout.durations_ms[index]
    else:
        declared = int(img.info.get("duration", 100) or 100)
    return max(declared or 100, _MIN_FRAME_MS)


def _sample(n_frames: int, max_frames: int) -> list[int]:
    """Indices of up to ``max_frames - 1`` frames after the first, evenly spread."""
    if n_frames <= 1 or max_frames <= 1:
        return []
    picks = np.linspace(0, n_frames - 1, num=min(max_frames, n_frames)).round().astype(int)
    return sorted({int(i) for i in picks} - {0})


def _prepare(img: Image.Image, limits: MediaLimits) -> Image.Image:
    """Decode (JPEG at a reduced DCT scale), reduce, make 8-bit RGB, orient.

    Other formats are box-reduced by a whole factor, like JPEG's DCT scaling,
    while the shorter side stays >= ``min_side``, before any conversion, so a
    large image is never copied at full size. Shrinking further, to exactly
    ``min_side``, was measured: ~25 % faster, but PDQ moved ~5 bits further
    from python-threatexchange's full-size hashes on average (README).
    """
    if img.format in ("JPEG", "MPO") and isinstance(img, ImageFile.ImageFile) and img.tile:
        img.draft("RGB", (limits.min_side, limits.min_side))
    orientation = _ORIENTATION.get(img.getexif().get(0x0112, 1))
    frame = img.convert("RGB") if img.mode in _CONVERT_FIRST else img
    frame = _eight_bit(frame) if frame.mode in _WIDE else frame
    factor = min(frame.size) // limits.min_side
    frame = frame.reduce(factor) if factor >= 2 else frame
    frame = frame.convert("RGB")
    return frame.transpose(orientation) if orientation is not None else frame


def _eight_bit(img: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float image as 8-bit gray, scaled from its nominal range
    (16-bit PNG/TIFF samples are 0-65535; floats usually 0-1)."""
    pixels = np.asarray(img)
    if img.mode.startswith("I;16"):
        return Image.fromarray((pixels >> 8).astype(np.uint8), "L")
    finite = pixels[np.isfinite(pixels)] if img.mode == "F" else pixels
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 0.0
    if low >= 0 and high <= 1.0 and img.mode == "F":
        scale, offset = 255.0, 0.0
    elif low >= 0 and high <= 255:
        scale, offset = 1.0, 0.0
    elif low >= 0 and high <= 65535:
        scale, offset = 1 / 257, 0.0
    else:  # an unusual range: stretch it, which keeps every perceptual hash's comparisons
        scale, offset = 255.0 / max(high - low, 1e-9), low
    scaled = np.nan_to_num((pixels.astype(np.float32) - offset) * scale, nan=0.0)
    return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8), "L")
