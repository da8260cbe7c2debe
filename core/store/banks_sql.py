"""Banks and their entries, in SQL."""

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.banks import Bank, Entry, EntryStatus, Flood
from core.errors import InputError
from core.ports import AddResult, BankSummary, Clock, EntryStats
from core.store.apply_sql import upsert
from core.store.base import storage_errors
from core.store.codec import bank_from_row, bank_row, entry_from_row, utc, value_key
from core.store.schema import bank_changes, bank_entries, banks, entry_days, entry_stats

__all__ = ["BankTables"]

_BATCH = 2000
_WRITE_BATCH = 20_000  # entries a write takes at once
BANK_LOCK = 0x62660003  # PostgreSQL advisory lock: one bank writer at a time
# Which states an entry may move to each state from: removal is final.
_STATUS_FROM = {
    EntryStatus.REMOVED: (EntryStatus.ACTIVE, EntryStatus.DISABLED),
    EntryStatus.DISABLED: (EntryStatus.ACTIVE,),
    # An operator adding or enabling a value on purpose revives it; imports never do.
    EntryStatus.ACTIVE: (EntryStatus.DISABLED, EntryStatus.REMOVED),
}


async def _lock_banks(conn: AsyncConnection) -> None:
    """Bank writes one at a time (PostgreSQL), so change ids become visible in order
    and a follower that has seen change N has seen every change before it.

    Also: a bulk import grows the table inside one transaction, where the planner's
    statistics still say it is empty and would scan it whole for every batch's
    lookup (quadratic: 200k rows took 8 minutes). The index is always right here."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({BANK_LOCK})"))
        await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))


async def _log_change(
    conn: AsyncConnection, at: datetime, bank: str, kind: str, **fields: Any
) -> None:
    row = {"bank": bank, "kind": kind, "at": at, **fields}
    await conn.execute(sa.insert(bank_changes).values(**row))


class BankTables:
    """The bank part of ``SqlStore``."""

    _engine: AsyncEngine
    _clock: Clock

    async def create_bank(self, bank: Bank) -> Bank:
        created = replace(bank, thresholds=dict(bank.thresholds), created_at=self._clock.now())
        with storage_errors("creating bank"):
            async with self._engine.begin() as conn:
                await _lock_banks(conn)
                if await self._bank_id(conn, bank.name, required=False) is not None:
                    raise InputError(f"bank {bank.name!r} already exists")
                await conn.execute(sa.insert(banks).values(**bank_row(created)))
                await _log_change(conn, created.created_at or self._clock.now(), bank.name, "bank")
        return created

    async def get_bank(self, name: str) -> Bank:
        with storage_errors("reading bank"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(sa.select(banks).where(banks.c.name == name))).first()
        if row is None:
            raise InputError(f"no bank named {name!r} (see `blockfirst banks list`)")
        return bank_from_row(row._mapping)

    async def bank_names(self) -> list[str]:
        """Every bank's name, without counting entries (cheap at any size)."""
        with storage_errors("listing banks"):
            async with self._engine.connect() as conn:
                return list(
                    (await conn.execute(sa.select(banks.c.name).order_by(banks.c.name))).scalars()
                )

    async def list_banks(self) -> list[BankSummary]:
        counts = (
            sa.select(
                bank_entries.c.bank_id,
                sa.func.count().filter(bank_entries.c.status == "active").label("active"),
                sa.func.count().filter(bank_entries.c.status != "active").label("dead"),
            )
            .group_by(bank_entries.c.bank_id)
            .subquery()
        )
        query = (
            sa.select(banks, counts.c.active, counts.c.dead)
            .outerjoin(counts, counts.c.bank_id == banks.c.id)
            .order_by(banks.c.name)
        )
        with storage_errors("listing banks"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [BankSummary(bank_from_row(r._mapping), r.active or 0, r.dead or 0) for r in rows]

    async def set_bank_enabled(self, name: str, enabled: bool) -> None:
        await self._set_bank(name, enabled=enabled)

    async def set_bank_flood(self, name: str, flood: Flood | None) -> None:
        await self._set_bank(name, flood=asdict(flood) if flood else None)

    async def _set_bank(self, name: str, **values: Any) -> None:
        with storage_errors("updating bank"):
            async with self._engine.begin() as conn:
                await _lock_banks(conn)
                bank_id = await self._bank_id(conn, name)
                await conn.execute(sa.update(banks).where(banks.c.id == bank_id).values(**values))
                await _log_change(conn, self._clock.now(), name, "bank")

    async def add_entries(
        self, bank: str, entries: Iterable[Entry], *, added_by: str = ""
    ) -> AddResult:
        result = AddResult()
        now = self._clock.now()
        with storage_errors("adding entries"):
            async with self._engine.begin() as conn:
                await _lock_banks(conn)
                bank_id = await self._bank_id(conn, bank)
                writer = await _EntryWriter.open(conn, bank_id, now, added_by)
                rows = iter(entries)
                read = 0
                while batch := list(islice(rows, _WRITE_BATCH)):
                    await writer.stage(batch)
                    read += len(batch)
                added, tombstoned, first, last = await writer.merge(read)
                result = AddResult(added, read - added - tombstoned, tombstoned)
                if added:
                    await _log_change(conn, now, bank, "add", first_entry=first, last_entry=last)
        return result

    async def set_entry_status(
        self, bank: str, signal_type: str, values: Sequence[str], status: EntryStatus, by: str
    ) -> int:
        changed: list[int] = []
        sources = [s.value for s in _STATUS_FROM[status]]
        with storage_errors("updating entries"):
            async with self._engine.begin() as conn:
                await _lock_banks(conn)
                bank_id = await self._bank_id(conn, bank)
                for start in range(0, len(values), _BATCH):
                    update = (
                        sa.update(bank_entries)
                        .where(bank_entries.c.bank_id == bank_id)
                        .where(bank_entries.c.signal_type == signal_type)
                        .where(
                            bank_entries.c.value_key.in_(
                                [value_key(v) for v in values[start : start + _BATCH]]
                            )
                        )
                        .where(bank_entries.c.status.in_(sources))
                        .values(status=status.value, status_at=self._clock.now(), status_by=by)
                        .returning(bank_entries.c.id)
                    )
                    changed += (await conn.execute(update)).scalars()
                if changed:
                    await _log_change(
                        conn, self._clock.now(), bank, "status", entry_ids=sorted(changed)
                    )
        return len(changed)

    async def entry_ids(
        self, bank: str, signals: Sequence[tuple[str, str]]
    ) -> list[tuple[int, str, str]]:
        """``(id, signal_type, value)`` of the bank's active entries among ``signals``."""
        wanted = set(signals)
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                bank_id = await self._bank_id(conn, bank)
                query = (
                    sa.select(bank_entries.c.id, bank_entries.c.signal_type, bank_entries.c.value)
                    .where(bank_entries.c.bank_id == bank_id)
                    .where(bank_entries.c.status == "active")
                    .where(bank_entries.c.signal_type.in_({t for t, _ in wanted}))
                    .where(bank_entries.c.value_key.in_({value_key(v) for _, v in wanted}))
                )
                rows = (await conn.execute(query)).all()
        return [(r.id, r.signal_type, r.value) for r in rows if (r.signal_type, r.value) in wanted]

    async def iter_entries(self, bank: str) -> AsyncIterator[Entry]:
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                query = _active_entries(await self._bank_id(conn, bank))
                result = await conn.stream(query.execution_options(yield_per=_BATCH))
                async for row in result:
                    yield entry_from_row(row._mapping)

    async def entry_page(
        self, bank: str, types: Sequence[str], *, after: int = 0, limit: int = 100
    ) -> list[Entry]:
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                query = (
                    _active_entries(await self._bank_id(conn, bank))
                    .where(bank_entries.c.signal_type.in_(list(types)))
                    .where(bank_entries.c.id > after)
                    .limit(limit)
                )
                rows = (await conn.execute(query)).all()
        return [entry_from_row(r._mapping) for r in rows]

    async def type_counts(self, bank: str) -> dict[str, int]:
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                bank_id = await self._bank_id(conn, bank)
                query = (
                    sa.select(bank_entries.c.signal_type, sa.func.count())
                    .where(bank_entries.c.bank_id == bank_id)
                    .where(bank_entries.c.status == "active")
                    .group_by(bank_entries.c.signal_type)
                    .order_by(bank_entries.c.signal_type)
                )
                return {row[0]: row[1] for row in (await conn.execute(query)).all()}

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
                bank_id = await self._bank_id(conn, bank)
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
                bank_id = await self._bank_id(conn, bank)
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

    async def dispute_entry(self, bank: str, entry_id: int, by: str) -> tuple[Entry, bool]:
        with storage_errors("reading entries"):
            async with self._engine.connect() as conn:
                query = sa.select(bank_entries).where(bank_entries.c.id == entry_id)
                row = (
                    await conn.execute(
                        query.where(bank_entries.c.bank_id == await self._bank_id(conn, bank))
                    )
                ).first()
        if row is None:
            raise InputError(f"bank {bank!r} has no entry {entry_id}")
        entry = entry_from_row(row._mapping)
        status = EntryStatus.DISABLED
        changed = await self.set_entry_status(bank, entry.signal_type, [entry.value], status, by)
        return entry, bool(changed)

    async def set_entry_standing(self, bank: str, entry_id: int, trusted: bool, by: str) -> Entry:
        now = self._clock.now()
        values = (
            {"quarantined_at": None, "trusted_at": now, "quarantine_reason": ""}
            if trusted
            else {"quarantined_at": now, "quarantine_reason": f"quarantined by {by}"[:500]}
        )
        with storage_errors("updating entries"):
            async with self._engine.begin() as conn:
                await _lock_banks(conn)
                bank_id = await self._bank_id(conn, bank)
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
                await _log_change(conn, now, bank, "quarantine", entry_ids=[entry_id])
        return entry_from_row(row._mapping)

    async def _bank_id(self, conn: AsyncConnection, name: str, *, required: bool = True) -> Any:
        return await bank_id_of(conn, name, required=required)


async def bank_id_of(conn: AsyncConnection, name: str, *, required: bool = True) -> Any:
    """A bank's row id by name (None, or ``InputError`` when ``required``)."""
    found = await conn.scalar(sa.select(banks.c.id).where(banks.c.name == name))
    if found is None and required:
        raise InputError(f"no bank named {name!r} (see `blockfirst banks list`)")
    return found


_STATUS = {status: status.value for status in EntryStatus}  # (an enum's .value is slow)
_COLUMNS = (
    "bank_id", "signal_type", "value", "value_key", "quality", "source", "external_id",
    "added_at", "added_by", "note", "tags", "status", "allow",
)  # fmt: skip
_LIST = ", ".join(_COLUMNS)
_SQLITE_STAGE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS entries_in AS SELECT {_LIST} FROM bank_entries WHERE 0"
)
_SQLITE_STAGE_ROWS = f"INSERT INTO entries_in ({_LIST}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_SQLITE_MERGE = (
    f"INSERT OR IGNORE INTO bank_entries ({_LIST}) SELECT {_LIST} FROM entries_in "
    "ORDER BY signal_type, value_key"
)
_PG_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS entries_in ON COMMIT DROP AS "
    f"SELECT {_LIST} FROM bank_entries WITH NO DATA"
)
# Under the bank lock no one else adds entries, so what is new is found by an
# anti-join (ON CONFLICT checks each row speculatively: 15 % slower at 500k).
_PG_MERGE = (
    f"WITH added AS (INSERT INTO bank_entries ({_LIST}) "
    f"SELECT DISTINCT ON (signal_type, value_key) {_LIST} FROM entries_in s "
    "WHERE NOT EXISTS (SELECT 1 FROM bank_entries b WHERE b.bank_id = s.bank_id "
    "AND b.signal_type = s.signal_type AND b.value_key = s.value_key) "
    "ORDER BY signal_type, value_key RETURNING id) "
    "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM added"
)
_PG_MERGE_SETTINGS = (
    "ANALYZE entries_in",  # a temporary table has no statistics
    "SET LOCAL jit = off",  # compiling the plan cost more than it saved
)
# Staged keys the bank has disabled or removed (those an import does not bring back).
_TOMBSTONES = (
    "SELECT count(*) FROM (SELECT DISTINCT s.signal_type, s.value_key FROM entries_in s "
    "JOIN bank_entries b ON b.bank_id = s.bank_id AND b.signal_type = s.signal_type "
    "AND b.value_key = s.value_key WHERE b.status != 'active') AS gone"
)


