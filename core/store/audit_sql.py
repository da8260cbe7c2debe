"""The audit log in SQL: appending (chained), reading, verifying input, purging."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.audit import PURGE, AuditEntry, AuditFilter, AuditRecord, chain, parse_anchor
from core.ports import Clock
from core.store.base import storage_errors, utc
from core.store.schema import audit_log

__all__ = ["AuditTables", "append_audit"]

_BATCH = 2000


AUDIT_LOCK = 0x62660002  # PostgreSQL advisory lock: one chain writer at a time


async def _head(conn: AsyncConnection) -> tuple[int, str] | None:
    """The chain's last entry, read under a lock held to the end of the transaction,
    so concurrent writers (several processes on PostgreSQL) append one after another.
    SQLite serialises writers by itself."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
    query = sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    row = (await conn.execute(query)).first()
    return (row.seq, row.hash) if row else None


async def append_audit(
    conn: AsyncConnection,
    records: Sequence[AuditRecord],
    at: datetime,
    previous: tuple[int, str] | None = None,
) -> list[AuditEntry]:
    """Chain ``records`` after the head (``previous``, else read), in the caller's transaction."""
    previous = previous or await _head(conn)
    entries = []
    for record in records:
        entry = chain(previous, record, at)
        entries.append(entry)
        previous = (entry.seq, entry.hash)
    if entries:
        await conn.execute(sa.insert(audit_log), [_row(e) for e in entries])
    return entries


def _row(entry: AuditEntry) -> dict[str, Any]:
    record = entry.record
    return {
        "seq": entry.seq,
        "at": entry.at,
        "kind": record.kind,
        "platform": record.platform,
        "chat_id": record.chat_id,
        "message_id": record.message_id,
        "sender_id": record.sender_id,
        "signals": " ".join(record.signals),
        "bank": record.bank,
        "distance": record.distance,
        "action": record.action,
        "result": record.result,
        "actor": record.actor,
        "reason": record.reason,
        "case_id": record.case_id,
        "anchor": record.anchor,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry(row: Any) -> AuditEntry:
    record = AuditRecord(
        kind=row["kind"],
        platform=row["platform"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        sender_id=row["sender_id"],
        signals=tuple(row["signals"].split()),
        bank=row["bank"],
        distance=row["distance"],
        action=row["action"],
        result=row["result"],
        actor=row["actor"],
        reason=row["reason"],
        case_id=row["case_id"],
        anchor=row["anchor"],
    )
    return AuditEntry(row["seq"], utc(row["at"]), record, row["prev_hash"], row["hash"])  # type: ignore[arg-type]


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
        query = sa.select(audit_log).order_by(audit_log.c.seq)
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
                    yield _entry(row._mapping)

    async def audit_page(
        self, where: AuditFilter, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Entries ``where`` selects, newest first, below ``before_seq`` when given."""
        query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
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
        return [_entry(r._mapping) for r in rows]

    async def audit_anchors(self) -> dict[int, str]:
        """Purged-through sequence number -> hash, from every purge entry."""
        query = sa.select(audit_log.c.anchor).where(audit_log.c.kind == PURGE)
        with storage_errors("reading the audit log"):
            async with self._engine.connect() as conn:
                anchors = (await conn.execute(query)).scalars().all()
        return dict(parse_anchor(a) for a in anchors)

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
                head = await _head(conn)
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
                await append_audit(conn, [record], self._clock.now(), head)
                return int(deleted.rowcount)
