"""``blockfirst banks``: create, list, enable and disable banks; their flood limits,
entries' statistics, and trusting or disputing a quarantined entry."""

import csv
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from bots.cli.common import CliState, audited, fail, run, whoami
from core.banks import DEFAULT_FLOOD, Bank, EntryStatus, Flood, check_bank_name, parse_threshold
from core.formats import spreadsheet_safe
from core.model import CATEGORIES, BankAction
from core.signals import SIGNAL_TYPES

__all__ = ["banks"]


@click.group()
def banks() -> None:
    """Banks: named hash lists with an action and thresholds."""


@banks.command("create")
@click.argument("name")
@click.option(
    "--action",
    type=click.Choice([a.value for a in BankAction]),
    default=BankAction.DELETE.value,
    show_default=True,
    help="delete: block at once; review: only open a case.",
)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="TYPE=N[:M]",
    help="Act within N bits (review within M). Repeatable. E.g. pdq=31:45.",
)
@click.option("--description", default="", help="What the bank holds and where it came from.")
@click.option(
    "--category",
    type=click.Choice(list(CATEGORIES)),
    default="other",
    show_default=True,
    help="What its matches are (chats can block a category first).",
)
@click.option(
    "--shadow",
    is_flag=True,
    help="Start in shadow: it matches and records what it would do, and never acts.",
)
@click.pass_obj
def create(
    state: CliState,
    name: str,
    action: str,
    thresholds: tuple[str, ...],
    description: str,
    category: str,
    shadow: bool,
) -> None:
    """Create the bank NAME (it can hold hashes and link rules)."""

    async def body() -> None:
        check_bank_name(name)
        limits = dict(map(parse_threshold, thresholds))
        bank = Bank(
            name, BankAction(action), description, True, limits, category=category, shadow=shadow
        )
        said = f"{action}, {category}" + (", in shadow" if shadow else "")
        async with state.store(create=True) as store:
            await store.create_bank(bank)
            await audited(store, "bank_created", bank=name, reason=said)
        click.echo(f"created bank {name} ({said})")

    run(body)


@banks.command("list")
@click.pass_obj
def list_banks(state: CliState) -> None:
    """List banks with their entry counts and thresholds."""

    async def body() -> None:
        async with state.store() as store:
            summaries = await store.list_banks()
        if not summaries:
            click.echo("no banks yet: blockfirst banks create NAME")
            return
        click.echo(
            f"{'NAME':<24} {'STATE':<8} {'ACTION':<7} {'CATEGORY':<15} "
            f"{'ENTRIES':>9} {'REMOVED':>8}  THRESHOLDS"
        )
        for s in summaries:
            limits = " ".join(
                f"{t}={s.bank.thresholds_for(cls).act}:{s.bank.thresholds_for(cls).review}"
                for t, cls in SIGNAL_TYPES.items()
                if not cls.exact
            )
            enabled = "disabled" if not s.bank.enabled else "shadow" if s.bank.shadow else "enabled"
            click.echo(
                f"{s.bank.name:<24} {enabled:<8} {s.bank.action.value:<7} "
                f"{s.bank.category:<15} {s.active:>9} {s.tombstones:>8}  {limits}"
            )

    run(body)


def _set_enabled(enabled: bool) -> click.Command:
    verb = "enable" if enabled else "disable"

    @click.command(verb, help=f"{verb.capitalize()} the bank NAME for matching.")
    @click.argument("name")
    @click.pass_obj
    def command(state: CliState, name: str) -> None:
        async def body() -> None:
            async with state.store() as store:
                await store.set_bank_enabled(name, enabled)
                await audited(store, f"bank_{verb}d", bank=name, reason=verb)
            click.echo(f"{verb}d bank {name}")

        run(body)

    return command


banks.add_command(_set_enabled(True))
banks.add_command(_set_enabled(False))


def _set_shadow(shadow: bool) -> click.Command:
    verb = "shadow" if shadow else "live"
    said = (
        "in shadow: its matches are recorded as shadow cases, nothing is acted on"
        if shadow
        else "live: its matches act"
    )

    @click.command(
        verb,
        help="Put the bank NAME in shadow: it matches and records what it would have "
        "done (shadow cases: cases list --state shadow; banks stats NAME), and never acts."
        if shadow
        else "Take the bank NAME out of shadow: its matches act from now on.",
    )
    @click.argument("name")
    @click.pass_obj
    def command(state: CliState, name: str) -> None:
        async def body() -> None:
            async with state.store() as store:
                await store.get_bank(name)  # an unknown bank: one clear error
                await store.set_bank_shadow(name, shadow)
                await audited(store, f"bank_{verb}", bank=name, reason=said)
            click.echo(f"{name}: {said}")

        run(body)

    return command


banks.add_command(_set_shadow(True))
banks.add_command(_set_shadow(False))


@banks.command("flood")
@click.argument("name")
@click.option("--hits", type=click.IntRange(1, 1_000_000), help="Matches within the window.")
@click.option("--chats", type=click.IntRange(1, 100_000), help="Distinct chats within it.")
@click.option("--minutes", type=click.IntRange(1, 7 * 24 * 60), help="The window.")
@click.option("--off", is_flag=True, help="Never quarantine this bank's entries.")
@click.pass_obj
def flood(
    state: CliState, name: str, hits: int | None, chats: int | None, minutes: int | None, off: bool
) -> None:
    """When NAME's entries are quarantined: an entry matching more than --hits times,
    or in more than --chats chats, within --minutes has its matches sent to review
    instead of deleted, and reviewers are alerted once (unset options keep their value)."""

    async def body() -> None:
        async with state.store() as store:
            bank = await store.get_bank(name)
            if off:
                limits = None
            else:
                now = bank.flood or DEFAULT_FLOOD
                limits = Flood(hits or now.hits, chats or now.chats, minutes or now.minutes)
            await store.set_bank_flood(name, limits)
            said = _flood_text(limits)
            await audited(store, "bank_flood", bank=name, reason=said)
        click.echo(f"{name}: {said}")

    run(body)


