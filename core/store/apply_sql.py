"""``apply``: the write ops (``core.writes``) in one transaction, one statement per table.

Ops of one kind are written together (executemany), in this order: processed
update keys (a key already there refuses the whole write: ``AlreadyProcessed``),
cases (opened or joined, so later ops can name them), decisions,
the outbox, effect outcomes, case updates, the audit log (chained in op
order), cached signals. Within a kind, op order is kept.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.audit import AuditRecord
from core.cases import Case
from core.errors import AlreadyProcessed
from core.model import Action, CaseKind, CaseState, Message, Report
from core.store.audit_sql import append_audit
from core.store.codec import (
    case_from_row,
    case_row,
    effect_json,
    media_signals_json,
    message_json,
)
from core.store.dialect import insert_ignoring_duplicates
from core.store.entry_stats_sql import count_hits, judge, quarantine
from core.store.schema import (
    case_copies,
    case_keys,
    cases,
    decisions,
    media_signals,
    outbox,
    processed_updates,
    reports,
)
from core.writes import (
    Audit,
    CountHits,
    Enqueue,
    Finish,
    JudgeEntries,
    MarkProcessed,
    Op,
    OpenCase,
    Quarantine,
    RecordDecision,
    RememberSignals,
    UpdateCase,
)

__all__ = ["OPEN", "apply_ops"]

OPEN = (CaseState.OPEN.value, CaseState.ESCALATED.value)


@dataclass(slots=True)
class _Batch:
    now: datetime
    results: list[Any]
    aliases: dict[str, str] = field(default_factory=dict)  # proposed case id -> stored one
    copied: set[str] = field(default_factory=set)  # proposed ids that joined as copies
    items: list[tuple[Case, OpenCase]] = field(default_factory=list)  # new cases with keys
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def case_id(self, case_id: str) -> str:
        return self.aliases.get(case_id, case_id)


def apply_ops(conn: sa.Connection, ops: list[Op], now: datetime) -> list[Any]:
    batch = _Batch(now, [None] * len(ops))
    _claim_updates(conn, [op.key for op in ops if isinstance(op, MarkProcessed)], now)
    _open_cases(conn, [(i, op) for i, op in enumerate(ops) if isinstance(op, OpenCase)], batch)
    audits: list[tuple[int, AuditRecord]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for i, op in enumerate(ops):
        if isinstance(op, JudgeEntries):
            disputed = judge(conn, op, now)
            batch.results[i] = [entry_id for entry_id, _ in disputed]
            audits += [(-1, record) for _, record in disputed]
        if isinstance(op, Audit):
            audits.append((i, replace(op.record, case_id=batch.case_id(op.record.case_id))))
        elif isinstance(op, UpdateCase):
            values = {name: getattr(value, "value", value) for name, value in op.changes}
            updates[tuple(sorted(values))].append({"b_id": batch.case_id(op.case_id), **values})
        elif not isinstance(op, OpenCase | CountHits | Quarantine | JudgeEntries):
            batch.results[i] = _collect(op, batch)
    _write(conn, batch.rows)
    count_hits(conn, [op for op in ops if isinstance(op, CountHits)])
    quarantine(conn, [op for op in ops if isinstance(op, Quarantine)], now)
    for columns, rows in updates.items():
        stmt = sa.update(cases).where(cases.c.id == sa.bindparam("b_id"))
        conn.execute(stmt.values({c: sa.bindparam(c) for c in columns}), rows)
    entries = append_audit(conn, [record for _, record in audits], now)
    for (i, _), entry in zip(audits, entries, strict=True):
        if i >= 0:
            batch.results[i] = entry
    return batch.results


def _collect(op: Op, batch: _Batch) -> Any:
    """Queue ``op``'s row; the op's result."""
    if isinstance(op, Enqueue):
        effect = op.effect
        proposed = effect.case_id
        if proposed in batch.aliases:
            if proposed in batch.copied:  # a copy of the item: acted on as any post,
                if effect.kind is Action.POST_CARD:  # and the card counts it
                    effect = replace(effect, kind=Action.UPDATE_CARD)
            elif op.only_if_new:
                return None  # the case existed (another album item opened it): done already
            joined = batch.case_id(proposed)
            effect = replace(effect, case_id=joined, text=effect.text.replace(proposed, joined))
        batch.rows["outbox"].append(
            {
                "id": effect.id,
                "platform": effect.platform,
                "case_id": effect.case_id,
                "kind": effect.kind.value,
                "state": "pending",
                "attempts": effect.attempts,
                "created_at": effect.created_at,
                "payload": effect_json(effect),
                "claimed_until": op.claimed_until,
            }
        )
        return effect  # as queued: its case, the stored one
    if isinstance(op, Finish):
        finished = None if op.state == "pending" else batch.now
        batch.rows["finish"].append(
            {"b_id": op.effect_id, "state": op.state, "error": op.error, "finished_at": finished}
        )
    elif isinstance(op, RecordDecision):
        batch.rows["decisions"].append(
            {
                "case_id": batch.case_id(op.case_id),
                "decision": op.decision.value,
                "reviewer": op.reviewer,
                "at": op.at,
                "note": op.note,
            }
        )
    elif isinstance(op, RememberSignals):
        batch.rows["signals"].append(
            {
                "file_key": op.file_key,
                "signals": media_signals_json(op.signals),
                "seen_at": batch.now,
            }
        )
    return None


def _claim_updates(conn: sa.Connection, keys: list[str], now: datetime) -> None:
    """Record the updates this write acts on, first: a key another writer (process)
    recorded already means that update was handled there, and this whole write is
    refused (the group commit then retries its other parts alone)."""
    if not keys:
        return
    if len(set(keys)) < len(keys):
        raise AlreadyProcessed("one update twice in one write")
    insert = insert_ignoring_duplicates(conn, processed_updates).returning(processed_updates.c.key)
    claimed = conn.execute(insert, [{"key": k, "at": now} for k in keys]).all()
    if len(claimed) < len(keys):
        raise AlreadyProcessed(f"{len(keys) - len(claimed)} update(s) handled elsewhere")


def _write(conn: sa.Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    finish = (
        sa.update(outbox)
        .where(outbox.c.id == sa.bindparam("b_id"))
        .values(
            state=sa.bindparam("state"),
            error=sa.bindparam("error"),
            finished_at=sa.bindparam("finished_at"),
            attempts=outbox.c.attempts + 1,
            claimed_until=None,  # a retry is anyone's to take
        )
    )
    statements = {
        "reports": sa.insert(reports),
        "decisions": sa.insert(decisions),
        "outbox": sa.insert(outbox),
        "finish": finish,
        "signals": insert_ignoring_duplicates(conn, media_signals),
    }
    for name, statement in statements.items():
        if rows.get(name):
            conn.execute(statement, rows[name])


def _add_copies(conn: sa.Connection, copies: list[tuple[Case, Message]], batch: _Batch) -> None:
    """Record each copy (a message of an open case's item), then count each case's
    posts and chats again, in one statement for every case (it took four per case)."""
    if not copies:
        return
    if conn.dialect.name == "postgresql":
        # Another process adding a copy to the same case goes wholly before or after
        # this one, so each recount sees the other's copy (SQLite: one writer at a time).
        ids = sorted({case.id for case, _ in copies})
        conn.execute(sa.select(cases.c.id).where(cases.c.id.in_(ids)).with_for_update())
    rows = [
        {
            "case_id": case.id,
            "chat": f"{message.chat.platform}:{message.chat.id}",
            "message": message_json(message),
            "at": batch.now,
        }
        for case, message in copies
    ]
    conn.execute(sa.insert(case_copies), rows)
    homes = {case.id: ":".join(case.target.split(":")[:2]) for case, _ in copies}
    conn.execute(_RECOUNT, [{"b_id": id_, "home": home} for id_, home in homes.items()])


def _recount() -> sa.Update:
    """A case's posts and chats counted again from its copies (``home``: the chat
    of the post that opened it)."""
    cc = case_copies.c
    of_case = cc.case_id == sa.bindparam("b_id")
    chats = sa.union(
        sa.select(cc.chat).where(of_case), sa.select(sa.bindparam("home", type_=cc.chat.type))
    ).subquery()
    return (
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("b_id"))
        .values(
            copies=1 + sa.select(sa.func.count()).where(of_case).scalar_subquery(),
            copy_chats=sa.select(sa.func.count()).select_from(chats).scalar_subquery(),
        )
    )


_RECOUNT = _recount()


def _keep_keys(conn: sa.Connection, opens: list[OpenCase], fresh: set[str]) -> None:
    """The item keys of the cases this write inserted, for later copies to find."""
    keys = [
        {"case_id": op.case.id, "kind": kind, "value": value}
        for op in opens
        if op.case.id in fresh
        for kind, value in op.keys
    ]
    if keys:
        conn.execute(sa.insert(case_keys), keys)


def _report_row(case_id: str, report: Report, now: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "reporter": report.reporter,
        "category": report.category,
        "text": report.text,
        "authority": report.authority,
        "language": report.language,
        "at": now,
    }


def _open_case_of_item(
    conn: sa.Connection, op: OpenCase, opened: list[tuple[Case, OpenCase]]
) -> Case | None:
    """The open case on ``op``'s platform of the same item: opened earlier in this
    write, or stored (an exact key in common, or PDQ keys within ``op.near``)."""
    platform = op.case.platform
    exact = {(k, v) for k, v in op.keys if k != "pdq"}
    near = [int(v, 16) for k, v in op.keys if k == "pdq"] if op.near >= 0 else []
    for case, other in opened:  # this write's own new cases first
        theirs = [v for k, v in other.keys if k == "pdq"]
        same = exact & set(other.keys) or _within(near, theirs, op.near)
        if case.platform == platform and same:
            return case
    c, k = cases.c, case_keys.c
    open_keys = (
        sa.select(k.case_id, k.value)
        .join(cases, c.id == k.case_id)
        .where(c.state.in_(OPEN), c.platform == platform, c.kind != CaseKind.APPEAL.value)
        .order_by(c.opened_at, c.id)
    )
    if exact:  # the case itself comes back with its key: one statement, not two
        wanted = sa.or_(*(sa.and_(k.kind == kind, k.value == value) for kind, value in exact))
        with_case = open_keys.with_only_columns(*cases.c).where(wanted).limit(1)
        first = conn.execute(with_case).first()
        if first is not None:
            return case_from_row(first._mapping)
    found = None
    if near:
        best: tuple[int, str] | None = None
        for case_id, value in conn.execute(open_keys.where(k.kind == "pdq")).all():
            bits = min((int(value, 16) ^ q).bit_count() for q in near)
            if bits <= op.near and (best is None or bits < best[0]):
                best = (bits, str(case_id))
        found = None if best is None else best[1]
    if found is None:
        return None
    row = conn.execute(sa.select(cases).where(c.id == found)).one()
    return case_from_row(row._mapping)


def _within(near: list[int], values: list[str], bits: int) -> bool:
    return any((int(v, 16) ^ q).bit_count() <= bits for v in values for q in near)


def _open_cases(conn: sa.Connection, opens: list[tuple[int, OpenCase]], batch: _Batch) -> None:
    """Insert new cases, or join the open case with the same target (reports count up)."""
    if not opens:
        return
    targets = {op.case.target for _, op in opens}
    query = sa.select(cases).where(cases.c.target.in_(targets)).where(cases.c.state.in_(OPEN))
    existing = {row.target: case_from_row(row._mapping) for row in conn.execute(query)}
    by_target: dict[str, Case] = dict(existing)
    shadow = []
    copies: list[tuple[Case, Message]] = []
    for i, op in opens:
        if op.case.state is CaseState.SHADOW:  # what a bank in shadow would have done:
            shadow.append(op.case)  # its own case, never joined with a live one
            batch.results[i] = op.case
            continue
        case = by_target.get(op.case.target)
        if case is None and op.keys:  # one case per item: a copy joins the open case
            found = _open_case_of_item(conn, op, batch.items)
            if found is not None:
                batch.copied.add(op.case.id)
                if op.case.message is not None:
                    copies.append((found, op.case.message))
                if found.target not in by_target:  # stored before this write: joined
                    existing[found.target] = found
                case = by_target.get(found.target, found)
        case = case or op.case
        if case.id != op.case.id:
            batch.aliases[op.case.id] = case.id
        elif op.keys:
            batch.items.append((case, op))
        if op.report is not None:
            case = replace(case, reports=case.reports + 1)
            batch.rows["reports"].append(_report_row(case.id, op.report, batch.now))
        by_target[case.target] = case
        batch.results[i] = case
    new = [c for t, c in by_target.items() if t not in existing] + shadow
    if new:
        conn.execute(sa.insert(cases), [case_row(c) for c in new])
    _keep_keys(conn, [op for _, op in opens], {c.id for c in new})
    joined = [
        {"b_id": c.id, "reports": c.reports}
        for t, c in by_target.items()
        if t in existing and c.reports != existing[t].reports
    ]
    if joined:
        stmt = sa.update(cases).where(cases.c.id == sa.bindparam("b_id"))
        conn.execute(stmt.values(reports=sa.bindparam("reports")), joined)
    _add_copies(conn, copies, batch)
