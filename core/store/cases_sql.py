"""Cases, decisions, reports and the outbox in SQL, and ``apply`` for the journal's ops."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.audit import AuditEntry
from core.cases import Case
from core.effects import Effect, EffectKind
from core.errors import InputError
from core.journal import (
    Audit,
    Enqueue,
    Finish,
    MarkProcessed,
    Op,
    OpenCase,
    RecordDecision,
    RememberSignals,
    UpdateCase,
)
from core.model import CaseState
from core.ports import Clock
from core.store.audit_sql import append_audit
from core.store.base import storage_errors
from core.store.codec import case_from_row, case_row, effect_from_json, effect_json
from core.store.schema import (
    cases,
    decisions,
    media_signals,
    outbox,
    processed_updates,
    reports,
)

__all__ = ["CaseTables", "insert_ignoring_duplicates"]

_OPEN = (CaseState.OPEN.value, CaseState.ESCALATED.value)


def insert_ignoring_duplicates(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


@dataclass(slots=True)
class _Batch:
    """State shared by the ops of one ``apply``: case-id aliases and the audit head."""

    now: datetime
    aliases: dict[str, str] = field(default_factory=dict)
    head: tuple[int, str] | None = None

    def case_id(self, case_id: str) -> str:
        return self.aliases.get(case_id, case_id)


class CaseTables:
    """The case part of ``SqlStore``."""

    _engine: AsyncEngine
    _clock: Clock

    async def apply(self, ops: Sequence[Op]) -> list[Any]:
        """Apply ``ops`` in order, in one transaction; each op's result, in order."""
        batch = _Batch(self._clock.now())
        with storage_errors("writing"):
            async with self._engine.begin() as conn:
                return [await _APPLY[type(op)](conn, op, batch) for op in ops]

    async def get_case(self, case_id: str) -> Case:
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise InputError(f"no case {case_id!r}")
        return case_from_row(row._mapping)

    async def list_cases(
        self,
        states: Sequence[CaseState] = (),
        *,
        overdue_at: datetime | None = None,
        opened: tuple[datetime | None, datetime | None] = (None, None),
        limit: int = 1000,
    ) -> list[Case]:
        """Cases by deadline, soonest first; ``overdue_at``: only those past due then;
        ``opened``: only those opened within [from, to)."""
        query = sa.select(cases).order_by(cases.c.deadline, cases.c.id).limit(limit)
        if opened[0] is not None:
            query = query.where(cases.c.opened_at >= opened[0])
        if opened[1] is not None:
            query = query.where(cases.c.opened_at < opened[1])
        if states:
            query = query.where(cases.c.state.in_([s.value for s in states]))
        if overdue_at is not None:
            query = query.where(cases.c.deadline <= overdue_at).where(cases.c.state.in_(_OPEN))
        with storage_errors("listing cases"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [case_from_row(r._mapping) for r in rows]

    async def open_case_for(self, target: str) -> Case | None:
        """The open or escalated case about ``target`` (a message or album), if any."""
        query = sa.select(cases).where(cases.c.target == target).where(cases.c.state.in_(_OPEN))
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(query)).first()
        return case_from_row(row._mapping) if row else None

    async def case_history(self, case_id: str) -> dict[str, list[dict[str, Any]]]:
        """The reports, decisions and effects recorded for a case."""
        queries = {
            "reports": sa.select(reports)
            .where(reports.c.case_id == case_id)
            .order_by(reports.c.id),
            "decisions": sa.select(decisions)
            .where(decisions.c.case_id == case_id)
            .order_by(decisions.c.id),
            "effects": sa.select(outbox)
            .where(outbox.c.case_id == case_id)
            .order_by(outbox.c.created_at),
        }
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                return {
                    name: [dict(r._mapping) for r in (await conn.execute(query)).all()]
                    for name, query in queries.items()
                }

    async def pending_effects(self, platforms: Sequence[str], limit: int = 500) -> list[Effect]:
        query = (
            sa.select(outbox)
            .where(outbox.c.state == "pending")
            .where(outbox.c.platform.in_(list(platforms)))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
        )
        with storage_errors("reading the outbox"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [effect_from_json(r._mapping) for r in rows]


async def _open_case(conn: AsyncConnection, op: OpenCase, batch: _Batch) -> Case:
    found = (
        await conn.execute(
            sa.select(cases).where(cases.c.target == op.case.target).where(cases.c.state.in_(_OPEN))
        )
    ).first()
    case = case_from_row(found._mapping) if found else op.case
    if op.report is not None:
        case = replace(case, reports=case.reports + 1)
    if found:
        batch.aliases[op.case.id] = case.id
        await conn.execute(
            sa.update(cases).where(cases.c.id == case.id).values(reports=case.reports)
        )
    else:
        await conn.execute(sa.insert(cases).values(**case_row(case)))
    if op.report is not None:
        report = op.report
        await conn.execute(
            sa.insert(reports).values(
                case_id=case.id,
                reporter=report.reporter,
                category=report.category,
                text=report.text,
                authority=report.authority,
                at=batch.now,
            )
        )
    return case


async def _update_case(conn: AsyncConnection, op: UpdateCase, batch: _Batch) -> None:
    values = {name: getattr(value, "value", value) for name, value in op.changes}
    await conn.execute(
        sa.update(cases).where(cases.c.id == batch.case_id(op.case_id)).values(**values)
    )


async def _record_decision(conn: AsyncConnection, op: RecordDecision, batch: _Batch) -> None:
    await conn.execute(
        sa.insert(decisions).values(
            case_id=batch.case_id(op.case_id),
            decision=op.decision.value,
            reviewer=op.reviewer,
            at=op.at,
            note=op.note,
        )
    )


async def _mark_processed(conn: AsyncConnection, op: MarkProcessed, batch: _Batch) -> None:
    await conn.execute(
        insert_ignoring_duplicates(conn, processed_updates).values(key=op.key, at=batch.now)
    )


async def _enqueue(conn: AsyncConnection, op: Enqueue, batch: _Batch) -> bool:
    """Queue the effect; False if it was dropped because its case already existed
    (another album item opened it) and only the deletion is still news."""
    effect = op.effect
    if effect.case_id in batch.aliases and effect.kind is not EffectKind.DELETE:
        return False
    await conn.execute(
        sa.insert(outbox).values(
            id=effect.id,
            platform=effect.platform,
            case_id=batch.case_id(effect.case_id),
            kind=effect.kind.value,
            state="pending",
            attempts=effect.attempts,
            created_at=effect.created_at,
            payload=effect_json(effect),
        )
    )
    return True


async def _finish(conn: AsyncConnection, op: Finish, batch: _Batch) -> None:
    await conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == op.effect_id)
        .values(
            state=op.state,
            attempts=outbox.c.attempts + 1,
            error=op.error,
            finished_at=None if op.state == "pending" else batch.now,
        )
    )


async def _audit(conn: AsyncConnection, op: Audit, batch: _Batch) -> AuditEntry:
    record = replace(op.record, case_id=batch.case_id(op.record.case_id))
    (entry,) = await append_audit(conn, [record], batch.now, batch.head)
    batch.head = (entry.seq, entry.hash)
    return entry


async def _remember(conn: AsyncConnection, op: RememberSignals, batch: _Batch) -> None:
    await conn.execute(
        insert_ignoring_duplicates(conn, media_signals).values(
            file_key=op.file_key, signals=asdict(op.signals), seen_at=batch.now
        )
    )


_APPLY: dict[type, Any] = {
    OpenCase: _open_case,
    UpdateCase: _update_case,
    RecordDecision: _record_decision,
    MarkProcessed: _mark_processed,
    Enqueue: _enqueue,
    Finish: _finish,
    Audit: _audit,
    RememberSignals: _remember,
}
