"""Reading and writing hash and link-rule lists for the CLI: files or standard input,
format detection, progress, streamed export."""

import itertools
import stat
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import IO, Any

import click

from bots.cli.common import CliState, audited, progress, write_out
from core.bank_lists import ImportReport, export_chunks, import_rows
from core.errors import InputError
from core.formats import ListFormat, read_hash_list, resolve_format

__all__ = ["export_list", "import_list"]


async def import_list(
    state: CliState,
    bank: str,
    file: Path,
    fmt: str,
    *,
    signal_type: str | None,
    strict: bool,
    source: str,
    added_by: str,
    types: Collection[str] | None = None,
    rules: bool = False,
) -> ImportReport:
    """Import FILE ('-': standard input) into ``bank`` in one transaction; only
    ``types`` of signals, if given (a hash in a link list is a bad row). ``rules``:
    a list of rules (links, text), read as lines unless it has a rules-csv header."""
    with _open_list(file) as (stream, size):
        list_format = resolve_format(fmt, stream, rules=rules)
        rows = read_hash_list(
            stream, list_format, signal_type=signal_type, source=source, types=types
        )
        with progress(size, "B", f"importing {file.name or 'stdin'}") as bar:
            tick = _ticker(bar, stream)
            async with state.store() as store:
                report = await import_rows(
                    store, bank, rows, strict=strict, added_by=added_by, progress=tick
                )
                reason = f"{file.name or 'stdin'}: {report.summary()}"
                await audited(store, "bank_import", bank=bank, reason=reason)
                return report


RULES_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice([ListFormat.LINES.value, ListFormat.RULES_CSV.value]),
    default=ListFormat.LINES.value,
    help="rules-csv: type,value,note,allow with a header, for a spreadsheet.",
)


async def export_list(
    state: CliState,
    bank: str,
    fmt: ListFormat,
    *,
    signal_type: str | None = None,
    only: Callable[[str], bool] | None = None,
) -> None:
    """Write ``bank``'s active entries to standard output, streamed."""
    async with state.store() as store:
        await write_out(export_chunks(store, bank, fmt, signal_type=signal_type, only=only))


class _open_list:
    """The list as a binary stream, and its size in bytes when known."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> tuple[IO[bytes], int | None]:
        if str(self._path) == "-":
            return sys.stdin.buffer, None
        try:
            mode = self._path.stat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):  # /dev/zero never ends
                raise InputError(f"{self._path}: not a file or a pipe")
            self._handle = self._path.open("rb")
        except OSError as exc:
            raise InputError(f"{self._path}: cannot read: {exc.strerror or exc}") from exc
        return self._handle, self._path.stat().st_size if stat.S_ISREG(mode) else None

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def _ticker(bar: Any, stream: IO[bytes]) -> Callable[[], None]:
    """Advance ``bar`` to the byte position of ``stream`` every few thousand rows."""
    rows = itertools.count(1)
    seekable = stream.seekable()

    def tick() -> None:
        if next(rows) % 4096 == 0 and seekable:
            bar.update(stream.tell() - bar.n)

    return tick
