"""Banks of signals: a bank is a named list of hashes with one action (``delete``
blocks at once, ``review`` only opens a case) and per-signal-type thresholds.
The matcher over them is ``core.matching.matcher``.
"""

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.errors import InputError
from core.model import CATEGORIES, BankAction
from core.signals import SignalType, Thresholds, get_signal_type

__all__ = [
    "DEFAULT_FLOOD",
    "Bank",
    "BankChange",
    "Entry",
    "EntryStatus",
    "Flood",
    "check_bank_name",
    "parse_threshold",
]

_BANK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class EntryStatus(enum.Enum):
    """Removed and disabled entries stay as tombstones so a re-import cannot revive them."""

    ACTIVE = "active"
    DISABLED = "disabled"
    REMOVED = "removed"


def check_bank_name(name: str) -> str:
    if not _BANK_NAME.fullmatch(name):
        raise InputError(
            f"bad bank name {name!r}: use 1-64 letters, digits, '_', '.', '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True, slots=True)
class Flood:
    """When one entry is quarantined (its matches go to review, not deletion): more
    than ``hits`` matches, or matches in more than ``chats`` chats, within
    ``minutes``. An entry a reviewer trusted again is held to ten times as much."""

    hits: int
    chats: int
    minutes: int

    def __post_init__(self) -> None:
        if not (1 <= self.hits <= 1_000_000 and 1 <= self.chats <= 100_000):
            raise InputError("flood limits: 1-1,000,000 matches and 1-100,000 chats")
        if not 1 <= self.minutes <= 7 * 24 * 60:
            raise InputError("flood window: 1 minute to 7 days")

    def raised(self, factor: int) -> "Flood":
        return Flood(self.hits * factor, self.chats * factor, self.minutes)


# Sized for a followed list's mistake, not for one chat's spam: a wrong entry that
# matches a popular picture shows up in many chats at once, while a banned image
# pushed by one spammer stays in a few. So an entry is held after matching in 20
# chats within the hour (or 300 times anywhere); a real outbreak that wide is
# deleted 300 times first and then waits for one reviewer's "trust".
DEFAULT_FLOOD = Flood(hits=300, chats=20, minutes=60)


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    action: BankAction = BankAction.DELETE
    description: str = ""
    enabled: bool = True
    thresholds: Mapping[str, Thresholds] = field(default_factory=dict)
    created_at: datetime | None = None
    category: str = "other"
    # HMA's vPDQ rule: the share of the query's frames that must match a banked
    # video, and of the banked video's frames that must be matched.
    vpdq_query_percent: float = 80.0
    vpdq_compared_percent: float = 0.0
    flood: Flood | None = DEFAULT_FLOOD  # None: this bank's entries are never quarantined
    # In shadow: it matches and opens shadow cases (what it would have done), and
    # never acts; its allow rules veto nothing live.
    shadow: bool = False

    def __post_init__(self) -> None:
        for share in (self.vpdq_query_percent, self.vpdq_compared_percent):
            if not 0 <= share <= 100:
                raise InputError("vpdq match percentages must be between 0 and 100")
        check_bank_name(self.name)
        if self.category not in CATEGORIES:
            known = ", ".join(CATEGORIES)
            raise InputError(f"unknown category {self.category!r} (known: {known})")
        for type_name, limits in self.thresholds.items():
            limits.check(get_signal_type(type_name).bits)

    def thresholds_for(self, signal_type: type[SignalType]) -> Thresholds:
        return self.thresholds.get(signal_type.name, signal_type.thresholds)


def parse_threshold(text: str) -> tuple[str, Thresholds]:
    """``TYPE=ACT`` or ``TYPE=ACT:REVIEW`` (the review band defaults to the type's own width)."""
    name, sep, spec = text.partition("=")
    signal_type = get_signal_type(name)
    act_text, _, review_text = spec.partition(":")
    try:
        act = int(act_text)
        default_width = signal_type.thresholds.review - signal_type.thresholds.act
        widest = signal_type.max_distance()
        review = int(review_text) if review_text else min(act + default_width, widest)
    except ValueError:
        raise InputError(f"bad threshold {text!r}: expected TYPE=N or TYPE=N:M") from None
    if not sep:
        raise InputError(f"bad threshold {text!r}: expected TYPE=N or TYPE=N:M")
    limits = Thresholds(act, review)
    limits.check(signal_type.max_distance())
    return signal_type.name, limits


@dataclass(frozen=True, slots=True)
class Entry:
    """One signal in a bank, with where it came from."""

    signal_type: str
    value: str
    source: str = ""
    external_id: str = ""
    added_by: str = ""
    note: str = ""
    tags: tuple[str, ...] = ()
    quality: int | None = None
    added_at: datetime | None = None
    status: EntryStatus = EntryStatus.ACTIVE
    id: int | None = None
    allow: bool = False  # an allow rule: it vetoes block matches of the same item


@dataclass(frozen=True, slots=True)
class BankChange:
    """One write to a bank, as every process follows it: ``bank`` (created, enabled,
    disabled), ``add`` (entries ``first``..``last`` were inserted), ``status``
    (``entry_ids`` were disabled, removed or enabled), ``quarantine`` (``entry_ids``
    were quarantined or trusted again). ``at``: when it was made."""

    id: int
    bank: str
    kind: str
    first: int | None = None
    last: int | None = None
    entry_ids: tuple[int, ...] = ()
    at: datetime | None = None
