"""``blockfirst hash`` and ``blockfirst hashes``: hash files, fill and dump banks."""

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from bots.cli.banks import stats_command
from bots.cli.common import CliState, add_on_purpose, audited, fail, run, whoami
from bots.cli.lists import export_list, import_list
from core.bank_lists import entries_for_media
from core.banks import EntryStatus
from core.errors import InputError
from core.formats import ListFormat
from core.media.hashing import hash_file
from core.signals import SIGNAL_TYPES, LinkSignalType, get_signal_type
from core.signals.text import TextPattern, TextPhrase

__all__ = ["hash_files", "hashes"]

_FORMATS = [f.value for f in ListFormat]
_EXPORT_BATCH = 2000


@click.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def hash_files(files: tuple[Path, ...]) -> None:
    """Print '<signal_type> <hash>' for every signal of each FILE.

    With several files, each group is headed by a '# FILE' comment line, which
    the 'lines' import format skips.
    """
    failed = False
    for path in files:
        try:
            media = hash_file(path)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        if len(files) > 1:
            click.echo(f"# {path}")
        for signal in media.signals:
            click.echo(f"{signal.signal_type} {signal.value}")
        if media.error:
            click.echo(f"warning: {path}: {media.error}; exact hashes only", err=True)
            failed = True
    if failed:
        sys.exit(2)


@click.group()
def hashes() -> None:
    """Add, import, export and remove a bank's hashes."""


@hashes.command("add")
@click.argument("bank")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--note", default="", help="Stored with each entry.")
@click.option("--by", "added_by", default=None, help="Who adds them (default: your user name).")
@click.option(
    "--allow",
    is_flag=True,
    help="Allow entries: IMAGES are fine, and a block match of any item they match (within "
    "the bank's distance) is cleared.",
)
@click.pass_obj
def add(
    state: CliState,
    bank: str,
    images: tuple[Path, ...],
    note: str,
    added_by: str | None,
    allow: bool,
) -> None:
    """Hash IMAGES and add every signal to BANK (the images themselves are not kept)."""
    entries = []
    for path in images:
        try:
            media = hash_file(path)
        except InputError as exc:
            fail(f"{exc} (nothing was added)")
        if media.error:
            click.echo(f"warning: {path}: {media.error}; adding exact hashes only", err=True)
        entries += entries_for_media(
            media, source="image", added_by=added_by or whoami(), note=note, allow=allow
        )

    async def body() -> None:
        async with state.store() as store:
            done = await add_on_purpose(store, bank, entries)
        click.echo(f"{bank}, from {len(images)} images: {done}")

    run(body)


@hashes.command("import")
@click.argument("bank")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format", "fmt", type=click.Choice(["auto", *_FORMATS]), default="auto", show_default=True
)
@click.option("--type", "signal_type", default=None, help="Signal type of bare hashes.")
@click.option("--strict", is_flag=True, help="Abort on the first bad row, importing nothing.")
@click.option(
    "--source", default="", help="Provenance stored with each entry (e.g. the list's name)."
)
@click.option("--by", "added_by", default=None, help="Who imports (default: your user name).")
@click.pass_obj
def import_(
    state: CliState,
    bank: str,
    file: Path,
    fmt: str,
    signal_type: str | None,
    strict: bool,
    source: str,
    added_by: str | None,
) -> None:
    """Import a hash list FILE ('-' for standard input) into BANK, in one transaction."""

    async def body() -> None:
        report = await import_list(
            state, bank, file, fmt, signal_type=signal_type, strict=strict, source=source,
            added_by=added_by or whoami(),
        )  # fmt: skip
        click.echo(f"{bank}: {report.summary()}")

    run(body)


@hashes.command("export")
@click.argument("bank")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="lines", show_default=True)
@click.option("--type", "signal_type", default=None, help="Only this signal type (hma-csv: pdq).")
@click.pass_obj
def export(state: CliState, bank: str, fmt: str, signal_type: str | None) -> None:
    """Write BANK's active hashes to standard output."""

    async def body() -> None:
        await export_list(state, bank, ListFormat(fmt), signal_type=signal_type)

    run(body)


_STATUS_COMMANDS = {
    "remove": (
        EntryStatus.REMOVED,
        "removed",
        "Remove hashes from BANK for good (a tombstone stays, so no re-import brings them back).",
    ),
    "disable": (
        EntryStatus.DISABLED,
        "disabled",
        "Stop matching hashes of BANK (a re-import does not re-enable them).",
    ),
    "enable": (EntryStatus.ACTIVE, "enabled", "Match disabled hashes of BANK again."),
}


def _status_command(verb: str) -> click.Command:
    status, done, help_text = _STATUS_COMMANDS[verb]

    @click.command(verb, help=help_text)
    @click.argument("bank")
    @click.argument("values", nargs=-1, required=True)
    @click.option("--type", "signal_type", required=True, type=click.Choice(list(SIGNAL_TYPES)))
    @click.option("--by", default=None, help="Who does it (default: your user name).")
    @click.pass_obj
    def command(
        state: CliState, bank: str, values: tuple[str, ...], signal_type: str, by: str | None
    ) -> None:
        canonical = list(_canonical(signal_type, values))

        async def body() -> None:
            async with state.store() as store:
                changed = await store.set_entry_status(
                    bank, signal_type, canonical, status, by or whoami()
                )
                reason = f"{status.value}: {changed} {signal_type} " + " ".join(canonical)
                await audited(store, "entries_status", bank=bank, reason=reason)
            click.echo(f"{done} {changed} of {len(canonical)} in {bank}")

        run(body)

    return command


for _verb in _STATUS_COMMANDS:
    hashes.add_command(_status_command(_verb))


def _canonical(signal_type: str, values: tuple[str, ...]) -> Iterator[str]:
    kind = get_signal_type(signal_type)
    for value in values:
        try:
            yield kind.canonical(value)
        except InputError as exc:
            fail(f"{value[:80]!r}: {exc}")


_HASH_TYPES = [
    name
    for name, kind in SIGNAL_TYPES.items()
    if not issubclass(kind, LinkSignalType | TextPhrase | TextPattern)
]
hashes.add_command(stats_command(_HASH_TYPES, "hashes"))
