"""What each bank entry has done (``entry_stats``, ``entry_days``): its matches,
review outcomes and quarantine, and the way out of one (trust, dispute)."""

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.audit import AuditRecord
from core.banks import Entry, EntryStatus
from core.errors import InputError
from core.ports import Clock, EntryStats
from core.store.banks_sql import bank_id_of, lock_banks, log_change
from core.store.base import storage_errors
from core.store.codec import entry_from_row, utc
from core.store.dialect import upsert
from core.store.schema import bank_changes, bank_entries, entry_days, entry_stats
from core.writes import CountHits, JudgeEntries, Quarantine

__all__ = ["EntryStatsTables", "count_hits", "judge", "quarantine"]


class EntryStatsTables:
    """The entry-statistics part of ``SqlStore``."""

    _engine: AsyncEngine
    _clock: Clock

    async def entry_standing(self, ids: Sequence[int] = ()) -> tuple[set[int], set[int]]:
        c = entry_stats.c
        query = sa.select(c.entry_id, c.quarantined_at, c.trusted_at).where(
            sa.or_(c.quarantined_at.is_not(None), c.trusted_at.is_not(None))
        )
        if ids:
            query = query.where(c.entry_id.in_(list(ids)))
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        quarantined = {r.entry_id for r in rows if r.quarantined_at is not None}
        return quarantined, {r.entry_id for r in rows if r.trusted_at is not None} - quarantined

    async def entry_stats(
        self, bank: str, types: Sequence[str] = (), limit: int = 50
    ) -> list[EntryStats]:
        s, e = entry_stats.c, bank_entries.c
        today = (
            sa.select(entry_days.c.hits)
            .where(entry_days.c.entry_id == s.entry_id)
            .where(entry_days.c.day == self._clock.now().astimezone(UTC).date())
            .scalar_subquery()
        )
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                bank_id = await bank_id_of(conn, bank)
                query = (
                    sa.select(bank_entries, entry_stats, today.label("today"))
                    .join(entry_stats, s.entry_id == e.id)
                    .where(e.bank_id == bank_id)
                    .where(e.signal_type.in_(list(types)) if types else sa.true())
                    .order_by(s.hits.desc(), e.id)
                    .limit(limit)
                )
                rows = (await conn.execute(query)).all()
        return [
            EntryStats(
                entry_from_row(r._mapping), r.hits, r.today or 0, r.confirms, r.overturns,
                utc(r.last_hit_at), utc(r.quarantined_at), r.quarantine_reason, utc(r.trusted_at),
            )
            for r in rows
        ]  # fmt: skip

    async def entry_feedback(
        self, bank: str, since: datetime | None = None
    ) -> list[tuple[Entry, int, int]]:
        s, e = entry_stats.c, bank_entries.c
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                bank_id = await bank_id_of(conn, bank)
                query = (
                    sa.select(bank_entries, s.confirms, s.overturns)
                    .join(entry_stats, s.entry_id == e.id)
                    .where(e.bank_id == bank_id)
                    .where(sa.or_(s.confirms > 0, s.overturns > 0, e.status != "active"))
                    .order_by(e.id)
                )
                if since is not None:
                    query = query.where(
                        sa.or_(s.judged_at >= since, sa.and_(e.status != "active",
                                                             e.status_at >= since))
                    )  # fmt: skip
                rows = (await conn.execute(query)).all()
        return [(entry_from_row(r._mapping), r.confirms, r.overturns) for r in rows]

    async def set_entry_standing(self, bank: str, entry_id: int, trusted: bool, by: str) -> Entry:
        now = self._clock.now()
        values = (
            {"quarantined_at": None, "trusted_at": now, "quarantine_reason": ""}
            if trusted
            else {"quarantined_at": now, "quarantine_reason": f"quarantined by {by}"[:500]}
        )
        with storage_errors("updating entries"):
            async with self._engine.begin() as conn:
                await lock_banks(conn)
                bank_id = await bank_id_of(conn, bank)
                row = (
                    await conn.execute(
                        sa.select(bank_entries)
                        .where(bank_entries.c.bank_id == bank_id)
                        .where(bank_entries.c.id == entry_id)
                    )
                ).first()
                if row is None:
                    raise InputError(f"bank {bank!r} has no entry {entry_id}")
                await conn.execute(
                    upsert(conn, entry_stats)
                    .values(entry_id=entry_id, **values)
                    .on_conflict_do_update(index_elements=[entry_stats.c.entry_id], set_=values)
                )
                await log_change(conn, now, bank, "quarantine", entry_ids=[entry_id])
        return entry_from_row(row._mapping)


# The writes of ``apply_ops`` for the engine's entry operations (one transaction
# with the case they come with).


def count_hits(conn: sa.Connection, counts: list[CountHits]) -> None:
    """Add each entry's matches to its total and its day's count (one row per entry
    and per entry-day: the same key twice in one statement is refused)."""
    if not counts:
        return
    totals: dict[int, tuple[int, datetime]] = {}
    days: dict[tuple[int, date], int] = defaultdict(int)
    for count in counts:
        for entry_id in count.entry_ids:
            hits, last = totals.get(entry_id, (0, count.at))
            totals[entry_id] = (hits + 1, max(last, count.at))
            days[entry_id, count.at.astimezone(UTC).date()] += 1
    known = _existing(conn, list(totals))
    totals = {e: v for e, v in totals.items() if e in known}
    days = {key: hits for key, hits in days.items() if key[0] in known}
    if not totals:
        return
    add_hits, add_day_hits = _hit_upserts(conn.dialect.name)
    conn.execute(
        add_hits,
        [{"entry_id": e, "hits": h, "last_hit_at": at} for e, (h, at) in totals.items()],
    )
    conn.execute(add_day_hits, [{"entry_id": e, "day": d, "hits": h} for (e, d), h in days.items()])


