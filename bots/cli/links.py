"""``blockfirst links``: link rules in banks, and checking a text or URL against them."""

import sys
from pathlib import Path

import click

from bots.cli.banks import stats_command
from bots.cli.common import CliState, add_on_purpose, audited, fail, run, whoami
from bots.cli.lists import RULES_FORMAT, export_list, import_list
from core.banks import Entry, EntryStatus
from core.errors import InputError
from core.formats import ListFormat
from core.matching.link_rules import check_links
from core.matching.loader import load_matcher
from core.signals import SIGNAL_TYPES, LinkSignalType
from core.signals.links import rule_for

__all__ = ["links"]

_TYPES = [name for name, kind in SIGNAL_TYPES.items() if issubclass(kind, LinkSignalType)]
_TYPE_HELP = "Rule type (default: guessed: invite/channel links, bare hosts as domains, else URL)."


@click.group()
def links() -> None:
    """Link rules: URLs, domains (with their subdomains), invite keys, channel names."""


@links.command("add")
@click.argument("bank")
@click.argument("rules", nargs=-1, required=True)
@click.option("--type", "signal_type", type=click.Choice(_TYPES), default=None, help=_TYPE_HELP)
@click.option("--allow", is_flag=True, help="Allow rules: they beat block rules in any bank.")
@click.option("--note", default="")
@click.pass_obj
def add(
    state: CliState,
    bank: str,
    rules: tuple[str, ...],
    signal_type: str | None,
    allow: bool,
    note: str,
) -> None:
    """Add RULES to BANK."""
    entries = []
    for raw in rules:
        try:
            kind, value = rule_for(raw, signal_type)
        except InputError as exc:
            fail(f"{raw[:80]!r}: {exc} (nothing was added)")
        entries.append(Entry(kind, value, source="cli", added_by=whoami(), note=note, allow=allow))

    async def body() -> None:
        async with state.store() as store:
            done = await add_on_purpose(store, bank, entries)
        for entry in entries:
            click.echo(f"{'allow' if allow else 'block'} {entry.signal_type} {entry.value}")
        click.echo(done)

    run(body)


@links.command("import")
@click.argument("bank")
@click.argument("file", type=click.Path(allow_dash=True, path_type=Path))
@click.option(
    "--type", "signal_type", type=click.Choice(_TYPES), default=None, help="Type of bare values."
)
@click.option("--strict", is_flag=True, help="Abort on the first bad row, importing nothing.")
@click.option("--source", default="")
@click.pass_obj
def import_(
    state: CliState, bank: str, file: Path, signal_type: str | None, strict: bool, source: str
) -> None:
    """Import '[allow] <type> <value>' lines (or bare values with --type) into BANK, or a
    CSV file headed 'type,value,note' (an 'allow' column optional)."""

    async def body() -> None:
        report = await import_list(
            state, bank, file, "auto", signal_type=signal_type, strict=strict,
            source=source, added_by=whoami(), types=_TYPES, rules=True,
        )  # fmt: skip
        click.echo(f"{bank}: {report.summary()}")

    run(body)


@links.command("export")
@click.argument("bank")
@RULES_FORMAT
@click.pass_obj
def export(state: CliState, bank: str, fmt: str) -> None:
    """Write BANK's link rules as '[allow] <type> <value>' lines."""
    run(lambda: export_list(state, bank, ListFormat(fmt), only=lambda t: t in _TYPES))


@links.command("remove")
@click.argument("bank")
@click.argument("rules", nargs=-1, required=True)
@click.option("--type", "signal_type", type=click.Choice(_TYPES), default=None, help=_TYPE_HELP)
@click.pass_obj
def remove(state: CliState, bank: str, rules: tuple[str, ...], signal_type: str | None) -> None:
    """Remove RULES from BANK (tombstoned: a re-import does not bring them back)."""
    try:
        parsed = [rule_for(raw, signal_type) for raw in rules]
    except InputError as exc:
        fail(str(exc))

    async def body() -> None:
        removed = 0
        async with state.store() as store:
            for kind in {k for k, _ in parsed}:
                values = [v for k, v in parsed if k == kind]
                removed += await store.set_entry_status(
                    bank, kind, values, EntryStatus.REMOVED, whoami()
                )
            rules = " ".join(f"{k}:{v}" for k, v in parsed)
            await audited(store, "entries_status", bank=bank, reason=f"removed: {rules}")
        click.echo(f"removed {removed} of {len(parsed)} from {bank}")

    run(body)


@links.command("check")
@click.argument("text")
@click.pass_obj
def check(state: CliState, text: str) -> None:
    """Show the canonical form of each link in TEXT and any match; exit 1 on a match."""

    async def body() -> int:
        async with state.store() as store:
            matcher = await load_matcher(store)
        results = check_links(matcher, text, [text] if " " not in text.strip() else [])
        matched = False
        for result in results:
            if result.link is None:
                continue
            link = result.link
            click.echo(f"{link.url}  ({link.kind}{'' if link.kind == 'url' else ' ' + link.key})")
            if link.lookalike_of:
                click.echo(f"  LOOK-ALIKE of {link.lookalike_of}")
            for m in result.matches:
                note = f" ({m.note})" if m.note else ""
                rule = f"{m.signal_type}:{m.value}"
                click.echo(
                    f"  MATCH bank={m.bank} rule={rule} band={m.band.value} "
                    f"action={m.action.value}{note}"
                )
            matched |= bool(result.matches)
        if not any(r.link for r in results):
            click.echo("no links found", err=True)
            return 2
        return 1 if matched else 0

    sys.exit(run(body))


links.add_command(stats_command(_TYPES, "link rules"))
