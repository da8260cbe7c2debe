"""Adding many bank entries at once, the fastest way each database takes them
(``BankTables.add_entries``)."""

import gc
from datetime import datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.banks import Entry, EntryStatus
from core.store.codec import KEY_MAX, value_key
from core.store.schema import bank_entries

__all__ = ["EntryWriter", "HeapFreeze"]

# A staged row names only what varies in a list: an entry that carries nothing
# but its type, its value and the list's source (almost every line of a hash
# list) is staged with two columns, the rest left NULL for the merge to fill in
# (binding 13 values a row was most of the staging's time).
_PLAIN = ("signal_type", "value")
_FULL = (*_PLAIN, "quality", "source", "value_key", "external_id", "added_at", "added_by",
         "note", "tags", "status", "allow")  # fmt: skip
_STATUS = {status: status.value for status in EntryStatus}  # (an enum's .value is slow)
_INSERTED = (
    "bank_id", "signal_type", "value", "value_key", "quality", "source", "external_id",
    "added_at", "added_by", "note", "tags", "status", "allow",
)  # fmt: skip
_KEY = "coalesce(s.value_key, s.value)"
_SELECTED = (
    f":bank, signal_type, value, {_KEY}, quality, coalesce(source, :source), "
    "coalesce(external_id, ''), coalesce(added_at, :now), coalesce(added_by, :by), "
    "coalesce(note, ''), coalesce(tags, ''), coalesce(status, 'active'), coalesce(allow, :no)"
)
_STAGE = "CREATE TEMPORARY TABLE IF NOT EXISTS entries_in {} AS SELECT {} FROM bank_entries {}"
_SQLITE_STAGE = _STAGE.format("", ", ".join(_FULL), "WHERE 0")
_PG_STAGE = _STAGE.format("ON COMMIT DROP", ", ".join(_FULL), "WITH NO DATA")
_SQLITE_MERGE = (
    f"INSERT OR IGNORE INTO bank_entries ({', '.join(_INSERTED)}) SELECT {_SELECTED} "
    f"FROM entries_in s ORDER BY s.signal_type, {_KEY}"
)
# Under the bank lock no one else adds entries, so what is new is found by an
# anti-join (ON CONFLICT checks each row speculatively: 15 % slower at 500k).
_PG_MERGE = (
    f"WITH added AS (INSERT INTO bank_entries ({', '.join(_INSERTED)}) "
    f"SELECT DISTINCT ON (s.signal_type, {_KEY}) {_SELECTED} FROM entries_in s "
    "WHERE NOT EXISTS (SELECT 1 FROM bank_entries b WHERE b.bank_id = :bank "
    f"AND b.signal_type = s.signal_type AND b.value_key = {_KEY}) "
    f"ORDER BY s.signal_type, {_KEY} RETURNING id) "
    "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM added"
)
_PG_MERGE_SETTINGS = (
    "ANALYZE entries_in",  # a temporary table has no statistics
    "SET LOCAL jit = off",  # compiling the plan cost more than it saved
)
# SQLite sorts the staged rows in a second thread while this one waits (4.2 to
# 3.1 s at 2M lines); reset after, for the connection's next user.
_SQLITE_SORT_THREADS = ("PRAGMA threads = 2", "PRAGMA threads = 0")
# Staged keys the bank had disabled or removed before (an import does not bring
# them back; an entry it added disabled is not one).
_TOMBSTONES = (
    f"SELECT count(*) FROM (SELECT DISTINCT s.signal_type, {_KEY} FROM entries_in s "
    "JOIN bank_entries b ON b.bank_id = :bank AND b.signal_type = s.signal_type "
    f"AND b.value_key = {_KEY} WHERE b.status != 'active' AND b.id <= :before) AS gone"
)


_TYPES = {
    "bank": bank_entries.c.bank_id.type,
    "now": bank_entries.c.added_at.type,
    "by": bank_entries.c.added_by.type,
    "no": bank_entries.c.allow.type,
    "before": bank_entries.c.id.type,
    "source": bank_entries.c.source.type,
}


def _typed(sql: str) -> sa.TextClause:
    """``sql`` with the import's constants bound as the columns they fill."""
    named = [sa.bindparam(name, type_=kind) for name, kind in _TYPES.items() if f":{name}" in sql]
    return sa.text(sql).bindparams(*named)