class _EntryWriter:
    """Adds many entries the fastest way each database takes them, memory flat:
    batches are staged in a temporary table without indexes (SQLite one
    ``executemany`` of plain tuples, PostgreSQL ``COPY``), then merged in one
    set-based insert in the unique index's order, skipping what the bank has (a
    tombstone included). The bank's write lock is held throughout."""

    def __init__(self, conn: AsyncConnection, bank_id: int, now: datetime, by: str) -> None:
        self._conn = conn
        self._bank_id = bank_id
        self._sqlite = conn.dialect.name == "sqlite"
        processor = bank_entries.c.added_at.type.dialect_impl(conn.dialect).bind_processor(
            conn.dialect
        )
        self._stamp: Any = processor or (lambda moment: moment)  # SQLite keeps text
        self._now = self._stamp(now)
        self._by = by

    @classmethod
    async def open(
        cls, conn: AsyncConnection, bank_id: int, now: datetime, by: str
    ) -> "_EntryWriter":
        writer = cls(conn, bank_id, now, by)
        await conn.exec_driver_sql(_SQLITE_STAGE if writer._sqlite else _PG_STAGE)
        await conn.exec_driver_sql("DELETE FROM entries_in")
        return writer

    async def stage(self, entries: list[Entry]) -> None:
        rows = [
            (
                self._bank_id, e.signal_type, e.value, value_key(e.value), e.quality, e.source,
                e.external_id, self._stamp(e.added_at) if e.added_at else self._now,
                e.added_by or self._by, e.note, " ".join(e.tags), _STATUS[e.status],
                int(e.allow) if self._sqlite else e.allow,
            )
            for e in entries
        ]  # fmt: skip
        driver = (await self._conn.get_raw_connection()).driver_connection
        assert driver is not None
        if self._sqlite:
            await driver.executemany(_SQLITE_STAGE_ROWS, rows)
        else:
            await driver.copy_records_to_table("entries_in", records=rows, columns=_COLUMNS)

    async def merge(self, staged: int) -> tuple[int, int, int, int]:
        """Insert the ``staged`` entries the bank does not have, in key order (the
        unique index grows in order: at 2M lines SQLite took 20 s this way, 27 s
        writing each sorted batch straight into the bank): how
        many were added and how many were tombstones, and the first and last new ids."""
        if self._sqlite:
            before = await self._max_id()
            await self._conn.exec_driver_sql(_SQLITE_MERGE)
            last = await self._max_id()
            added, first = last - before, before + 1
        else:
            for setting in _PG_MERGE_SETTINGS:
                await self._conn.exec_driver_sql(setting)
            added, first, last = tuple((await self._conn.exec_driver_sql(_PG_MERGE)).one())
        tombstoned = 0
        if added < staged:  # the rest were there: active (duplicates) or tombstones
            tombstoned = (await self._conn.exec_driver_sql(_TOMBSTONES)).scalar_one()
        await self._conn.exec_driver_sql("DELETE FROM entries_in")
        return added, tombstoned, first, last

    async def _max_id(self) -> int:
        return await self._conn.scalar(sa.select(sa.func.max(bank_entries.c.id))) or 0


def _active_entries(bank_id: Any) -> sa.Select[Any]:
    """A bank's active entries, oldest first."""
    return (
        sa.select(bank_entries)
        .where(bank_entries.c.bank_id == bank_id)
        .where(bank_entries.c.status == "active")
        .order_by(bank_entries.c.id)
    )
