"""``blockfirst db``: migrate a store, copy one store into another."""

import click

from bots.cli.common import CliState, progress, run
from core.store import redacted
from core.store.copy import copy_database

__all__ = ["db"]


@click.group()
def db() -> None:
    """The store itself: migrations, moving to another database."""


@db.command("migrate")
@click.pass_obj
def migrate(state: CliState) -> None:
    """Bring the store (--db) to the current schema (every command does so too)."""

    async def body() -> None:
        async with state.store(create=True) as store:
            revision = await store.schema_revision()
        click.echo(f"{redacted(state.db_url)} is at schema revision {revision}")

    run(body)


@db.command("copy")
@click.option(
    "--from", "source", required=True, help="The store to copy (e.g. sqlite:///blockfirst.db)."
)
@click.option(
    "--to", "target", required=True, help="An empty store (e.g. postgresql://bf@db/blockfirst)."
)
def copy(source: str, target: str) -> None:
    """Copy every table into an empty store, ids kept; then compare counts and verify
    the copied audit chain. Stop the bots first, so nothing is written meanwhile."""
    bars: dict[str, object] = {}

    def tick(table: str, rows: int) -> None:
        bar = bars.setdefault(table, progress(None, "rows", table))
        bar.update(rows)  # type: ignore[attr-defined]

    async def body() -> None:
        report = await copy_database(source, target, tick)
        for bar in bars.values():
            bar.close()  # type: ignore[attr-defined]
        for table, rows in report.rows.items():
            click.echo(f"{table:<20} {rows:>12,} rows")
        click.echo(
            f"audit chain verified on the copy: {report.audit_entries} entries, "
            f"head {report.audit_head}"
        )

    run(body)
