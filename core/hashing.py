"""Bytes in, every signal out: the one CPU-bound step, run off the event loop.

Exact digests need no decoding, so a file that is not a decodable image still
gets them (a video or a truncated JPEG can be on an exact list); the decoding
error is reported beside them.
"""

from dataclasses import dataclass, field

from core.errors import InputError
from core.media import MediaLimits, decode_image
from core.model import Signal
from core.signals import SIGNAL_TYPES, ExactSignalType, PerceptualSignalType
from core.video import Frame, animation, frames_to_json, hash_animation, hash_video, is_video

__all__ = ["MediaSignals", "hash_media"]

_DEFAULT_LIMITS = MediaLimits()
_EXACT = [t for t in SIGNAL_TYPES.values() if issubclass(t, ExactSignalType) and not t.video_only]
_VIDEO_EXACT = [t for t in SIGNAL_TYPES.values() if issubclass(t, ExactSignalType) and t.video_only]
_PERCEPTUAL = [t for t in SIGNAL_TYPES.values() if issubclass(t, PerceptualSignalType)]


@dataclass(frozen=True, slots=True)
class MediaSignals:
    """The signals of one piece of media.

    ``signals`` are what a bank stores; ``queries`` what matching looks up per
    type (variants included, untrusted low-quality hashes left out).
    """

    signals: tuple[Signal, ...]
    queries: dict[str, tuple[str, ...]] = field(default_factory=dict)
    error: str | None = None


def hash_media(data: bytes, limits: MediaLimits = _DEFAULT_LIMITS) -> MediaSignals:
    """Hash ``data`` with every signal type; ``InputError`` if over the byte limit."""
    if len(data) > limits.max_bytes:
        raise InputError(f"file is {len(data)} bytes, over the {limits.max_bytes}-byte limit")
    signals: list[Signal] = []
    queries: dict[str, tuple[str, ...]] = {}
    for exact in _EXACT:
        signals.append(Signal(exact.name, exact.digest(data)))
        queries[exact.name] = (signals[-1].value,)
    if is_video(data):
        return _video(data, limits, signals, queries)
    try:
        media = decode_image(data, limits)
    except InputError as exc:
        return MediaSignals(tuple(signals), queries, str(exc))
    for perceptual in _PERCEPTUAL:
        signal, values = perceptual.analyse(media)
        signals.append(signal)
        if values:
            queries[perceptual.name] = tuple(values)
    animated = animation(data) if media.frames else None
    if animated is not None:
        try:
            _add_frames(hash_animation(animated, limits), signals, queries)
        except InputError as exc:
            return MediaSignals(tuple(signals), queries, str(exc))
    return MediaSignals(tuple(signals), queries)


def _video(
    data: bytes, limits: MediaLimits, signals: list[Signal], queries: dict[str, tuple[str, ...]]
) -> MediaSignals:
    """Digests under their video names too (lists carry either), then vPDQ.
    Over a limit or undecodable: the digests still match, the error says why."""
    for exact in _VIDEO_EXACT:
        signals.append(Signal(exact.name, exact.digest(data)))
        queries[exact.name] = (signals[-1].value,)
    try:
        _add_frames(hash_video(data, limits), signals, queries)
    except InputError as exc:
        return MediaSignals(tuple(signals), queries, str(exc))
    return MediaSignals(tuple(signals), queries)


def _add_frames(
    frames: list[Frame], signals: list[Signal], queries: dict[str, tuple[str, ...]]
) -> None:
    value = frames_to_json(frames)
    signals.append(Signal("vpdq", value))
    queries["vpdq"] = (value,)
