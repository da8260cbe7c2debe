"""Banks and their entries, in SQL."""

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.banks import Bank, Entry, EntryStatus, Flood
from core.errors import InputError
from core.ports import AddResult, BankSummary, Clock
from core.store.base import storage_errors
from core.store.codec import bank_from_row, bank_row, entry_from_row, value_key
from core.store.entry_writer import EntryWriter, HeapFreeze
from core.store.schema import bank_changes, bank_entries, banks

__all__ = ["BankTables", "bank_id_of", "lock_banks", "log_change"]

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


async def lock_banks(conn: AsyncConnection) -> None:
    """Bank writes one at a time, so change ids become visible in order
    and a follower that has seen change N has seen every change before it.

    Also: a bulk import grows the table inside one transaction, where the planner's
    statistics still say it is empty and would scan it whole for every batch's
    lookup (quadratic: 200k rows took 8 minutes). The index is always right here."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({BANK_LOCK})"))
        await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    else:  # SQLite: take the write lock first, waiting for it (busy timeout); a
        # transaction that read before writing would fail at once if another
        # connection wrote meanwhile ("database is locked")
        await conn.exec_driver_sql("BEGIN IMMEDIATE")


async def log_change(
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
                await lock_banks(conn)
                if await self._bank_id(conn, bank.name, required=False) is not None:
                    raise InputError(f"bank {bank.name!r} already exists")
                await conn.execute(sa.insert(banks).values(**bank_row(created)))
                await log_change(conn, created.created_at or self._clock.now(), bank.name, "bank")
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

    async def set_bank_shadow(self, name: str, shadow: bool) -> None:
        await self._set_bank(name, shadow=shadow)

    async def _set_bank(self, name: str, **values: Any) -> None:
        with storage_errors("updating bank"):
            async with self._engine.begin() as conn:
                await lock_banks(conn)
                bank_id = await self._bank_id(conn, name)
                await conn.execute(sa.update(banks).where(banks.c.id == bank_id).values(**values))
                await log_change(conn, self._clock.now(), name, "bank")

    async def add_entries(
        self, bank: str, entries: Iterable[Entry], *, added_by: str = ""
    ) -> AddResult:
        result = AddResult()
        now = self._clock.now()
        with storage_errors("adding entries"):
            async with self._engine.begin() as conn:
                await lock_banks(conn)
                bank_id = await self._bank_id(conn, bank)
                writer = await EntryWriter.open(conn, bank_id, now, added_by)
                rows = iter(entries)
                read = 0
                with HeapFreeze() as heap:
                    while batch := list(islice(rows, _WRITE_BATCH)):
                        await writer.stage(batch)
                        read += len(batch)
                        if read >= _WRITE_BATCH:
                            heap.now()
                added, tombstoned, first, last = await writer.merge(read)
                result = AddResult(added, read - added - tombstoned, tombstoned)
                if added:
                    await log_change(conn, now, bank, "add", first_entry=first, last_entry=last)
        return result

    async def set_entry_status(
        self, bank: str, signal_type: str, values: Sequence[str], status: EntryStatus, by: str
    ) -> int:
        changed: list[int] = []
        sources = [s.value for s in _STATUS_FROM[status]]
        with storage_errors("updating entries"):
            async with self._engine.begin() as conn:
                await lock_banks(conn)
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
                    await log_change(
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

    async def _bank_id(self, conn: AsyncConnection, name: str, *, required: bool = True) -> Any:
        return await bank_id_of(conn, name, required=required)


async def bank_id_of(conn: AsyncConnection, name: str, *, required: bool = True) -> Any:
    """A bank's row id by name (None, or ``InputError`` when ``required``)."""
    found = await conn.scalar(sa.select(banks.c.id).where(banks.c.name == name))
    if found is None and required:
        raise InputError(f"no bank named {name!r} (see `blockfirst banks list`)")
    return found


def _active_entries(bank_id: Any) -> sa.Select[Any]:
    """A bank's active entries, oldest first."""
    return (
        sa.select(bank_entries)
        .where(bank_entries.c.bank_id == bank_id)
        .where(bank_entries.c.status == "active")
        .order_by(bank_entries.c.id)
    )
