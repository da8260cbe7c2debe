"""Videos and animations as frame lists (vPDQ), in memory only.

A video is hashed by Meta's reference vPDQ (the ``vpdq`` package, FFmpeg
inside), one PDQ hash per second with its quality and timestamp. ``vpdq``
reads from a path, so the bytes go into an anonymous in-memory file
(``memfd_create``) that is closed right after: nothing touches the disk. An
animated GIF or WebP is sampled the same way (a frame per second, by
``core.media.decode`` as it walks the animation), so an animation made from a banked
video's frames can match.

Frame lists are serialised exactly as python-threatexchange's vPDQ extension
does (a JSON list of ``"hex,quality,timestamp"``, the timestamp in Python's
``.3`` format), so HMA lists import and export unchanged.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import InputError
from core.media.containers import mp4_duration

if TYPE_CHECKING:
    from core.media.decode import MediaLimits

__all__ = [
    "Frame",
    "frames_from_json",
    "frames_to_json",
    "hash_video",
    "within_limits",
]

_TIMESTAMP_FORMAT = ".3"  # python-threatexchange's VPDQ_TIMESTAMP_PRECISION, as it formats it


@dataclass(frozen=True, slots=True)
class Frame:
    pdq: str
    quality: int
    timestamp: float

    def __str__(self) -> str:
        return f"{self.pdq},{self.quality},{self.timestamp:{_TIMESTAMP_FORMAT}}"


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


def hash_video(data: bytes, limits: "MediaLimits") -> list[Frame]:
    """One PDQ frame hash a second, by vPDQ, from an in-memory file. An MP4 whose header
    declares it over the duration limit is refused before any frame is decoded."""
    declared = mp4_duration(data)
    if declared is not None and declared > limits.max_seconds:
        raise InputError(
            f"the video is {declared:.0f} s long, over the {limits.max_seconds}-second limit"
        )
    import vpdq  # noqa: PLC0415 (reading a stored frame list needs no video stack)

    fd = os.memfd_create("blockfirst-video", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)
        try:
            with _quiet_stderr():
                path = f"/proc/self/fd/{fd}"
                features = vpdq.computeHash(path, seconds_per_hash=1.0, thread_count=1)
        except Exception as exc:
            raise InputError(f"cannot decode video: {_first_line(exc)}") from exc
    finally:
        os.close(fd)
    frames = [Frame(f.hex, int(f.quality), round(float(f.timestamp), 3)) for f in features]
    return within_limits(frames, limits)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """FFmpeg, inside vPDQ, writes its complaints about a broken file straight to
    file descriptor 2: keep them off the user's terminal (the error says why)."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def within_limits(frames: list[Frame], limits: "MediaLimits") -> list[Frame]:
    if not frames:
        raise InputError("the video has no decodable frames")
    if frames[-1].timestamp > limits.max_seconds:
        raise InputError(f"the video is over the {limits.max_seconds}-second limit")
    if len(frames) > limits.max_video_frames:
        raise InputError(f"the video has over {limits.max_video_frames} sampled frames")
    return frames
