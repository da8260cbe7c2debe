"""``blockfirst cases`` and ``blockfirst reviewers``: the review queue from a shell.

A decision made here is the same decision as one made in a chat: it is
recorded and audited at once, and its platform effects (restore, unban, the
card's update) are queued for the running bot to carry out.
"""

import json
from datetime import UTC, datetime
from typing import Any

import click

from bots.cli.common import CliState, audited, run, whoami
from core.cases import Case
from core.engine.moderator import Moderator
from core.matching.matcher import Matcher
from core.model import CaseState, Decision

__all__ = ["cases", "reviewers"]


@click.group()
def cases() -> None:
    """Review cases: list, show, decide."""


@cases.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice([s.value for s in CaseState]))
@click.option("--overdue", is_flag=True, help="Only open cases past their deadline.")
@click.option("--bank", default="", help="Only cases that matched this bank.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def list_cases(
    state: CliState, states: tuple[str, ...], overdue: bool, bank: str, limit: int, as_json: bool
) -> None:
    """Cases by deadline, soonest first (shadow cases, what a bank in shadow would
    have done, only with --state shadow)."""

    async def body() -> None:
        now = datetime.now(UTC)
        async with state.store() as store:
            found = await store.list_cases(
                [CaseState(s) for s in states],
                overdue_at=now if overdue else None,
                bank=bank,
                limit=limit,
            )
        for case in found:
            if as_json:
                click.echo(json.dumps(_summary(case, now)))
                continue
            flag = " OVERDUE" if case.overdue(now) else ""
            click.echo(
                f"{case.id}  {case.state.value:<10} {case.kind.value:<16} {case.category:<15} "
                f"due {case.deadline:%Y-%m-%d %H:%M}{flag}  {case.target}"
            )
        if not found and not as_json:
            click.echo("no cases")

    run(body)


def _summary(case: Case, now: datetime) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind.value,
        "state": case.state.value,
        "category": case.category,
        "target": case.target,
        "opened_at": case.opened_at.isoformat(),
        "deadline": case.deadline.isoformat(),
        "overdue": case.overdue(now),
        "removed": case.removed,
        "dry_run": case.dry_run,
        "reports": case.reports,
        "decided_by": case.decided_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "note": case.note,
        "reasons": list(case.reasons),
        "signals": [f"{s.signal_type}:{s.value}" for s in case.signals],
    }


@cases.command("show")
@click.argument("case_id")
@click.pass_obj
def show(state: CliState, case_id: str) -> None:
    """Every fact recorded on a case (never its media), as JSON."""

    async def body() -> None:
        async with state.store() as store:
            case = await store.get_case(case_id)
            history = await store.case_history(case_id)
            audit = [e async for e in store.iter_audit() if e.record.case_id == case_id]
        facts = _summary(case, datetime.now(UTC))
        facts["history"] = history
        facts["audit"] = [
            {"seq": e.seq, "at": e.at.isoformat(), "kind": e.record.kind, "action": e.record.action,
             "result": e.record.result, "actor": e.record.actor}
            for e in audit
        ]  # fmt: skip
        click.echo(json.dumps(facts, indent=2, default=str, ensure_ascii=False))

    run(body)


@cases.command("decide")
@click.argument("case_id")
@click.argument("decision", type=click.Choice([d.value for d in Decision]))
@click.option(
    "--reviewer", required=True, help="An authorised reviewer (see `blockfirst reviewers`)."
)
@click.option("--note", default="")
@click.option("--ban", is_flag=True, help="With confirm: also ban the sender.")
@click.pass_obj
def decide(
    state: CliState, case_id: str, decision: str, reviewer: str, note: str, ban: bool
) -> None:
    """Confirm, overturn or escalate CASE_ID."""

    async def body() -> None:
        async with (
            state.store() as store,
            Moderator(store, {}, Matcher([])) as moderator,
        ):
            case = await moderator.on_decision(
                case_id, Decision(decision), reviewer, note=note, ban=ban
            )
            pending = await store.pending_effects([case.platform], limit=10_000)
            queued = sum(1 for effect in pending if effect.case_id == case.id)
        click.echo(f"case {case.id} is {case.state.value} (by {case.decided_by})")
        if queued:
            click.echo(f"{queued} platform effects queued for the running bot")

    run(body)


@click.group()
def reviewers() -> None:
    """Who may decide cases (ids such as telegram:12345, or names used with --reviewer)."""


@reviewers.command("list")
@click.pass_obj
def list_reviewers(state: CliState) -> None:
    async def body() -> None:
        async with state.store() as store:
            for reviewer in sorted(await store.reviewers()):
                click.echo(reviewer)

    run(body)


@reviewers.command("add")
@click.argument("reviewer")
@click.pass_obj
def add_reviewer(state: CliState, reviewer: str) -> None:
    async def body() -> None:
        async with state.store(create=True) as store:
            await store.add_reviewer(reviewer, by=whoami())
            await audited(store, "reviewer_added", reason=reviewer)
        click.echo(f"{reviewer} may now decide cases")

    run(body)


@reviewers.command("remove")
@click.argument("reviewer")
@click.pass_obj
def remove_reviewer(state: CliState, reviewer: str) -> None:
    async def body() -> None:
        async with state.store() as store:
            removed = await store.remove_reviewer(reviewer)
            if removed:
                await audited(store, "reviewer_removed", reason=reviewer)
        click.echo(f"{reviewer} removed" if removed else f"{reviewer} was not a reviewer")

    run(body)
