"""Frozen records that cross layer boundaries."""

import enum
from dataclasses import dataclass

__all__ = ["Action", "Band", "Match", "Signal"]


class Action(enum.Enum):
    """What a bank asks for when one of its entries matches in the act band."""

    DELETE = "delete"
    REVIEW = "review"


class Band(enum.Enum):
    """How close a match is: ``act`` applies the bank's action, ``review`` only opens a case."""

    ACT = "act"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Signal:
    """One hash of one piece of media, in its canonical string form."""

    signal_type: str
    value: str
    quality: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A bank entry that a query signal fell within the bank's thresholds of."""

    bank: str
    entry_id: int
    signal_type: str
    value: str
    distance: int
    band: Band
    action: Action
