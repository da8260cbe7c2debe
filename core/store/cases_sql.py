"""Cases, decisions, reports and the outbox in SQL, and ``apply`` for ``core.writes``."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.cases import Case, CaseFilter
from core.errors import InputError, Said
from core.model import CaseState, Effect, Message
from core.ports import Clock
from core.store.apply_sql import OPEN, apply_ops
from core.store.base import storage_errors
from core.store.codec import case_from_row, effect_from_json, message_from_json, utc
from core.store.schema import (
    case_copies,
    cases,
    decisions,
    outbox,
    reports,
)
from core.store.transactions import Transactions
from core.writes import Op

__all__ = ["CaseTables"]

_OPEN = OPEN


class CaseTables:
    """The case part of ``SqlStore``."""

    _engine: AsyncEngine
    _clock: Clock
    _transactions: Transactions

    async def apply(self, ops: Sequence[Op]) -> list[Any]:
        """Apply ``ops`` in order, in one transaction; each op's result, in order."""
        with storage_errors("writing"):
            return await self._transactions.run(apply_ops, list(ops), self._clock.now())

    async def get_case(self, case_id: str) -> Case:
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise InputError(f"no case {case_id!r}", said=Said("no_case", {"case_id": case_id}))
        return case_from_row(row._mapping)

    async def list_cases(
        self,
        states: Sequence[CaseState] = (),
        *,
        overdue_at: datetime | None = None,
        opened: tuple[datetime | None, datetime | None] = (None, None),
        bank: str = "",
        limit: int = 1000,
    ) -> list[Case]:
        """Cases by deadline, soonest first; ``overdue_at``: only those past due then;
        ``opened``: only those opened within [from, to); ``bank``: that matched it."""
        where = CaseFilter(states=tuple(states), overdue_at=overdue_at, opened=opened, bank=bank)
        query = (
            sa.select(cases)
            .where(*_conditions(where))
            .order_by(cases.c.deadline, cases.c.id)
            .limit(limit)
        )
        with storage_errors("listing cases"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [case_from_row(r._mapping) for r in rows]

    async def page_cases(
        self, where: CaseFilter, *, offset: int = 0, limit: int = 50, by_copies: bool = False
    ) -> tuple[list[Case], int]:
        """One page of the cases ``where`` selects, by deadline (``by_copies``: those
        covering most posts first, then by deadline), and how many there are."""
        conditions = _conditions(where)
        order: list[sa.ColumnElement[Any]] = [cases.c.deadline, cases.c.id]
        if by_copies:
            order.insert(0, cases.c.copies.desc())
        # The page's ids first (from the covering queue index), then only their rows.
        ids = sa.select(cases.c.id).where(*conditions).order_by(*order).offset(offset).limit(limit)
        query = sa.select(cases).where(cases.c.id.in_(ids)).order_by(*order)
        count = sa.select(sa.func.count()).select_from(cases).where(*conditions)
        with storage_errors("listing cases"):
            async with self._engine.connect() as conn:
                total = int(await conn.scalar(count) or 0)
                rows = (await conn.execute(query)).all() if limit else []
        return [case_from_row(r._mapping) for r in rows], total

    async def reply_effects(
        self, opened: tuple[datetime | None, datetime | None]
    ) -> list[tuple[str, datetime, str, datetime | None]]:
        """Replies to reporters on cases opened in [from, to): ``(case id, queued at,
        state, finished at)``, for the compliance report."""
        query = (
            sa.select(outbox.c.case_id, outbox.c.created_at, outbox.c.state, outbox.c.finished_at)
            .select_from(outbox.join(cases, cases.c.id == outbox.c.case_id))
            .where(outbox.c.kind == "reply", *_conditions(CaseFilter(opened=opened)))
        )
        with storage_errors("reading replies"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [(r[0], utc(r[1]) or r[1], r[2], utc(r[3])) for r in rows]

    async def open_case_for(self, target: str) -> Case | None:
        """The open or escalated case about ``target`` (a message or album), if any."""
        query = sa.select(cases).where(cases.c.target == target).where(cases.c.state.in_(_OPEN))
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(query)).first()
        return case_from_row(row._mapping) if row else None

    async def case_copies(self, case_id: str) -> list[Message]:
        """The copies of the case's item that joined it, oldest first."""
        query = (
            sa.select(case_copies.c.message)
            .where(case_copies.c.case_id == case_id)
            .order_by(case_copies.c.id)
        )
        with storage_errors("reading a case"):
            async with self._engine.connect() as conn:
                return [message_from_json(m) for m in (await conn.execute(query)).scalars()]

    async def cases_about(self, target: str) -> list[Case]:
        """Every case about ``target``, in any state but shadow, oldest first."""
        query = (
            sa.select(cases)
            .where(cases.c.target == target)
            .where(cases.c.state != CaseState.SHADOW.value)
            .order_by(cases.c.opened_at)
        )
        with storage_errors("reading cases"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        return [case_from_row(r._mapping) for r in rows]

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

    async def shadow_outcomes(self, bank: str) -> dict[str, int]:
        """How many shadow cases ``bank`` opened, by what it would have done (``would
        delete``, ``would review``)."""
        query = (
            sa.select(cases.c.note, sa.func.count())
            .where(cases.c.state == CaseState.SHADOW.value)
            .where(cases.c.banks.like(f"%,{_like(bank)},%", escape="\\"))
            .group_by(cases.c.note)
        )
        with storage_errors("counting shadow cases"):
            async with self._engine.connect() as conn:
                return {str(note): int(n) for note, n in (await conn.execute(query)).all()}

    async def count_reports(self, reporter: str, since: datetime) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(reports)
            .where(reports.c.reporter == reporter)
            .where(reports.c.at >= since)
        )
        with storage_errors("counting reports"):
            async with self._engine.connect() as conn:
                return int(await conn.scalar(query) or 0)

    async def reporter_record(self, reporter: str) -> tuple[int, int]:
        """How many cases the reporter reported, and how many of them were overturned."""
        overturned = sa.func.count().filter(cases.c.state == CaseState.OVERTURNED.value)
        query = (
            sa.select(sa.func.count(), overturned)
            .select_from(reports.join(cases, cases.c.id == reports.c.case_id))
            .where(reports.c.reporter == reporter)
        )
        with storage_errors("reading a reporter's record"):
            async with self._engine.connect() as conn:
                total, lost = (await conn.execute(query)).one()
        return int(total), int(lost)

    async def claim_effects(
        self, platforms: Sequence[str], until: datetime, limit: int = 500
    ) -> list[Effect]:
        """Pending effects of ``platforms`` that no process has claimed (or whose claim
        ran out), claimed until ``until`` for the caller; oldest first."""
        now = self._clock.now()
        free = (
            sa.select(outbox.c.id)
            .where(outbox.c.state == "pending")
            .where(outbox.c.platform.in_(list(platforms)))
            .where(sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer anyway
        )
        claim = (
            sa.update(outbox)
            .where(outbox.c.id.in_(free.scalar_subquery()))
            .values(claimed_until=until)
            .returning(*outbox.c)
        )
        with storage_errors("claiming effects"):
            async with self._engine.begin() as conn:
                rows = (await conn.execute(claim)).all()
        effects = [effect_from_json(r._mapping) for r in rows]
        return sorted(effects, key=lambda e: (e.created_at, e.id))

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


def _like(text: str) -> str:
    """``text`` with LIKE's wildcards escaped (the escape character is ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(where: CaseFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.states:
        conditions.append(cases.c.state.in_([s.value for s in where.states]))
    else:  # shadow cases (what a bank in shadow would have done) only when asked for
        conditions.append(cases.c.state != CaseState.SHADOW.value)
    if where.platform:
        conditions.append(cases.c.platform == where.platform)
    if where.chat:
        prefix = f"{where.platform or '%'}:{_like(where.chat)}:%"
        conditions.append(cases.c.target.like(prefix, escape="\\"))
    if where.bank:
        conditions.append(cases.c.banks.like(f"%,{_like(where.bank)},%", escape="\\"))
    if where.category:
        conditions.append(cases.c.category == where.category)
    if where.overdue_at is not None:
        conditions += [cases.c.deadline <= where.overdue_at, cases.c.state.in_(_OPEN)]
    if where.opened[0] is not None:
        conditions.append(cases.c.opened_at >= where.opened[0])
    if where.opened[1] is not None:
        conditions.append(cases.c.opened_at < where.opened[1])
    return conditions