@functools.cache
def _hit_upserts(dialect: str) -> tuple[Any, Any]:
    """The two statements of every match's write, built once per dialect (building
    an upsert's ``excluded`` columns each time was a tenth of that write)."""
    stats = upsert(dialect, entry_stats)
    daily = upsert(dialect, entry_days)
    return (
        stats.on_conflict_do_update(
            index_elements=[entry_stats.c.entry_id],
            set_={"hits": entry_stats.c.hits + stats.excluded.hits,
                  "last_hit_at": stats.excluded.last_hit_at},
        ),
        daily.on_conflict_do_update(
            index_elements=[entry_days.c.entry_id, entry_days.c.day],
            set_={"hits": entry_days.c.hits + daily.excluded.hits},
        ),
    )  # fmt: skip


def quarantine(conn: sa.Connection, held: list[Quarantine], now: datetime) -> None:
    """Mark entries quarantined, and log it as a bank change every process follows."""
    known = _existing(conn, [q.entry_id for q in held])
    held = [q for q in held if q.entry_id in known]
    if not held:
        return
    stats = upsert(conn, entry_stats)
    conn.execute(
        stats.on_conflict_do_update(
            index_elements=[entry_stats.c.entry_id],
            set_={"quarantined_at": stats.excluded.quarantined_at,
                  "quarantine_reason": stats.excluded.quarantine_reason},
        ),
        [{"entry_id": q.entry_id, "quarantined_at": now, "quarantine_reason": q.reason[:500]}
         for q in {q.entry_id: q for q in held}.values()],
    )  # fmt: skip
    for bank in sorted({q.bank for q in held}):
        ids = sorted({q.entry_id for q in held if q.bank == bank})
        conn.execute(
            sa.insert(bank_changes).values(bank=bank, kind="quarantine", entry_ids=ids, at=now)
        )


def _existing(conn: sa.Connection, ids: list[int]) -> set[int]:
    """Which of ``ids`` are bank entries (statistics are kept for those only)."""
    if not ids:
        return set()
    query = sa.select(bank_entries.c.id).where(bank_entries.c.id.in_(sorted(set(ids))))
    return set(conn.execute(query).scalars())


def judge(conn: sa.Connection, op: JudgeEntries, now: datetime) -> list[tuple[int, AuditRecord]]:
    """Count a review outcome against its entries; disable those overturned
    ``dispute_after`` times in a row, and say so (a re-import skips them)."""
    ids = sorted(_existing(conn, [entry_id for _, entry_id in op.entries]))
    if not ids:  # (a case may outlive its entries' bank)
        return []
    s = entry_stats.c
    changes = (
        {"confirms": s.confirms + 1, "overturn_streak": 0, "judged_at": now}
        if op.confirmed
        else {
            "overturns": s.overturns + 1,
            "overturn_streak": s.overturn_streak + 1,
            "judged_at": now,
        }
    )
    start: dict[str, Any] = {"confirms": int(op.confirmed), "overturns": int(not op.confirmed)}
    start |= {"overturn_streak": start["overturns"], "judged_at": now}
    stats = upsert(conn, entry_stats)
    conn.execute(
        stats.on_conflict_do_update(index_elements=[s.entry_id], set_=changes),
        [{"entry_id": entry_id, **start} for entry_id in ids],
    )
    if op.confirmed:
        return []
    worn_out = (
        sa.select(s.entry_id)
        .where(s.entry_id.in_(ids))
        .where(s.overturn_streak >= op.dispute_after)
    )
    worn = set(conn.execute(worn_out).scalars())
    e = bank_entries.c
    disable = (
        sa.update(bank_entries)
        .where(e.id.in_(sorted(worn)))
        .where(e.status == EntryStatus.ACTIVE.value)
        .values(status=EntryStatus.DISABLED.value, status_at=now, status_by="review outcomes")
        .returning(e.id, e.signal_type, e.value)
    )
    disabled = conn.execute(disable).all()
    reason = f"overturned {op.dispute_after} times with no confirmation between"
    banks_of = {entry_id: bank for bank, entry_id in op.entries}
    records = []
    for bank in sorted({banks_of[row.id] for row in disabled}):
        mine = sorted(row.id for row in disabled if banks_of[row.id] == bank)
        conn.execute(
            sa.insert(bank_changes).values(bank=bank, kind="status", entry_ids=mine, at=now)
        )
    for row in disabled:
        record = AuditRecord(
            kind="entry_disputed",
            actor="review outcomes",
            bank=banks_of[row.id],
            signals=(f"{row.signal_type}:{row.value[:200]}",),
            result="disabled: it matches nothing, and a re-import of its list skips it",
            reason=f"entry {row.id}: {reason}",
            case_id=op.case_id,
        )
        records.append((row.id, record))
    return records
