"""Signal types, one file each, checked once at import.

Adding a type is one file, one line in ``_TYPES`` and one test subclass.
"""

from collections.abc import Mapping

from core.errors import InputError
from core.signals.base import (
    ExactSignalType,
    LinkSignalType,
    PerceptualSignalType,
    SignalType,
    Thresholds,
    build_registry,
)
from core.signals.dhash import DHash
from core.signals.links import DiscordInvite, DomainRule, TgChannel, TgInvite, UrlRule
from core.signals.md5 import Md5
from core.signals.pdq import Pdq
from core.signals.phash import PHash
from core.signals.sha256 import Sha256
from core.signals.text import TextPattern, TextPhrase, TextWord
from core.signals.video import FileKey, VideoMd5, VideoSha256, Vpdq

__all__ = [
    "SIGNAL_TYPES",
    "ExactSignalType",
    "LinkSignalType",
    "PerceptualSignalType",
    "SignalType",
    "Thresholds",
    "get_signal_type",
]

_TYPES: tuple[type[SignalType], ...] = (
    Sha256,
    Md5,
    Pdq,
    PHash,
    DHash,
    UrlRule,
    DomainRule,
    TgInvite,
    TgChannel,
    DiscordInvite,
    VideoMd5,
    VideoSha256,
    Vpdq,
    FileKey,
    TextPhrase,
    TextWord,
    TextPattern,
)

SIGNAL_TYPES: Mapping[str, type[SignalType]] = build_registry(_TYPES)


def get_signal_type(name: str) -> type[SignalType]:
    """The signal type stored as ``name``, or ``InputError`` listing the known ones."""
    try:
        return SIGNAL_TYPES[name.strip().lower()]
    except KeyError:
        known = ", ".join(SIGNAL_TYPES)
        raise InputError(f"unknown signal type {name!r} (known: {known})") from None
