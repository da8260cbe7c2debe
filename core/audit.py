"""The tamper-evident audit log (pure): hash chaining, verification, export rows.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical
encoding of the entry (JSON, sorted keys, no spaces, UTF-8, UTC times in
ISO 8601 with microseconds). Sequence numbers run 1, 2, 3, ... without gaps,
so an edited, deleted, inserted or reordered entry breaks the chain at the
first place it touches, and ``verify`` names that entry.

A retention purge removes the oldest entries and appends a
``retention_purge`` entry whose ``anchor`` is ``"K:HASH"``: the last purged
sequence number and its hash. Verification of what remains starts from that
anchor, so the shortened chain stays checkable. (A chain proves order and
integrity against partial edits; to catch a rewrite of the whole chain, keep
the head hash ``audit verify`` prints somewhere else.)
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

__all__ = [
    "GENESIS",
    "PURGE",
    "AuditEntry",
    "AuditFilter",
    "AuditRecord",
    "ChainVerifier",
    "Verification",
    "chain",
    "export_row",
    "parse_anchor",
    "verify",
]

GENESIS = "0" * 64
PURGE = "retention_purge"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What happened; the log adds time, sequence and hashes."""

    kind: str
    platform: str = ""
    chat_id: str = ""
    message_id: str = ""
    sender_id: str = ""
    signals: tuple[str, ...] = ()  # "type:value"
    bank: str = ""
    distance: int | None = None
    action: str = ""
    result: str = ""
    actor: str = "bot"
    reason: str = ""
    case_id: str = ""
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    record: AuditRecord
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to browse; empty fields do not filter."""

    kind: str = ""
    case_id: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    head: str  # the last entry's hash: keep it elsewhere to detect a full rewrite
    first_bad: int | None = None
    problem: str = ""


def _canonical(seq: int, at: datetime, record: AuditRecord) -> bytes:
    body = {"seq": seq, "at": _iso(at), **asdict(record)}
    body["signals"] = list(record.signals)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(prev_hash: str, seq: int, at: datetime, record: AuditRecord) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(seq, at, record)).hexdigest()


def chain(previous: tuple[int, str] | None, record: AuditRecord, at: datetime) -> AuditEntry:
    """The entry following ``previous`` (its sequence number and hash; None to start)."""
    seq, prev_hash = (previous[0] + 1, previous[1]) if previous else (1, GENESIS)
    return AuditEntry(seq, at, record, prev_hash, _hash(prev_hash, seq, at, record))


def parse_anchor(anchor: str) -> tuple[int, str]:
    seq, _, value = anchor.partition(":")
    return int(seq), value


class ChainVerifier:
    """Checks entries one at a time (in sequence order), so a log of any length is
    verified in constant memory; ``verify`` is the one-call form."""

    def __init__(self, anchors: Mapping[int, str] | None = None) -> None:
        self._anchors = anchors or {}
        self._expected: tuple[int, str] | None = None
        self._checked = 0
        self._head = GENESIS
        self._failure: Verification | None = None

    def feed(self, entry: AuditEntry) -> bool:
        """Check the next entry; False once the chain is broken (later entries are moot)."""
        if self._failure is not None:
            return False
        expected = self._expected or _start(entry.seq, self._anchors)
        problem = "the oldest entries are missing" if expected is None else _check(entry, expected)
        if problem:
            self._failure = Verification(False, self._checked, self._head, entry.seq, problem)
            return False
        self._checked += 1
        self._head = entry.hash
        self._expected = (entry.seq, entry.hash)
        return True

    def result(self) -> Verification:
        return self._failure or Verification(True, self._checked, self._head)

    @property
    def last(self) -> tuple[int, str] | None:
        """The last verified entry's sequence number and hash."""
        return self._expected if self._failure is None else None


def verify(entries: Iterable[AuditEntry], anchors: Mapping[int, str] | None = None) -> Verification:
    """Check ``entries`` (in sequence order). ``anchors`` maps purged-through
    sequence numbers to hashes, from the log's purge entries."""
    verifier = ChainVerifier(anchors)
    for entry in entries:
        if not verifier.feed(entry):
            break
    return verifier.result()


def _start(first_seq: int, anchors: Mapping[int, str]) -> tuple[int, str] | None:
    if first_seq == 1:
        return 0, GENESIS
    anchor = anchors.get(first_seq - 1)
    return (first_seq - 1, anchor) if anchor else None


def _check(entry: AuditEntry, expected: tuple[int, str]) -> str:
    if entry.seq != expected[0] + 1:
        return f"expected entry {expected[0] + 1} next, found {entry.seq} (deleted or inserted)"
    if entry.prev_hash != expected[1]:
        return "its previous-hash does not match the entry before it (reordered or replaced)"
    if entry.hash != _hash(entry.prev_hash, entry.seq, entry.at, entry.record):
        return "its content does not match its hash (edited)"
    return ""


def export_row(entry: AuditEntry) -> dict[str, str]:
    """A flat row for CSV and JSON exports."""
    row = {"seq": str(entry.seq), "at": _iso(entry.at)}
    for item in fields(AuditRecord):
        value = getattr(entry.record, item.name)
        row[item.name] = (
            " ".join(value) if isinstance(value, tuple) else "" if value is None else str(value)
        )
    row["prev_hash"], row["hash"] = entry.prev_hash, entry.hash
    return row
