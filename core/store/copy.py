"""``copy_database``: move a deployment from one store to another (SQLite to
PostgreSQL, say) with nothing lost: every table, row for row, ids kept,
streamed in batches; then counts compared and the audit chain verified on the
target (its head must be the source's)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import InputError, StorageError
from core.store import SqlStore, open_store
from core.store.base import storage_errors
from core.store.codec import utc
from core.store.schema import metadata

__all__ = ["CopyReport", "copy_database"]

_BATCH = 5000
# Parents before children (foreign keys); the rest in any order.
_ORDER = list(metadata.sorted_tables)


@dataclass(slots=True)
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    audit_head: str = ""


async def copy_database(
    source_url: str, target_url: str, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy every table of ``source_url`` into the empty store at ``target_url``."""
    report = CopyReport()
    async with open_store(source_url, create=False) as source, open_store(target_url) as target:
        src, dst = source._engine, target._engine  # this module is the store's own
        with storage_errors("copying"):
            async with src.connect() as reader, dst.begin() as writer:
                await _refuse_unless_empty(writer)
                for table in _ORDER:
                    report.rows[table.name] = await _copy_table(reader, writer, table, progress)
                if writer.dialect.name == "postgresql":
                    await _advance_sequences(writer)
        await _check(source, target, report)
    return report


async def _refuse_unless_empty(conn: AsyncConnection) -> None:
    for table in _ORDER:
        if await conn.scalar(sa.select(sa.func.count()).select_from(table)):
            raise InputError(f"the target store is not empty ({table.name} has rows)")


async def _copy_table(
    reader: AsyncConnection,
    writer: AsyncConnection,
    table: sa.Table,
    progress: Callable[[str, int], None] | None,
) -> int:
    dates = [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
    order = list(table.primary_key.columns)
    result = await reader.stream(
        sa.select(table).order_by(*order).execution_options(yield_per=_BATCH)
    )
    copied = 0
    async for rows in result.partitions(_BATCH):
        batch = [dict(r._mapping) for r in rows]
        for row in batch:
            for name in dates:
                row[name] = utc(row[name])
        await writer.execute(sa.insert(table), batch)
        copied += len(batch)
        if progress is not None:
            progress(table.name, len(batch))
    return copied


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Explicit ids were copied; the next generated id must come after them."""
    for table in _ORDER:
        for column in table.primary_key.columns:
            if column.autoincrement is True:
                await conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


async def _check(source: SqlStore, target: SqlStore, report: CopyReport) -> None:
    """Counts equal, and the target's audit chain valid with the source's head."""
    src, dst = [await store.verify_audit() for store in (source, target)]
    if not dst.ok or dst.head != src.head or dst.checked != src.checked:
        raise StorageError(
            f"the copied audit log does not verify like the source's "
            f"(source: {src.checked} entries, head {src.head[:16]}; "
            f"copy: {dst.checked}, head {dst.head[:16]}, {dst.problem or 'ok'})"
        )
    report.audit_entries, report.audit_head = dst.checked, dst.head
    async with target._engine.connect() as conn:
        for table in _ORDER:
            count = await conn.scalar(sa.select(sa.func.count()).select_from(table))
            if count != report.rows[table.name]:
                raise StorageError(
                    f"{table.name}: {count} rows copied, expected {report.rows[table.name]}"
                )
