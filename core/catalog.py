"""Bank workflows over the Store port: import a hash list, bank an image, load the matcher."""

import io
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from core.banks import Entry
from core.errors import InputError
from core.formats import BadRow, ListFormat, Row, Skipped, write_hash_list
from core.hashing import MediaSignals
from core.matcher import Matcher
from core.ports import BankStore
from core.signals import SIGNAL_TYPES, PerceptualSignalType

__all__ = [
    "ImportReport",
    "entries_for_media",
    "export_chunks",
    "follow_changes",
    "import_rows",
    "load_matcher",
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
            if isinstance(row, BadRow):
                if strict:
                    raise InputError(f"{row} (--strict: nothing was imported)")
                report.bad += 1
                if len(report.bad_examples) < _EXAMPLES:
                    report.bad_examples.append(row)
            elif isinstance(row, Skipped):
                report.skipped += 1
            else:
                yield replace(row, added_by=added_by)

    result = await store.add_entries(bank, good_entries())
    report.added, report.duplicates, report.tombstoned = (
        result.added,
        result.duplicates,
        result.tombstoned,
    )
    return report


def entries_for_media(
    media: MediaSignals, *, source: str, added_by: str, note: str = ""
) -> list[Entry]:
    """Bank entries for every trustworthy signal of one image."""
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
            )
        )
    return entries


async def load_matcher(store: BankStore) -> Matcher:
    """A matcher over every enabled bank's active entries, at the store's current
    bank version (changes after it are applied by ``follow_changes``)."""
    version = await store.bank_version()  # first: a change made while loading is not lost
    summaries = await store.list_banks()
    matcher = Matcher(s.bank for s in summaries)
    for summary in summaries:
        if summary.bank.enabled:
            await _load_bank(store, matcher, summary.bank.name)
    matcher.version = version
    return matcher


async def _load_bank(store: BankStore, matcher: Matcher, bank: str) -> None:
    """All of a bank's entries, indexed once at the end (not merged batch by batch)."""
    async for rows in store.iter_entry_rows(bank):
        matcher.add(bank, rows, seal=False)
    matcher.seal()


async def follow_changes(store: BankStore, matcher: Matcher) -> int:
    """Apply the bank changes made since ``matcher.version``, by any process, to
    ``matcher`` without rebuilding it; how many were applied."""
    changes = await store.bank_changes(matcher.version)
    for change in changes:
        if change.kind == "bank":
            try:
                bank = await store.get_bank(change.bank)
            except InputError:
                bank = None
            if bank is not None and matcher.set_bank(bank):  # enabled, never loaded
                await _load_bank(store, matcher, bank.name)
        elif change.kind in ("add", "status"):
            rows = await store.entries_by_id(
                change.bank, change.first or 0, change.last or 0, change.entry_ids
            )
            matcher.remove(change.bank, [r[0] for r in rows if not r[4]])
            matcher.add(change.bank, [r[:4] for r in rows if r[4]])
        matcher.version = change.id
    return len(changes)


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