def _flood_text(limits: Flood | None) -> str:
    if limits is None:
        return "entries are never quarantined"
    return (
        f"an entry is quarantined past {limits.hits} matches or {limits.chats} chats "
        f"within {limits.minutes} min"
    )


def stats_command(types: Sequence[str] = (), what: str = "entries") -> click.Command:
    """A ``stats BANK`` command for ``types`` of entries (all if none)."""

    @click.command(
        "stats",
        help=f"BANK's {what} by matches: today's and all, review "
        "outcomes, and whether each is acting, quarantined or trusted again.",
    )
    @click.argument("bank")
    @click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
    @click.pass_obj
    def command(state: CliState, bank: str, limit: int) -> None:
        run(lambda: show_stats(state, bank, types, limit))

    return command  # fmt: skip


banks.add_command(stats_command())


async def show_stats(state: CliState, bank: str, types: Sequence[str], limit: int) -> None:
    """Print the entries of ``bank`` (of ``types``) that matched most."""
    async with state.store() as store:
        found = await store.entry_stats(bank, types, limit)
        summary = await store.get_bank(bank)
        shadow = await store.shadow_outcomes(bank)
    click.echo(f"{bank}: {_flood_text(summary.flood)}")
    if summary.shadow or shadow:
        deletes, reviews = shadow.get("would delete", 0), shadow.get("would review", 0)
        click.echo(
            f"{'in shadow' if summary.shadow else 'was in shadow'}: would have deleted "
            f"{deletes} message(s) and sent {reviews} to review "
            "(blockfirst cases list --state shadow --bank " + bank + ")"
        )
    if not found:
        click.echo("no entry has matched yet")
        return
    click.echo(
        f"{'ENTRY':>8} {'HITS':>7} {'TODAY':>6} {'CONFIRMED':>9} {'OVERTURNED':>10}  "
        "STANDING     RULE"
    )
    for s in found:
        standing = "quarantined" if s.quarantined_at else "trusted" if s.trusted_at else "acting"
        rule = f"{s.entry.signal_type}:{s.entry.value[:64]}"
        click.echo(
            f"{s.entry.id:>8} {s.hits:>7} {s.today:>6} {s.confirms:>9} {s.overturns:>10}  "
            f"{standing:<12} {rule}"
        )
        if s.quarantined_at:
            click.echo(f"{'':>8} {s.quarantine_reason}")


@banks.command("trust")
@click.argument("name")
@click.argument("entry_id", type=click.IntRange(1))
@click.pass_obj
def trust(state: CliState, name: str, entry_id: int) -> None:
    """Let a quarantined entry of NAME act again (quarantined again only at ten times
    its bank's limits)."""

    async def body() -> None:
        async with state.store() as store:
            entry = await store.set_entry_standing(name, entry_id, True, f"cli:{whoami()}")
            rule = f"{entry.signal_type}:{entry.value[:80]}"
            await audited(store, "entry_trusted", bank=name, reason=f"entry {entry_id} {rule}")
        click.echo(f"{name}: entry {entry_id} ({rule}) acts again")

    run(body)


@banks.command("dispute")
@click.argument("name")
@click.argument("entry_id", type=click.IntRange(1))
@click.option("--reason", default="disputed", show_default=True)
@click.pass_obj
def dispute(state: CliState, name: str, entry_id: int, reason: str) -> None:
    """Disable a wrong entry of NAME: it stops matching, and a re-import of its list
    does not bring it back."""

    async def body() -> None:
        async with state.store() as store:
            entry, changed = await store.dispute_entry(name, entry_id, f"cli:{whoami()}")
            why = f"entry {entry_id} {entry.signal_type}:{entry.value[:80]}: {reason[:200]}"
            await audited(store, "entry_disputed", bank=name, reason=why)
        click.echo(f"{name}: entry {entry_id} disabled ({reason})" if changed else
                   f"{name}: entry {entry_id} was not active")  # fmt: skip

    run(body)


@banks.command("feedback")
@click.argument("name")
@click.option("--since", default="", metavar="YYYY-MM-DD", help="Only what was judged since.")
@click.pass_obj
def feedback(state: CliState, name: str, since: str) -> None:
    """What reviewers found of NAME's entries, for the list's maintainer: confirmed
    entries as POSITIVE_CLASS, disputed ones as NEGATIVE_CLASS (python-threatexchange's
    opinion categories), in its dataset CSV (signal_type,signal_str,collab,category,tags)."""
    try:
        start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC) if since else None
    except ValueError:
        fail(f"--since {since[:20]!r}: expected a date, YYYY-MM-DD")

    async def body() -> None:
        async with state.store() as store:
            judged = await store.entry_feedback(name, start)
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["signal_type", "signal_str", "collab", "category", "tags"])
        for entry, confirms, overturns in judged:
            if entry.status is not EntryStatus.ACTIVE:
                category = "NEGATIVE_CLASS"
            elif confirms:
                category = "POSITIVE_CLASS"
            else:
                continue  # overturned, not (yet) disputed: no opinion to give
            tags = f"confirmed:{confirms} overturned:{overturns}"
            out.writerow([entry.signal_type, entry.value, spreadsheet_safe(entry.source),
                          category, tags])  # fmt: skip

    run(body)
