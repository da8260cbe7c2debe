"""Bytes in, every signal out: the one CPU-bound step, run off the event loop.

Exact digests need no decoding, so a file that is not a decodable image still
gets them (a video or a truncated JPEG can be on an exact list); the decoding
error is reported beside them. Bytes that look like a video but do not decode
as one are tried as an image too: an attacker picks a file's first bytes, and
a photo must not escape image matching by looking like an MP4. A file over
the byte limit can still be digested as a stream (``digest_stream``).
"""

import hashlib
import itertools
import time
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from core.errors import InputError
from core.media.containers import video_container
from core.media.decode import FrameSink, MediaLimits, decode_image
from core.media.files import CHUNK, iter_file
from core.media.frames import Frame, frames_to_json, hash_video, within_limits
from core.model import MediaSignals, Signal
from core.signals import SIGNAL_TYPES, ExactSignalType, PerceptualSignalType
from core.signals.pdq import Pdq
from core.signals.video import Vpdq

__all__ = ["Digester", "digest_stream", "hash_file", "hash_media"]

_DEFAULT_LIMITS = MediaLimits()
_EXACT = [t for t in SIGNAL_TYPES.values() if issubclass(t, ExactSignalType) and not t.video_only]
_VIDEO_EXACT = [t for t in SIGNAL_TYPES.values() if issubclass(t, ExactSignalType) and t.video_only]
_PERCEPTUAL = [t for t in SIGNAL_TYPES.values() if issubclass(t, PerceptualSignalType)]


def hash_media(data: bytes, limits: MediaLimits = _DEFAULT_LIMITS) -> MediaSignals:
    """Hash ``data`` with every signal type; ``InputError`` if over the byte limit."""
    if len(data) > limits.max_bytes:
        raise InputError(f"file is {len(data)} bytes, over the {limits.max_bytes}-byte limit")
    deadline = time.monotonic() + limits.max_hash_seconds
    signals: list[Signal] = []
    queries: dict[str, tuple[str, ...]] = {}
    video = video_container(data) is not None
    for exact in _EXACT + (_VIDEO_EXACT if video else []):
        _add(signals, queries, Signal(exact.name, exact.digest(data)))
    video_error = None
    if video:
        try:
            _add(signals, queries, _vpdq(hash_video(data, limits)))
            return MediaSignals(tuple(signals), queries)
        except InputError as exc:
            video_error = str(exc)  # and the bytes are tried as an image
    timeline: list[Frame] = []
    try:
        media = decode_image(data, limits, on_frame=_pdq_frames(timeline), deadline=deadline)
    except InputError as exc:
        return MediaSignals(tuple(signals), queries, video_error or str(exc))
    for perceptual in _PERCEPTUAL:
        signal, values = perceptual.analyse(media)
        signals.append(signal)
        if values:
            queries[perceptual.name] = tuple(values)
    error = media.note
    if timeline and media.note is None:
        try:
            _add(signals, queries, _vpdq(within_limits(timeline, limits)))
        except InputError as exc:
            error = str(exc)
    return MediaSignals(tuple(signals), queries, error)


class Digester:
    """The exact digests of a file fed in chunks (one too large to hold and decode);
    its video names too when its first bytes are a video's."""

    def __init__(self) -> None:
        self._hashers: dict[str, hashlib._Hash] = {}
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        if not self._hashers and chunk:
            video = video_container(chunk) is not None
            kinds = _EXACT + (_VIDEO_EXACT if video else [])
            self._hashers = {kind.name: kind.hasher() for kind in kinds}
        for hasher in self._hashers.values():
            hasher.update(chunk)
        self.size += len(chunk)

    def result(self, reason: str) -> MediaSignals:
        """The digests, with ``reason`` (why nothing else was computed) as the error."""
        signals: list[Signal] = []
        queries: dict[str, tuple[str, ...]] = {}
        for name, hasher in self._hashers.items():
            _add(signals, queries, Signal(name, hasher.hexdigest()))
        return MediaSignals(tuple(signals), queries, reason)


def digest_stream(chunks: Iterable[bytes], reason: str) -> MediaSignals:
    """``Digester`` over ``chunks`` in one call."""
    digester = Digester()
    for chunk in chunks:
        digester.feed(chunk)
    return digester.result(reason)


def hash_file(path: Path, limits: MediaLimits = _DEFAULT_LIMITS) -> MediaSignals:
    """``hash_media`` of a local file; one over the byte limit gets its exact digests,
    read in chunks (up to ``max_digest_bytes``). ``InputError`` if it cannot be read."""
    chunks = iter_file(path, limits.max_digest_bytes)
    head = b"".join(itertools.islice(chunks, limits.max_bytes // CHUNK + 1))
    if len(head) <= limits.max_bytes:
        return hash_media(head, limits)
    digester = Digester()
    digester.feed(head)
    for chunk in chunks:
        digester.feed(chunk)
    size = f"{digester.size} bytes, over the {limits.max_bytes}-byte limit"
    return digester.result(f"file is {size}: only its exact digests were computed")


def _add(signals: list[Signal], queries: dict[str, tuple[str, ...]], signal: Signal) -> None:
    signals.append(signal)
    queries[signal.signal_type] = (signal.value,)


def _vpdq(frames: list[Frame]) -> Signal:
    return Signal(Vpdq.name, frames_to_json(frames))


def _pdq_frames(timeline: list[Frame]) -> FrameSink:
    """A sink hashing an animation's frame-a-second samples like vPDQ's frames."""

    def sink(elapsed_ms: int, image: Image.Image) -> None:
        signal = Pdq.hash_image(image)
        timeline.append(Frame(signal.value, signal.quality or 0, elapsed_ms / 1000))

    return sink
