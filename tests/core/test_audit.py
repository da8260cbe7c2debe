from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.audit import GENESIS, AuditEntry, AuditRecord, chain, export_row, verify

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def log(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous = None
    for i in range(n):
        record = AuditRecord(
            kind="action", chat_id="c", message_id=str(i), action="delete", result="done"
        )
        entries.append(chain(previous, record, T0 + timedelta(seconds=i)))
        previous = (entries[-1].seq, entries[-1].hash)
    return entries


def test_a_clean_chain_verifies_and_reports_its_head() -> None:
    entries = log(5)
    result = verify(entries)
    assert (result.ok, result.checked, result.head) == (True, 5, entries[-1].hash)
    assert entries[0].prev_hash == GENESIS


def edited(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[2] = replace(entries[2], record=replace(entries[2].record, result="failed"))
    return entries


def deleted(entries: list[AuditEntry]) -> list[AuditEntry]:
    del entries[2]
    return entries


def inserted(entries: list[AuditEntry]) -> list[AuditEntry]:
    forged = chain((entries[1].seq, entries[1].hash), AuditRecord(kind="action"), T0)
    return [*entries[:2], forged, *entries[2:]]


def reordered(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[2], entries[3] = entries[3], entries[2]
    return entries


def rehashed(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Edited and its own hash recomputed: the next entry's link breaks."""
    bad = chain(
        (entries[1].seq, entries[1].hash), replace(entries[2].record, result="x"), entries[2].at
    )
    entries[2] = bad
    return entries


def time_shifted(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[2] = replace(entries[2], at=entries[2].at + timedelta(hours=1))
    return entries


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        (edited, 3, "edited"),
        (deleted, 4, "deleted or inserted"),
        (inserted, 3, "deleted or inserted"),  # the original 3 after the forged one
        (reordered, 4, "deleted or inserted"),
        (rehashed, 4, "reordered or replaced"),
        (time_shifted, 3, "edited"),
    ],
)
def test_tampering_is_detected_at_the_first_bad_entry(
    tamper: object, first_bad: int, problem: str
) -> None:
    result = verify(tamper(log(6)))  # type: ignore[operator]
    assert not result.ok
    assert result.first_bad == first_bad
    assert problem in result.problem


def test_a_purged_head_verifies_only_with_its_anchor() -> None:
    entries = log(6)
    kept = entries[3:]
    assert not verify(kept).ok
    assert verify(kept, {3: entries[2].hash}).ok
    assert not verify(kept, {3: "f" * 64}).ok


def test_export_rows_are_flat_strings() -> None:
    entry = chain(None, AuditRecord(kind="match", signals=("pdq:ab", "md5:cd"), distance=None), T0)
    row = export_row(entry)
    assert row["signals"] == '["pdq:ab", "md5:cd"]'
    assert row["distance"] == ""
    assert row["at"] == "2026-03-01T09:00:00.000000Z"
    assert row["hash"] == entry.hash


def test_an_entrys_hash_is_the_one_logs_already_hold() -> None:
    """The canonical form is part of every stored chain: any change to how a record
    is serialised for hashing would fail verification of existing logs."""
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    record = AuditRecord(
        "match", "telegram", "-100", "42", "7", ("pdq:ab", "md5:cd"), "ncii", 12,
        "delete_message", "case opened", "bot", "pdq block band, 불법촬영물", "c1",
    )  # fmt: skip
    entry = chain((41, "f" * 64), record, at)
    assert entry.hash == "92a94b283190ca6fa74b3e46c2e84f84624c5b460a62a8acce801089b0d666ca"
