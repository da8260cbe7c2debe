"""The tamper-evident audit log (pure): hash chaining, verification, export rows.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical
encoding of the entry (JSON, sorted keys, no spaces, UTF-8, UTC times in
ISO 8601 with microseconds). Sequence numbers run 1, 2, 3, ... without gaps,
so an edited, deleted, inserted or reordered entry breaks the chain at the
first place it touches, and ``verify`` names that entry.

A retention purge removes the oldest entries and appends a
``retention_purge`` entry whose ``anchor`` is ``"K:HASH"``: the last purged
sequence number and its hash. Verification of what remains starts from that
anchor, so the shortened chain stays checkable. A purge may only remove
entries older than the legal keeping period (``RETENTION``, three years):
one that removed younger entries is reported as tampering.

A chain alone cannot show that its newest entries were cut off, so the store
keeps a head checkpoint (the last entry's number and hash) in a table of its
own, written in the same transaction as every append; ``verify`` compares the
chain's end with it. What verification proves, and what it cannot:

- an edited, deleted, inserted or reordered entry, a row that cannot be read,
  and missing newest (or all) entries are found, unless whoever did it also
  rewrote the checkpoint and every later entry;
- a rewrite of the whole chain and checkpoint together (someone with full
  write access to the database) is found only against a head kept elsewhere:
  write down the ``SEQ:HASH`` that ``audit verify`` prints (or that an export
  ends with) and check it later with ``audit verify --expect SEQ:HASH``;
- nothing here proves an entry was ever written: the log records what
  blockfirst did, not what it was never told.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

__all__ = [
    "GENESIS",
    "PURGE",
    "RETENTION",
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
RETENTION = timedelta(days=3 * 365)  # Korea's keeping period for these records
_CUTOFF = re.compile(r"entries before (\S+) removed")


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
    problem: str = ""  # why a stored row could not be read (it then fails verification)


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


_RECORD_FIELDS = tuple(f.name for f in fields(AuditRecord))


def _canonical(seq: int, at: datetime, record: AuditRecord) -> bytes:
    # The record's fields are flat: read as they are (``asdict`` copied each deeply).
    body: dict[str, object] = {"seq": seq, "at": _iso(at)}
    body.update((name, getattr(record, name)) for name in _RECORD_FIELDS)
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
    verified in constant memory; ``verify`` is the one-call form.

    ``expect`` is a ``(seq, hash)`` written down earlier: that entry must still
    be in the chain, with that hash (or be the anchor a purge left)."""

    def __init__(
        self, anchors: Mapping[int, str] | None = None, expect: tuple[int, str] | None = None
    ) -> None:
        self._anchors = anchors or {}
        self._expect = expect
        self._expect_seen = expect is not None and self._anchors.get(expect[0]) == expect[1]
        self._expected: tuple[int, str] | None = None
        self._checked = 0
        self._head = GENESIS
        self._failure: Verification | None = None

    def feed(self, entry: AuditEntry) -> bool:
        """Check the next entry; False once the chain is broken (later entries are moot)."""
        if self._failure is not None:
            return False
        expected = self._expected or _start(entry.seq, self._anchors)
        if entry.problem:
            problem = f"the stored row cannot be read ({entry.problem})"
        elif expected is None:
            problem = "the oldest entries are missing"
        else:
            problem = _check(entry, expected) or _purge_problem(entry)
        if not problem and self._expect is not None and entry.seq == self._expect[0]:
            if entry.hash != self._expect[1]:
                problem = "its hash is not the one written down for it (--expect)"
            self._expect_seen = True
        if problem:
            self._failure = Verification(False, self._checked, self._head, entry.seq, problem)
            return False
        self._checked += 1
        self._head = entry.hash
        self._expected = (entry.seq, entry.hash)
        return True

    def result(self, checkpoint: tuple[int, str] | None = None) -> Verification:
        """The verdict so far; ``checkpoint`` is the store's head checkpoint, which
        the chain's last entry must be (so a cut-off end is found)."""
        if self._failure is not None:
            return self._failure
        last = self._expected
        if checkpoint is not None and checkpoint[0] > 0 and last != checkpoint:
            seq = (last[0] + 1) if last else 1
            if last is not None and last[0] > checkpoint[0]:
                problem = f"entries after {checkpoint[0]} were added outside blockfirst"
            else:
                problem = (
                    f"the newest entries are missing: the head checkpoint records entry "
                    f"{checkpoint[0]} ({checkpoint[1][:16]}...)"
                )
            return Verification(False, self._checked, self._head, seq, problem)
        if self._expect is not None and not self._expect_seen:
            problem = f"entry {self._expect[0]} written down with --expect is not in the chain"
            return Verification(False, self._checked, self._head, self._expect[0], problem)
        return Verification(True, self._checked, self._head)

    @property
    def last(self) -> tuple[int, str] | None:
        """The last verified entry's sequence number and hash."""
        return self._expected if self._failure is None else None


def verify(
    entries: Iterable[AuditEntry],
    anchors: Mapping[int, str] | None = None,
    checkpoint: tuple[int, str] | None = None,
) -> Verification:
    """Check ``entries`` (in sequence order). ``anchors`` maps purged-through
    sequence numbers to hashes, from the log's purge entries; ``checkpoint`` is
    the store's head checkpoint."""
    verifier = ChainVerifier(anchors)
    for entry in entries:
        if not verifier.feed(entry):
            break
    return verifier.result(checkpoint)


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


def _purge_problem(entry: AuditEntry) -> str:
    """A purge may only have removed entries older than the keeping period."""
    if entry.record.kind != PURGE:
        return ""
    found = _CUTOFF.search(entry.record.reason)
    try:
        cutoff = datetime.fromisoformat(found.group(1)) if found else None
    except ValueError:
        cutoff = None
    if cutoff is None or cutoff.tzinfo is None:
        return "a retention purge that does not say what it removed"
    if entry.at - cutoff < RETENTION - timedelta(days=1):
        return f"a purge removed entries younger than {RETENTION.days} days (before {cutoff})"
    return ""


def export_row(entry: AuditEntry) -> dict[str, str]:
    """A flat row for CSV and JSON exports."""
    row = {"seq": str(entry.seq), "at": _iso(entry.at)}
    for item in fields(AuditRecord):
        value = getattr(entry.record, item.name)
        if isinstance(value, tuple):  # signals: a vPDQ value holds spaces and commas
            row[item.name] = json.dumps(list(value), ensure_ascii=False) if value else ""
        else:
            row[item.name] = "" if value is None else str(value)
    row["prev_hash"], row["hash"] = entry.prev_hash, entry.hash
    row["problem"] = entry.problem
    return row
