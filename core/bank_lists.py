"""Bank lists over the BankStore port: import a hash list, bank an image's signals,
export a bank as a list."""

import io
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from core.banks import Entry, EntryStatus
from core.errors import InputError
from core.formats import BadRow, ListFormat, Row, write_hash_list
from core.model import MediaSignals
from core.ports import AddResult, BankStore
from core.signals import SIGNAL_TYPES, PerceptualSignalType

__all__ = [
    "Added",
    "ImportReport",
    "add_on_purpose",
    "entries_for_media",
    "export_chunks",
    "import_rows",
]

_EXAMPLES = 10
_EXPORT_BATCH = 2000


@dataclass(slots=True)
class ImportReport:
    """What an import did; ``bad_examples`` keeps the first few bad rows."""

    added: int = 0
    duplicates: int = 0
    tombstoned: int = 0
    bad: int = 0
    skipped: int = 0
    bad_examples: list[BadRow] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"added {self.added}, already present {self.duplicates}, "
            f"previously removed (not re-added) {self.tombstoned}, "
            f"bad rows skipped {self.bad}, marked non-matching and skipped {self.skipped}"
        )
        return text + "".join(f"\n  {row}" for row in self.bad_examples)


@dataclass(frozen=True, slots=True)
class Added:
    """What adding entries on purpose did, and the audit reason that says so."""

    result: AddResult
    restored: int
    reason: str


async def add_on_purpose(store: BankStore, bank: str, entries: list[Entry], by: str) -> Added:
    """Add ``entries`` named one by one (the command line, a form): unlike an import,
    which skips what was removed before, a value given on purpose is restored."""
    result = await store.add_entries(bank, entries)
    restored = 0
    if result.tombstoned:
        for kind in sorted({e.signal_type for e in entries}):
            values = [e.value for e in entries if e.signal_type == kind]
            restored += await store.set_entry_status(bank, kind, values, EntryStatus.ACTIVE, by)
    rules = " ".join(f"{'allow ' * e.allow}{e.signal_type}:{e.value[:80]}" for e in entries)
    return Added(result, restored, f"{result.added} added, {restored} restored: {rules}")


async def import_rows(
    store: BankStore,
    bank: str,
    rows: Iterable[Row],
    *,
    strict: bool = False,
    added_by: str = "",
    progress: Callable[[], None] | None = None,
) -> ImportReport:
    """Add the good rows to ``bank`` in one transaction.

    ``strict``: the first bad row aborts the import with nothing added.
    """
    report = ImportReport()

    def good_entries() -> Iterator[Entry]:
        for row in rows:
            if progress is not None:
                progress()
            if isinstance(row, Entry):  # first: nearly every row is one
                yield row
            elif isinstance(row, BadRow):
                if strict:
                    raise InputError(f"{row} (--strict: nothing was imported)")
                report.bad += 1
                if len(report.bad_examples) < _EXAMPLES:
                    report.bad_examples.append(row)
            else:  # Skipped
                report.skipped += 1

    result = await store.add_entries(bank, good_entries(), added_by=added_by)
    report.added, report.duplicates, report.tombstoned = (
        result.added,
        result.duplicates,
        result.tombstoned,
    )
    return report


def entries_for_media(
    media: MediaSignals, *, source: str, added_by: str, note: str = "", allow: bool = False
) -> list[Entry]:
    """Bank entries (allow rules, if ``allow``) for every trustworthy signal of one image."""
    entries = []
    for signal in media.signals:
        signal_type = SIGNAL_TYPES[signal.signal_type]
        if issubclass(signal_type, PerceptualSignalType) and not signal_type.trusted(signal):
            continue
        entries.append(
            Entry(
                signal.signal_type,
                signal.value,
                source=source,
                added_by=added_by,
                note=note,
                quality=signal.quality,
                allow=allow,
            )
        )
    return entries


async def export_chunks(
    store: BankStore,
    bank: str,
    fmt: ListFormat,
    *,
    signal_type: str | None = None,
    only: Callable[[str], bool] | None = None,
) -> AsyncGenerator[str, None]:
    """``bank``'s active entries as list text, a few thousand rows a chunk."""
    await store.get_bank(bank)  # a missing bank is an error before any output
    header = True
    batch: list[Entry] = []
    async for entry in store.iter_entries(bank):
        if only is None or only(entry.signal_type):
            batch.append(entry)
        if len(batch) >= _EXPORT_BATCH:
            yield _text(batch, fmt, signal_type, header)
            header, batch = False, []
    if batch or header:
        yield _text(batch, fmt, signal_type, header)


def _text(entries: list[Entry], fmt: ListFormat, signal_type: str | None, header: bool) -> str:
    out = io.StringIO()
    write_hash_list(entries, fmt, out, signal_type=signal_type, header=header)
    return out.getvalue()
