"""``blockfirst audit`` (verify, export, purge) and ``blockfirst report compliance``."""

import re
import sys
from datetime import UTC, datetime, timedelta

import click

from bots.cli.common import CliState, run, whoami, write_out
from bots.reports import audit_export, compliance_report, metric_rows_csv, metric_rows_json
from core.audit import RETENTION

__all__ = ["audit", "report"]

_DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"])


def _utc(value: datetime | None) -> datetime | None:
    """Dates on the command line are UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


def _head(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, value = text.partition(":")
    if not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise click.BadParameter("expected SEQ:HASH, as 'audit verify' prints it")
    return int(seq), value


@audit.command("verify")
@click.option(
    "--expect",
    default=None,
    metavar="SEQ:HASH",
    help="A head written down earlier: it must still be in the chain.",
)
@click.pass_obj
def verify_log(state: CliState, expect: str | None) -> None:
    """Check the whole chain; exit 1 naming the first bad entry if it was tampered with.

    It finds edited, deleted, inserted, reordered or unreadable entries, a cut-off
    end (against the head checkpoint) and purges of entries younger than three
    years. Write down the SEQ:HASH it prints, elsewhere: '--expect SEQ:HASH'
    later also finds a rewrite of the whole log.
    """
    expected = _head(expect)

    async def body() -> int:
        async with state.store() as store:
            result = await store.verify_audit(expected)
            head = await store.audit_head()
        if result.ok:
            seq = head[0] if head else 0
            click.echo(f"ok: {result.checked} entries, head {seq}:{result.head}")
            return 0
        click.echo(f"TAMPERED at entry {result.first_bad}: {result.problem}", err=True)
        click.echo(f"({result.checked} entries before it verified)", err=True)
        return 1

    sys.exit(run(body))


@audit.command("export")
@click.option("--since", type=_DATE, default=None, help="UTC, inclusive.")
@click.option("--until", type=_DATE, default=None, help="UTC, exclusive.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.pass_obj
def export(state: CliState, since: datetime | None, until: datetime | None, fmt: str) -> None:
    """Write entries to standard output, streamed."""

    async def body() -> None:
        async with state.store() as store:
            head = await store.audit_head()
            complete = await write_out(audit_export(store, _utc(since), _utc(until), fmt))
        if not complete:
            return
        seq, digest = head if head is not None else (0, "")
        click.echo(f"the log's head when exported: {seq}:{digest}", err=True)

    run(body)


@audit.command("purge")
@click.option(
    "--older-than-days",
    default=RETENTION.days,
    show_default=True,
    type=click.IntRange(RETENTION.days, 365 * 1000),
    help="Records are kept at least three years (the legal keeping period).",
)
@click.option("--yes", is_flag=True, help="Do it (otherwise only say what would go).")
@click.pass_obj
def purge(state: CliState, older_than_days: int, yes: bool) -> None:
    """Remove entries past retention (3 years at least), keeping the chain verifiable."""

    async def body() -> None:
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        async with state.store() as store:
            if not yes:
                old = [e async for e in store.iter_audit(until=cutoff)]
                click.echo(
                    f"{len(old)} entries are older than {cutoff:%Y-%m-%d}; add --yes to purge"
                )
                return
            removed = await store.purge_audit(cutoff, actor=f"cli:{whoami()}")
        click.echo(f"purged {removed} entries older than {cutoff:%Y-%m-%d}")

    run(body)


@click.group()
def report() -> None:
    """Reports for regulators."""


@report.command("compliance")
@click.option("--from", "start", type=_DATE, default=None, help="UTC, inclusive (cases opened).")
@click.option("--to", "end", type=_DATE, default=None, help="UTC, exclusive.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True
)
@click.pass_obj
def compliance(state: CliState, start: datetime | None, end: datetime | None, fmt: str) -> None:
    """Cases by category and outcome, deadlines met and missed, time to decision."""

    async def body() -> None:
        period = (_utc(start), _utc(end))
        async with state.store() as store:
            rows = (await compliance_report(store, period, datetime.now(UTC))).rows()
        if fmt == "json":
            click.echo(metric_rows_json(rows), nl=False)
        elif fmt == "csv":
            click.echo(metric_rows_csv(rows), nl=False)
        else:
            width = max(len(k) for k, _ in rows)
            for key, value in rows:
                click.echo(f"{key:<{width}}  {value}")

    run(body)
