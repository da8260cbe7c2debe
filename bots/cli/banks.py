"""``blockfirst banks``: create, list, enable and disable banks."""

import click

from bots.cli.common import CliState, audited, run
from core.banks import Bank, check_bank_name, parse_threshold
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
@click.pass_obj
def create(
    state: CliState,
    name: str,
    action: str,
    thresholds: tuple[str, ...],
    description: str,
    category: str,
) -> None:
    """Create the bank NAME (it can hold hashes and link rules)."""

    async def body() -> None:
        check_bank_name(name)
        limits = dict(map(parse_threshold, thresholds))
        bank = Bank(name, BankAction(action), description, True, limits, category=category)
        async with state.store(create=True) as store:
            await store.create_bank(bank)
            await audited(store, "bank_created", bank=name, reason=f"{action}, {category}")
        click.echo(f"created bank {name} (action {action}, category {category})")

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
            enabled = "enabled" if s.bank.enabled else "disabled"
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
