"""The audit log under attack: truncation, forged purges, unreadable rows, and
values with spaces (issue 13, items 8, 9 and 10). A real SQLite file, edited
behind the store's back as an intruder would."""

import asyncio
import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bots.cli import cli
from core.audit import PURGE, AuditRecord, chain
from core.store import SqlStore, open_store
from core.writes import Audit
from tests.core.store.old_schema import database_at
from tests.fakes import FakeClock

VPDQ = json.dumps(["f" * 64 + ",100,0.000", "e" * 64 + ",99,1.000"])  # spaces after commas
NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def _fill(path: Path, n: int = 6, at: datetime = NOW) -> None:
    async with open_store(f"sqlite:///{path}", FakeClock(at)) as store:
        records = [
            AuditRecord(kind="match", signals=(f"vpdq:{VPDQ}", "md5:ab"), bank="v", distance=i)
            for i in range(n)
        ]
        await store.apply([Audit(r) for r in records])


async def _verify(path: Path, expect: tuple[int, str] | None = None) -> tuple[bool, str]:
    async with open_store(f"sqlite:///{path}", create=False) as store:
        result = await store.verify_audit(expect)
    return result.ok, f"{result.first_bad}: {result.problem}"


def _sql(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(statement)


async def test_a_vpdq_match_round_trips_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await _fill(path)
    async with open_store(f"sqlite:///{path}") as store:
        entries = [e async for e in store.iter_audit()]
    assert entries[0].record.signals == (f"vpdq:{VPDQ}", "md5:ab")
    assert await _verify(path) == (True, "None: ")


async def test_rows_written_space_joined_are_rejoined_by_the_migration(tmp_path: Path) -> None:
    """A deployment that matched a video before this fix has such rows: they verify after."""
    path = tmp_path / "old.db"
    previous = None
    with database_at(path, "0010") as conn:
        for i in range(3):
            record = AuditRecord(kind="match", signals=(f"vpdq:{VPDQ}", "md5:ab"), distance=i)
            entry = chain(previous, record, NOW)
            row = {**asdict(record), "signals": " ".join(record.signals)}
            row.update(seq=entry.seq, at=NOW, prev_hash=entry.prev_hash, hash=entry.hash)
            conn.execute(sa.table("audit_log", *map(sa.column, row)).insert(), [row])
            previous = (entry.seq, entry.hash)
    assert await _verify(path) == (True, "None: ")


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        ("delete from audit_log where seq > 4", 5, "newest entries are missing"),
        ("delete from audit_log", 1, "newest entries are missing"),
        ("update audit_log set at = 'yesterday' where seq = 3", 3, "cannot be read"),
        ("update audit_log set signals = 'not json' where seq = 3", 3, "cannot be read"),
        ("update audit_log set distance = 'far' where seq = 3", 3, "cannot be read"),
        ("update audit_log set kind = NULL where seq = 3", 3, None),  # refused by NOT NULL
    ],
    ids=["newest", "all", "bad-time", "bad-signals", "bad-distance", "null"],
)
async def test_truncation_and_unreadable_rows_are_tampering(
    tmp_path: Path, tamper: str, first_bad: int, problem: str | None
) -> None:
    path = tmp_path / "a.db"
    await _fill(path)
    if problem is None:
        with pytest.raises(sqlite3.IntegrityError):
            _sql(path, tamper)
        return
    _sql(path, tamper)
    ok, found = await _verify(path)
    assert not ok
    assert found.startswith(f"{first_bad}: ")
    assert problem in found


async def test_a_forged_purge_of_recent_entries_is_tampering(tmp_path: Path) -> None:
    """Deleting the oldest entries and appending a purge entry anchored on the last
    one deleted (its hash is there to read) used to verify as ok."""
    path = tmp_path / "a.db"
    await _fill(path)
    async with open_store(f"sqlite:///{path}", FakeClock(NOW)) as store:
        entries = [e async for e in store.iter_audit()]
        anchor = entries[2]
        _sql(path, "delete from audit_log where seq <= 3")
        cutoff = (NOW - timedelta(days=10)).isoformat()
        forged = AuditRecord(
            kind=PURGE,
            actor="cli:mallory",
            reason=f"retention: entries before {cutoff} removed",
            anchor=f"{anchor.seq}:{anchor.hash}",
        )
        await store.apply([Audit(forged)])  # the head checkpoint follows: an insider's forgery
    ok, found = await _verify(path)
    assert not ok
    assert "a purge removed entries younger than 1095 days" in found


async def test_a_head_written_down_finds_a_rewrite_of_the_whole_log(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await _fill(path, 3)
    async with open_store(f"sqlite:///{path}") as store:
        head = await store.audit_head()
    assert head is not None
    assert await _verify(path, head) == (True, "None: ")
    _sql(path, "delete from audit_log")
    _sql(path, "delete from audit_head")
    await _fill(path, 5, NOW + timedelta(days=1))  # a whole new, self-consistent log
    assert (await _verify(path))[0]  # consistent in itself...
    ok, found = await _verify(path, head)  # ...but not with what was written down
    assert not ok
    assert "written down" in found


async def test_the_cli_reports_an_unreadable_row_in_one_line_and_exports_every_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    await _fill(path)
    _sql(path, "update audit_log set at = 'garbage' where seq = 2")
    runner = CliRunner()
    db = ["--db", f"sqlite:///{path}"]
    verified = await asyncio.to_thread(runner.invoke, cli, [*db, "audit", "verify"])
    assert verified.exit_code == 1
    assert "TAMPERED at entry 2: the stored row cannot be read" in verified.stderr
    exported = await asyncio.to_thread(
        runner.invoke, cli, [*db, "audit", "export", "--format", "json"]
    )
    assert exported.exit_code == 0
    rows = json.loads(exported.stdout)
    assert [r["seq"] for r in rows] == [str(i) for i in range(1, 7)]
    assert rows[1]["problem"]


async def test_the_store_keeps_the_head_checkpoint(store: SqlStore) -> None:
    assert await store.audit_head() is None
    await store.apply([Audit(AuditRecord(kind="note"))])
    head = await store.audit_head()
    assert head is not None
    assert head[0] == 1
