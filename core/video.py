"""Videos and animations as frame lists (vPDQ), in memory only.

A video is hashed by Meta's reference vPDQ (the ``vpdq`` package, FFmpeg
inside), one PDQ hash per second with its quality and timestamp. ``vpdq``
reads from a path, so the bytes go into an anonymous in-memory file
(``memfd_create``) that is closed right after: nothing touches the disk. An
animated GIF or WebP is sampled the same way (a frame per second) through
Pillow, so an animation made from a banked video's frames can match.

Frame lists are serialised exactly as python-threatexchange's vPDQ extension
does (a JSON list of ``"hex,quality,timestamp"``, the timestamp in Python's
``.3`` format), so HMA lists import and export unchanged.
"""

import io
import json
import os
from dataclasses import dataclass

import numpy as np
import pdqhash
import vpdq
from PIL import Image, ImageSequence

from core.errors import InputError
from core.media import MediaLimits

__all__ = [
    "Frame",
    "frames_from_json",
    "frames_to_json",
    "hash_animation",
    "hash_video",
    "is_video",
]

_VIDEO_MAGIC = (b"\x1a\x45\xdf\xa3", b"FLV")  # Matroska/WebM, Flash video
_TIMESTAMP_FORMAT = ".3"  # python-threatexchange's VPDQ_TIMESTAMP_PRECISION, as it formats it


@dataclass(frozen=True, slots=True)
class Frame:
    pdq: str
    quality: int
    timestamp: float

    def __str__(self) -> str:
        return f"{self.pdq},{self.quality},{self.timestamp:{_TIMESTAMP_FORMAT}}"


def is_video(data: bytes) -> bool:
    """MP4/MOV/3GP (an ``ftyp`` box), Matroska/WebM, AVI or FLV, by their first bytes."""
    if data[4:8] == b"ftyp" or data.startswith(_VIDEO_MAGIC):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"AVI "


def frames_to_json(frames: list[Frame]) -> str:
    return json.dumps([str(frame) for frame in frames])


def frames_from_json(text: str) -> list[Frame]:
    """Parse a serialised frame list; ``InputError`` naming what is wrong."""
    try:
        items = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"vpdq value is not a JSON list: {exc}") from exc
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InputError("vpdq value must be a JSON list of 'hex,quality,timestamp' strings")
    return [_frame(item) for item in items]


def _frame(item: str) -> Frame:
    parts = item.split(",")
    try:
        pdq, quality, timestamp = parts[0].lower(), int(parts[1]), float(parts[2])
        int(pdq, 16)
    except (ValueError, IndexError) as exc:
        raise InputError(f"bad vpdq frame {item[:80]!r}") from exc
    if len(parts) != 3 or len(pdq) != 64 or not 0 <= quality <= 100 or not timestamp >= 0:
        raise InputError(f"bad vpdq frame {item[:80]!r}")
    return Frame(pdq, quality, timestamp)


def hash_video(data: bytes, limits: MediaLimits) -> list[Frame]:
    """One PDQ frame hash a second, by vPDQ, from an in-memory file."""
    fd = os.memfd_create("blockfirst-video", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)
        try:
            features = vpdq.computeHash(f"/proc/self/fd/{fd}", seconds_per_hash=1.0, thread_count=1)
        except Exception as exc:
            raise InputError(f"cannot decode video: {exc}") from exc
    finally:
        os.close(fd)
    frames = [Frame(f.hex, int(f.quality), round(float(f.timestamp), 3)) for f in features]
    return _within_limits(frames, limits)


def hash_animation(image: Image.Image, limits: MediaLimits) -> list[Frame]:
    """A frame a second of an animated GIF/WebP/PNG, hashed like vPDQ's frames."""
    frames: list[Frame] = []
    elapsed_ms = next_sample_ms = 0  # whole milliseconds: no drift from float sums
    for frame in ImageSequence.Iterator(image):
        frame.load()  # WebP frames know their duration only once loaded
        if elapsed_ms >= next_sample_ms:
            rgb = np.asarray(frame.convert("RGB"))
            bits, quality = pdqhash.compute(rgb)
            pdq = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
            frames.append(Frame(pdq, int(quality), elapsed_ms / 1000))
            next_sample_ms += 1000
            if len(frames) > limits.max_video_frames:
                break
        elapsed_ms += max(int(frame.info.get("duration", 100) or 100), 20)
    return _within_limits(frames, limits)


def _within_limits(frames: list[Frame], limits: MediaLimits) -> list[Frame]:
    if not frames:
        raise InputError("the video has no decodable frames")
    if frames[-1].timestamp > limits.max_seconds:
        raise InputError(f"the video is over the {limits.max_seconds}-second limit")
    if len(frames) > limits.max_video_frames:
        raise InputError(f"the video has over {limits.max_video_frames} sampled frames")
    return frames


def animation(data: bytes) -> Image.Image | None:
    """The image if ``data`` is an animation (several frames), else None."""
    try:
        image = Image.open(io.BytesIO(data), formats=("GIF", "WEBP", "PNG"))
    except (OSError, ValueError, SyntaxError):
        return None
    return image if getattr(image, "n_frames", 1) > 1 else None
