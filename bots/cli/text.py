"""``blockfirst text``: text rules in banks (phrases, stored normalised), and checking
a text against them."""

import sys
from pathlib import Path

import click

from bots.cli.banks import stats_command
from bots.cli.common import CliState, add_on_purpose, audited, fail, run, whoami
from bots.cli.lists import RULES_FORMAT, export_list, import_list
from core.banks import Bank, Entry, EntryStatus
from core.errors import InputError
from core.formats import ListFormat
from core.matching.loader import load_matcher
from core.matching.text_rules import TextPlace, check_text
from core.model import BankAction
from core.signals.text import TextPattern, TextPhrase, TextWord
from core.text_normal import read

__all__ = ["text"]

_TYPE = TextPhrase.name
_TYPES = (TextPhrase.name, TextWord.name, TextPattern.name)


@click.group()
def text() -> None:
    """Text rules: phrases that advertise illegal filming and deepfakes, however
    disguised (spaces, jamo typed apart, look-alike letters, zero-width characters)."""


def _kind(word: bool, pattern: bool) -> type[TextPhrase] | type[TextPattern]:
    if word and pattern:
        fail("--word and --regex: choose one")
    return TextWord if word else TextPattern if pattern else TextPhrase


def _rules(values: tuple[str, ...], kind: type[TextPhrase] | type[TextPattern]) -> list[str]:
    try:
        return [kind.canonical(value) for value in values]
    except InputError as exc:
        fail(f"{exc} (nothing was changed)")


@text.command("add")
@click.argument("bank")
@click.argument("phrases", nargs=-1, required=True)
@click.option("--allow", is_flag=True, help="Allow rules: they beat block rules in any bank.")
@click.option(
    "--word",
    is_flag=True,
    help="PHRASES match only as whole words ('cam' in 'hidden cam', not in 'camera'; "
    "a Korean word with a particle after it still counts).",
)
@click.option(
    "--regex",
    "pattern",
    is_flag=True,
    help="PHRASES are regular expressions, searched in the normalised text "
    "(letters and digits only, lower case): bounded in time, slow ones refused.",
)
@click.option("--note", default="")
@click.pass_obj
def add(
    state: CliState,
    bank: str,
    phrases: tuple[str, ...],
    allow: bool,
    word: bool,
    pattern: bool,
    note: str,
) -> None:
    """Add PHRASES to BANK (a new bank is made for review: its matches open cases and
    delete nothing until you set its action to delete)."""
    kind = _kind(word, pattern)
    entries = [
        Entry(kind.name, rule, source="cli", added_by=whoami(), note=note, allow=allow)
        for rule in _rules(phrases, kind)
    ]

    async def body() -> None:
        async with state.store() as store:
            if bank not in {s.bank.name for s in await store.list_banks()}:
                await store.create_bank(Bank(bank, BankAction.REVIEW, "text rules"))
                await audited(store, "bank_created", bank=bank, reason="review, text rules")
            done = await add_on_purpose(store, bank, entries)
        for entry in entries:
            click.echo(f"{'allow' if allow else 'block'} {kind.name} {entry.value}")
        click.echo(done)

    run(body)


@text.command("import")
@click.argument("bank")
@click.argument("file", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Abort on the first bad row, importing nothing.")
@click.option("--source", default="")
@click.pass_obj
def import_(state: CliState, bank: str, file: Path, strict: bool, source: str) -> None:
    """Import phrases into BANK, one a line ('allow ' before one makes it an allow rule;
    'text_word <phrase>' a whole-word rule, 'text_re <pattern>' a pattern), or a CSV
    file headed 'type,value,note' (an 'allow' column optional)."""

    async def body() -> None:
        report = await import_list(
            state, bank, file, "auto", signal_type=_TYPE, strict=strict,
            source=source, added_by=whoami(), types=_TYPES, rules=True,
        )  # fmt: skip
        click.echo(f"{bank}: {report.summary()}")

    run(body)


@text.command("export")
@click.argument("bank")
@RULES_FORMAT
@click.pass_obj
def export(state: CliState, bank: str, fmt: str) -> None:
    """Write BANK's text rules as '[allow] text <phrase>' (normalised), 'text_word
    <phrase>' and 'text_re <pattern>' lines."""
    run(lambda: export_list(state, bank, ListFormat(fmt), only=lambda t: t in _TYPES))


@text.command("remove")
@click.argument("bank")
@click.argument("phrases", nargs=-1, required=True)
@click.option("--word", is_flag=True, help="PHRASES are whole-word rules.")
@click.option("--regex", "pattern", is_flag=True, help="PHRASES are patterns.")
@click.pass_obj
def remove(state: CliState, bank: str, phrases: tuple[str, ...], word: bool, pattern: bool) -> None:
    """Remove PHRASES from BANK (tombstoned: a re-import does not bring them back)."""
    rule_kind = _kind(word, pattern)
    values = _rules(phrases, rule_kind)
    kind = rule_kind.name

    async def body() -> None:
        async with state.store() as store:
            removed = await store.set_entry_status(
                bank, kind, values, EntryStatus.REMOVED, whoami()
            )
            await audited(store, "entries_status", bank=bank, reason=f"removed: {values}")
        click.echo(f"removed {removed} of {len(values)} from {bank}")

    run(body)


@text.command("check")
@click.argument("words")
@click.pass_obj
def check(state: CliState, words: str) -> None:
    """Show WORDS as rules read them and every rule they match; exit 1 on a match."""

    async def body() -> int:
        async with state.store() as store:
            matcher = await load_matcher(store, _TYPES)
        reading = read(words)
        click.echo(f"reads as: {reading.phrase}")
        click.echo(f"words: {reading.words}")
        matches = check_text(matcher, [(TextPlace.TEXT, words)])
        for m in matches:
            click.echo(
                f"  MATCH bank={m.bank} rule={m.signal_type}:{m.value} band={m.band.value} "
                f"action={m.action.value} words={m.span!r}"
            )
        return 1 if matches else 0

    sys.exit(run(body))


text.add_command(stats_command(_TYPES, "text rules"))
