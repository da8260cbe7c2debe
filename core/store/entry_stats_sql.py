"""What each bank entry has done (``entry_stats``, ``entry_days``): its matches,
review outcomes and quarantine, and the way out of one (trust, dispute)."""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.banks import Entry
from core.errors import InputError
from core.ports import Clock, EntryStats
from core.store.apply_sql import upsert
from core.store.banks_sql import bank_id_of, lock_banks, log_change
from core.store.base import storage_errors
from core.store.codec import entry_from_row, utc
from core.store.schema import bank_entries, entry_days, entry_stats

__all__ = ["EntryStatsTables"]


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
