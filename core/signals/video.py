"""Video signal types: digests named as StopNCII and HMA share them, Meta's vPDQ
frame lists, and platform file keys.

A file key (Telegram's ``file_unique_id``, the same across bots and over time)
is banked when a reviewer confirms a case, so a re-forward of the same file is
caught without downloading it. Its value is ``platform:key``.
"""

import hashlib
import re
from typing import ClassVar

from core.errors import InputError
from core.media.frames import frames_from_json, frames_to_json
from core.model import Band
from core.signals.base import BankRules, ExactSignalType, SignalType, Thresholds
from core.signals.indexes import IndexHit, SignalIndex
from core.signals.pdq import Pdq

__all__ = ["FileKey", "VideoMd5", "VideoSha256", "Vpdq"]

_FILE_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}:[\x21-\x7e]{1,200}")


class VideoMd5(ExactSignalType):
    name = "video_md5"
    bits = 128
    video_only = True

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.md5(usedforsecurity=False)


class VideoSha256(ExactSignalType):
    name = "video_sha256"
    bits = 256
    video_only = True

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.sha256()


class Vpdq(SignalType):
    """A frame list. Matching follows HMA's vPDQ rule: frames within 31 bits, frames
    of quality under 50 ignored, the share of the query's distinct frames that
    match a banked video (the bank's ``vpdq_query_percent``, 80 by default) and
    of the banked video's frames matched (``vpdq_compared_percent``, 0)."""

    name = "vpdq"
    bits = 256
    exact = False
    thresholds = Thresholds(Pdq.thresholds.act, Pdq.thresholds.act)  # per-frame distance
    min_quality: ClassVar[int] = Pdq.min_quality
    max_frames: ClassVar[int] = 100_000
    reaches_back = False  # a frame list is large, and matched by its own rule

    @classmethod
    def canonical(cls, value: str) -> str:
        frames = frames_from_json(value)
        if not frames or len(frames) > cls.max_frames:
            raise InputError(f"a vpdq list needs 1-{cls.max_frames} frames")
        return frames_to_json(frames)

    @classmethod
    def index(cls) -> SignalIndex:
        from core.signals.hamming import FrameLists  # noqa: PLC0415 (numpy, when needed)

        return FrameLists(cls.thresholds.act, cls.min_quality)

    @classmethod
    def band(cls, hit: IndexHit, bank: BankRules) -> Band | None:
        """HMA's rule with the bank's shares; half the query share still opens a review."""
        query_share, stored_share = hit.shares or (100.0 - hit.distance, 100.0)
        if stored_share < bank.vpdq_compared_percent:
            return None
        if query_share >= bank.vpdq_query_percent:
            return Band.ACT
        return Band.REVIEW if query_share >= bank.vpdq_query_percent / 2 else None

    @classmethod
    def shown(cls, value: str) -> str:
        return f"{len(frames_from_json(value))} frames"

    @classmethod
    def note(cls, hit: IndexHit) -> str:
        query_share, stored_share = hit.shares or (100.0 - hit.distance, 100.0)
        return (
            f"{query_share:.0f}% of the video's frames match a banked one, "
            f"{stored_share:.0f}% of the banked video's frames matched"
        )

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """100 minus the percentage of ``a``'s good frames that have a match in ``b``."""
        frames_b = [f.pdq for f in frames_from_json(b) if f.quality >= cls.min_quality]
        good = {f.pdq for f in frames_from_json(a) if f.quality >= cls.min_quality}
        if not good:
            return 100
        near = cls.thresholds.act
        hits = sum(
            any((int(p, 16) ^ int(q, 16)).bit_count() <= near for q in frames_b) for p in good
        )
        return 100 - round(100 * hits / len(good))


class FileKey(SignalType):
    name = "file_key"
    bits = 0
    exact = True
    thresholds = Thresholds(0, 0)

    @classmethod
    def canonical(cls, value: str) -> str:
        text = value.strip()
        platform, _, key = text.partition(":")
        text = f"{platform.lower()}:{key}"
        if not _FILE_KEY.fullmatch(text):
            raise InputError("a file key is 'platform:key' (printable, up to 200 characters)")
        return text

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1
