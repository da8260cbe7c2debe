"""The audit log in SQL: appending (chained, with the head checkpoint), reading
(a row that cannot be read is reported at its entry, never raised), verifying,
purging."""

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.audit import (
    PURGE,
    AuditEntry,
    AuditFilter,
    AuditRecord,
    ChainVerifier,
    Verification,
    chain,
    parse_anchor,
)
from core.ports import Clock
from core.store.base import storage_errors
from core.store.codec import audit_entry_from_row, audit_row
from core.store.schema import audit_head, audit_log

__all__ = ["AuditTables", "append_audit"]

_BATCH = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


AUDIT_LOCK = 0x62660002  # PostgreSQL advisory lock: one chain writer at a time


def _head(conn: sa.Connection) -> tuple[int, str] | None:
    """The chain's last entry, read under a lock held to the end of the transaction,
    so concurrent writers (several processes on PostgreSQL) append one after another.
    SQLite serialises writers by itself."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
    query = sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    row = conn.execute(query).first()
    return (row.seq, row.hash) if row else None


def append_audit(
    conn: sa.Connection,
    records: Sequence[AuditRecord],
    at: datetime,
    previous: tuple[int, str] | None = None,
) -> list[AuditEntry]:
    """Chain ``records`` after the head (``previous``, else read), in the caller's transaction."""
    previous = previous or _head(conn)
    entries = []
    for record in records:
        entry = chain(previous, record, at)
        entries.append(entry)
        previous = (entry.seq, entry.hash)
    if entries:
        conn.execute(sa.insert(audit_log), [audit_row(e) for e in entries])
        _set_head(conn, entries[-1])
    return entries


def _set_head(conn: sa.Connection, entry: AuditEntry) -> None:
    values = {"seq": entry.seq, "hash": entry.hash}
    done = conn.execute(sa.update(audit_head).where(audit_head.c.id == 1).values(values))
    if not done.rowcount:
        conn.execute(sa.insert(audit_head).values(id=1, **values))


# The time column is read as stored, so one unparseable value is reported at its
# entry instead of failing the whole read inside the driver.
_COLUMNS = [
    sa.type_coerce(c, sa.String).label("at") if c.name == "at" else c for c in audit_log.columns
]


class AuditTables:
    """The audit part of ``SqlStore``."""

    _engine: AsyncEngine
    _clock: Clock

    async def iter_audit(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        after_seq: int = 0,
    ) -> AsyncIterator[AuditEntry]:
        """Entries in sequence order, streamed, optionally within [since, until) and
        after entry ``after_seq``."""
        query = sa.select(*_COLUMNS).order_by(audit_log.c.seq)
        if after_seq:
            query = query.where(audit_log.c.seq > after_seq)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        with storage_errors("reading the audit log"):
            async with self._engine.connect() as conn:
                result = await conn.stream(query.execution_options(yield_per=_BATCH))
                async for row in result:
                    yield audit_entry_from_row(row._mapping)

    async def audit_page(
        self, where: AuditFilter, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Entries ``where`` selects, newest first, below ``before_seq`` when given."""
        query = sa.select(*_COLUMNS).order_by(audit_log.c.seq.desc()).limit(limit)
        for column, value in (
            (audit_log.c.kind, where.kind),
            (audit_log.c.case_id, where.case_id),
            (audit_log.c.actor, where.actor),
        ):
            if value:
                query = query.where(column == value)
        if where.since is not None:
            query = query.where(audit_log.c.at >= where.since)
        if where.until is not None:
            query = query.where(audit_log.c.at < where.until)
        if before_seq is not None:
            query = query.where(audit_log.c.seq < before_seq)
        with storage_errors("reading the audit log"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [audit_entry_from_row(r._mapping) for r in rows]

    async def audit_head(self) -> tuple[int, str] | None:
        """The head checkpoint: the last entry's number and hash, as last written."""
        with storage_errors("reading the audit log"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash))).first()
        return (row.seq, row.hash) if row else None

    async def verify_audit(self, expect: tuple[int, str] | None = None) -> Verification:
        """The whole chain checked, streamed, against its anchors, its head
        checkpoint and a head written down elsewhere (``expect``)."""
        verifier = ChainVerifier(await self.audit_anchors(), expect)
        async for entry in self.iter_audit():
            if not verifier.feed(entry):
                break
        return verifier.result(await self.audit_head())

    async def audit_anchors(self) -> dict[int, str]:
        """Purged-through sequence number -> hash, from every purge entry."""
        query = sa.select(audit_log.c.anchor).where(audit_log.c.kind == PURGE)
        with storage_errors("reading the audit log"):
            async with self._engine.connect() as conn:
                anchors = (await conn.execute(query)).scalars().all()
        found = {}
        for anchor in anchors:
            try:
                seq, value = parse_anchor(anchor)
            except ValueError:
                continue  # the purge entry itself fails verification
            found[seq] = value
        return found

    async def purge_audit(self, before: datetime, actor: str) -> int:
        """Delete entries older than ``before``, keeping the chain checkable (see core.audit)."""
        with storage_errors("purging the audit log"):
            async with self._engine.begin() as conn:
                last = (
                    await conn.execute(
                        sa.select(audit_log.c.seq, audit_log.c.hash)
                        .where(audit_log.c.at < before)
                        .order_by(audit_log.c.seq.desc())
                        .limit(1)
                    )
                ).first()
                head = await conn.run_sync(_head)
                if last is None:
                    return 0
                deleted = await conn.execute(
                    sa.delete(audit_log).where(audit_log.c.seq <= last.seq)
                )
                record = AuditRecord(
                    kind=PURGE,
                    actor=actor,
                    reason=f"retention: entries before {before.isoformat()} removed",
                    anchor=f"{last.seq}:{last.hash}",
                )
                await conn.run_sync(append_audit, [record], self._clock.now(), head)
                return int(deleted.rowcount)
