"""The write ops: typed records a store applies in order inside one transaction,
and ``Written``, what one caller's ops did once durable."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from core.audit import AuditEntry, AuditRecord
from core.cases import Case
from core.model import Decision, Effect, MediaSignals, Message, Report

__all__ = [
    "CASE_FIELDS",
    "Audit",
    "CountHits",
    "Enqueue",
    "Finish",
    "JudgeEntries",
    "MarkProcessed",
    "Op",
    "OpenCase",
    "Quarantine",
    "RecordDecision",
    "RememberSignals",
    "UpdateCase",
    "Written",
]


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Insert ``case``, or join the open case with the same target (result: the stored
    case). Later ops of the same batch naming ``case.id`` are pointed at it."""

    case: Case
    report: Report | None = None
    # One case per item: the item's ``(signal type, value)`` keys. If an open case
    # on the platform has one (a file key, an exact hash) or a PDQ key within
    # ``near`` bits (-1: exact keys only), the case joins it as a copy of its item;
    # a new case keeps its keys for later copies.
    keys: tuple[tuple[str, str], ...] = ()
    near: int = -1


@dataclass(frozen=True, slots=True)
class UpdateCase:
    """Set some of a case's columns (``CASE_FIELDS``), leaving the rest as they are,
    so concurrent updates of different fields do not undo each other."""

    case_id: str
    changes: tuple[tuple[str, Any], ...]

    def __post_init__(self) -> None:
        unknown = {name for name, _ in self.changes} - CASE_FIELDS
        if unknown:
            raise ValueError(f"not updatable case fields: {sorted(unknown)}")


CASE_FIELDS = frozenset(
    {
        "state",
        "decided_by",
        "decided_at",
        "note",
        "removed",
        "alerts_sent",
        "card_ref",
        "deadline",
    }
)


@dataclass(frozen=True, slots=True)
class RecordDecision:
    case_id: str
    decision: Decision
    reviewer: str
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class MarkProcessed:
    key: str


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Queue ``effect``. ``only_if_new``: only if the batch's ``OpenCase`` opened a new
    case (one that joined an open case had this effect done for it already)."""

    effect: Effect
    claimed_until: datetime | None = None  # the queuing process performs it itself
    only_if_new: bool = False


@dataclass(frozen=True, slots=True)
class Finish:
    """An effect's outcome: ``done`` (or dry-run recorded), ``failed`` for good,
    or neither (a retryable failure: attempts + 1, still pending)."""

    effect_id: str
    state: str  # "done", "failed" or "pending"
    error: str = ""


@dataclass(frozen=True, slots=True)
class Audit:
    record: AuditRecord


@dataclass(frozen=True, slots=True)
class RememberSignals:
    file_key: str
    signals: MediaSignals


class LogRecent(NamedTuple):
    """A message seen, as the recent-content log keeps it: where it is (ids and
    kinds) and, per media item or link, the values it is matched on as JSON
    (hashes, canonical links; never media, never its text). Plain values in a
    tuple: the garbage collector leaves a second's worth of them waiting to be
    written alone. Not an ``Op``: the log is written in batches of its own
    (``RecentStore.log_recent``)."""

    platform: str
    chat_id: str
    chat_kind: str
    community: str
    message_id: str
    sender_id: str
    sender_kind: str
    album_id: str
    sent_at: datetime | None
    seen_at: datetime
    items: str  # JSON: [{signal type: [values]}]

    @classmethod
    def of(
        cls, message: Message, items: Sequence[Mapping[str, Sequence[str]]], seen_at: datetime
    ) -> "LogRecent":
        chat, sender = message.chat, message.sender
        return cls(
            chat.platform, chat.id, chat.kind.value, chat.community, message.message_id,
            sender.id, sender.kind.value, message.album_id or "", message.sent_at, seen_at,
            json.dumps([dict(item) for item in items]),  # tuples are written as arrays
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CountHits:
    """Matches of bank entries (by entry id), counted in total and per day."""

    entry_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class Quarantine:
    """Entry ``entry_id`` of ``bank`` matched too often: its matches go to review
    until a reviewer trusts it again (every process follows, as a bank change)."""

    bank: str
    entry_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class JudgeEntries:
    """A reviewer's outcome for the entries whose matches made a case: confirmed
    (each entry's overturn streak ends), or an overturned removal (each entry's
    streak grows; at ``dispute_after`` the entry is disabled, audited)."""

    entries: tuple[tuple[str, int], ...]  # (bank, entry id)
    confirmed: bool
    dispute_after: int
    case_id: str


Op = (
    OpenCase
    | UpdateCase
    | RecordDecision
    | MarkProcessed
    | Enqueue
    | Finish
    | Audit
    | RememberSignals
    | CountHits
    | Quarantine
    | JudgeEntries
)


@dataclass(frozen=True, slots=True)
class Written:
    """What one caller's ops did once durable: the case its ``OpenCase`` stored (the
    open case it joined, if the target had one), the effects actually queued, and the
    audit entries appended."""

    case: Case | None = None
    queued: tuple[Effect, ...] = ()
    entries: tuple[AuditEntry, ...] = ()