class EntryWriter:
    """Adds many entries the fastest way each database takes them, memory flat:
    batches are staged in a temporary table without indexes (SQLite one
    ``executemany`` of plain tuples, PostgreSQL ``COPY``), then merged in one
    set-based insert in the unique index's order, skipping what the bank has (a
    tombstone included). The bank's write lock is held throughout."""

    def __init__(self, conn: AsyncConnection, bank_id: int, now: datetime, by: str) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        processor = bank_entries.c.added_at.type.dialect_impl(conn.dialect).bind_processor(
            conn.dialect
        )
        self._stamp: Any = processor or (lambda moment: moment)  # SQLite keeps text
        self._constants = {"bank": bank_id, "now": now, "by": by, "no": False, "source": ""}
        # What a plain entry carries besides its type and value: the source is the
        # first entry's (a list's lines share theirs), the rest are the defaults.
        self._plain: tuple[Any, ...] | None = None

    @classmethod
    async def open(
        cls, conn: AsyncConnection, bank_id: int, now: datetime, by: str
    ) -> "EntryWriter":
        writer = cls(conn, bank_id, now, by)
        await conn.exec_driver_sql(_SQLITE_STAGE if writer._sqlite else _PG_STAGE)
        await conn.exec_driver_sql("DELETE FROM entries_in")
        return writer

    async def stage(self, entries: list[Entry]) -> None:
        if self._plain is None and entries:
            source = self._constants["source"] = entries[0].source
            self._plain = (source, None, "", "", "", (), None, EntryStatus.ACTIVE, False)
        plain: list[tuple[Any, ...]] = []
        full: list[tuple[Any, ...]] = []
        for e in entries:
            rest = (
                e.source, e.quality, e.external_id, e.added_by, e.note, e.tags, e.added_at,
                e.status, e.allow,
            )  # fmt: skip
            if rest == self._plain and len(e.value) <= KEY_MAX:
                plain.append((e.signal_type, e.value))
            else:
                full.append(self._full_row(e))
        driver = (await self._conn.get_raw_connection()).driver_connection
        assert driver is not None
        for columns, rows in ((_PLAIN, plain), (_FULL, full)):
            if not rows:
                continue
            if self._sqlite:
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO entries_in ({', '.join(columns)}) VALUES ({marks})"
                await driver.executemany(sql, rows)
            else:
                await driver.copy_records_to_table("entries_in", records=rows, columns=columns)

    def _full_row(self, e: Entry) -> tuple[Any, ...]:
        key = value_key(e.value)
        return (
            e.signal_type, e.value, e.quality, e.source, key if key != e.value else None,
            e.external_id, self._stamp(e.added_at) if e.added_at else None, e.added_by or None,
            e.note, " ".join(e.tags), _STATUS[e.status], int(e.allow) if self._sqlite else e.allow,
        )  # fmt: skip

    async def merge(self, staged: int) -> tuple[int, int, int, int]:
        """Insert the ``staged`` entries the bank does not have, in key order (the
        unique index grows in order: at 2M lines SQLite took 20 s this way, 27 s
        writing each sorted batch straight into the bank): how
        many were added and how many were tombstones, and the first and last new ids."""
        before = await self._max_id()
        if self._sqlite:
            await self._conn.exec_driver_sql(_SQLITE_SORT_THREADS[0])
            try:
                await self._conn.execute(_typed(_SQLITE_MERGE), self._constants)
            finally:
                await self._conn.exec_driver_sql(_SQLITE_SORT_THREADS[1])
            last = await self._max_id()
            added, first = last - before, before + 1
        else:
            for setting in _PG_MERGE_SETTINGS:
                await self._conn.exec_driver_sql(setting)
            merged = await self._conn.execute(_typed(_PG_MERGE), self._constants)
            added, first, last = tuple(merged.one())
        tombstoned = 0
        if added < staged:  # the rest were there: active (duplicates) or tombstones
            counted = await self._conn.execute(
                _typed(_TOMBSTONES), {**self._constants, "before": before}
            )
            tombstoned = counted.scalar_one()
        await self._conn.exec_driver_sql("DELETE FROM entries_in")
        return added, tombstoned, first, last

    async def _max_id(self) -> int:
        return await self._conn.scalar(sa.select(sa.func.max(bank_entries.c.id))) or 0


class HeapFreeze:
    """Keeps the garbage collector off the heap that was there before a bulk add.

    A batch of entries lives long enough to reach the oldest generation, so every
    few batches CPython ran a full collection over every object the process had
    loaded (SQLAlchemy, the bots' libraries): a third of a 2M-line import's time
    outside SQLite. ``now()`` (once the add proves large) collects what is already
    garbage and freezes the rest until the add ends."""

    def __init__(self) -> None:
        self._frozen = False

    def now(self) -> None:
        if not self._frozen:
            gc.collect()
            gc.freeze()
            self._frozen = True

    def __enter__(self) -> "HeapFreeze":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._frozen:
            gc.unfreeze()
