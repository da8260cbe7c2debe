"""The matcher loaded from the banks, and kept in step with them as any process
changes them (bank following)."""

from collections.abc import Sequence

from core.errors import InputError
from core.matching.matcher import Matcher
from core.ports import BankStore

__all__ = ["follow_changes", "load_matcher"]

_PAGE = 5000


async def load_matcher(store: BankStore, types: Sequence[str] | None = None) -> Matcher:
    """A matcher over every enabled bank's active entries (only ``types``' if given:
    checking a text needs no hashes), at the store's current bank version (changes
    after it are applied by ``follow_changes``)."""
    version = await store.bank_version()  # first: a change made while loading is not lost
    summaries = await store.list_banks()
    matcher = Matcher(s.bank for s in summaries)
    for summary in summaries:
        if not summary.bank.enabled:
            continue
        if types is None:
            await _load_bank(store, matcher, summary.bank.name)
        else:
            await _load_types(store, matcher, summary.bank.name, types)
    matcher.quarantined, matcher.trusted = await store.entry_standing()
    matcher.version = version
    return matcher


async def _load_types(store: BankStore, matcher: Matcher, bank: str, types: Sequence[str]) -> None:
    after = 0
    while page := await store.entry_page(bank, types, after=after, limit=_PAGE):
        matcher.add(bank, [(e.id or 0, e.signal_type, e.value, e.allow) for e in page], seal=False)
        after = page[-1].id or 0
    matcher.seal()


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
        elif change.kind == "quarantine":  # quarantined, or trusted again
            ids = set(change.entry_ids)
            quarantined, trusted = await store.entry_standing(change.entry_ids)
            matcher.quarantined = (matcher.quarantined - ids) | quarantined
            matcher.trusted = (matcher.trusted - ids) | trusted
        elif change.kind in ("add", "status"):
            rows = await store.entries_by_id(
                change.bank, change.first or 0, change.last or 0, change.entry_ids
            )
            matcher.remove(change.bank, [r[0] for r in rows if not r[4]])
            matcher.add(change.bank, [r[:4] for r in rows if r[4]])
        matcher.version = change.id
    return len(changes)
