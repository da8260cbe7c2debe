"""The matcher: one index per signal type across the enabled banks, answering
"which banks, which entries, at what distance, in which band" for a set of
queries; it follows bank changes without being rebuilt (``core.matching.loader``).
"""

import bisect
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.banks import Bank
from core.model import Band, BankAction, Match
from core.signals import SIGNAL_TYPES, SignalType
from core.signals.indexes import IndexHit, SignalIndex

__all__ = ["Matcher", "nearest_matches"]


@dataclass(frozen=True, slots=True)
class _Hit:
    bank: str
    entry_id: int
    value: str
    allow: bool = False


class _Hits:
    """Which bank entry each index id of one signal type is, as runs of consecutive
    entry ids of one bank (a bulk-imported list is a handful of runs): 10M entries
    cost kilobytes here, not an object each. Values live in the index itself."""

    def __init__(self) -> None:
        self.starts = array("q")  # index id where each run starts
        self.first_ids = array("q")  # its first entry id
        self.banks = array("H")  # its bank's code
        self.allow = array("b")
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def extend(self, bank: int, rows: list[tuple[int, str, bool]]) -> None:
        """Append ``(entry_id, value, allow)`` rows of ``bank``, in index-id order."""
        starts, first_ids, banks, allows = self.starts, self.first_ids, self.banks, self.allow
        last = len(starts) - 1
        same_bank = last >= 0 and banks[last] == bank
        expect = first_ids[last] + self.size - starts[last] if same_bank else None
        run_allow = bool(allows[last]) if same_bank else None
        size = self.size
        for entry_id, _, allow in rows:
            if entry_id != expect or allow != run_allow:
                starts.append(size)
                first_ids.append(entry_id)
                banks.append(bank)
                allows.append(allow)
                run_allow = allow
            expect = entry_id + 1
            size += 1
        self.size = size

    def get(self, i: int) -> tuple[int, int, bool]:
        """``(bank code, entry id, allow)`` of index id ``i``."""
        run = bisect.bisect_right(self.starts, i) - 1
        entry_id = self.first_ids[run] + i - self.starts[run]
        return self.banks[run], entry_id, bool(self.allow[run])


class Matcher:
    """One index per signal type over the enabled banks' active entries."""

    def __init__(self, banks: Iterable[Bank]) -> None:
        self._banks = {bank.name: bank for bank in banks if bank.enabled}
        self._indexes: dict[str, SignalIndex] = {}  # each signal type's own kind
        self._hits: dict[str, _Hits] = {}
        self._codes: dict[str, int] = {}  # bank name -> the code _Hits stores
        self._names: list[str] = []
        self._loaded: set[str] = set()  # banks whose entries are in the indexes
        self._dead: set[tuple[str, int]] = set()  # (bank, entry id) disabled or removed since
        self.version = 0  # the last bank change (``Store.bank_changes``) applied

    def __len__(self) -> int:
        return sum(len(hits) for hits in self._hits.values())

    def sizes(self) -> dict[str, int]:
        """Indexed entries by signal type."""
        return {name: len(hits) for name, hits in self._hits.items()}

    def set_bank(self, bank: Bank) -> bool:
        """Add a bank, or replace its settings (its entries stay). True if the bank is
        enabled but its entries were never added (it was disabled until now)."""
        if bank.enabled:
            self._banks[bank.name] = bank
        else:
            self._banks.pop(bank.name, None)
        return bank.enabled and bank.name not in self._loaded

    def add(
        self, bank: str, entries: Iterable[tuple[int, str, str, bool]], *, seal: bool = True
    ) -> None:
        """Add ``(entry_id, signal_type, value, allow)`` rows of ``bank`` (ignored if it
        was never loaded and is disabled); an entry removed before is live again,
        without a second copy. ``seal=False``: a bulk load, indexed at ``seal()``."""
        if bank not in self._banks and bank not in self._loaded:
            return  # disabled and never loaded: enabling it loads it whole
        self._loaded.add(bank)
        by_type: dict[str, list[tuple[int, str, bool]]] = {}
        dead = self._dead
        for entry_id, type_name, value, allow in entries:
            if dead and (bank, entry_id) in dead:
                dead.discard((bank, entry_id))
                continue
            rows = by_type.get(type_name)
            if rows is None:
                rows = by_type[type_name] = []
            rows.append((entry_id, value, allow))
        code = self._codes.setdefault(bank, len(self._codes))
        if code == len(self._names):
            self._names.append(bank)
        for type_name, rows in by_type.items():
            self._add_rows(SIGNAL_TYPES[type_name], code, rows, seal)

    def seal(self) -> None:
        """Index what bulk loads added (``add(..., seal=False)``)."""
        for index in self._indexes.values():
            index.seal()

    def remove(self, bank: str, entry_ids: Iterable[int]) -> None:
        """Stop matching these entries (disabled or removed); the index keeps them
        until the next load, filtered out of every answer."""
        self._dead.update((bank, entry_id) for entry_id in entry_ids)

    def _add_rows(
        self,
        signal_type: type[SignalType],
        bank: int,
        rows: list[tuple[int, str, bool]],
        seal: bool = True,
    ) -> None:
        index = self._indexes.get(signal_type.name)
        if index is None:
            index = self._indexes[signal_type.name] = signal_type.index()
        index.add([value for _, value, _ in rows], seal=seal)
        self._hits.setdefault(signal_type.name, _Hits()).extend(bank, rows)

    def _hit(self, type_name: str, found: IndexHit) -> _Hit:
        """The bank entry behind an index hit, with its value."""
        code, entry_id, allow = self._hits[type_name].get(found.id)
        value = found.value or self._indexes[type_name].value(found.id)
        return _Hit(self._names[code], entry_id, value, allow)

    def match(self, queries: Mapping[str, Sequence[str]]) -> list[Match]:
        """Matches of any query value, one per bank entry at its nearest distance.

        Call it once per item (an image, a link): an allow rule hit by any of
        the item's queries, in any bank, clears all of that item's matches.
        """
        best: dict[tuple[str, int], Match] = {}
        allowed = False
        for type_name, values in queries.items():
            signal_type = SIGNAL_TYPES.get(type_name)
            if signal_type is None or type_name not in self._hits:
                continue
            for found in self._search(signal_type, values):
                hit = self._hit(type_name, found)
                if hit.bank not in self._banks or (hit.bank, hit.entry_id) in self._dead:
                    continue
                match = self._classify(signal_type, hit, found)
                if match is None:
                    continue
                allowed |= hit.allow
                key = (match.bank, match.entry_id)
                if key not in best or found.distance < best[key].distance:
                    best[key] = match
        if allowed:
            return []
        return sorted(best.values(), key=lambda m: (m.band != Band.ACT, m.distance, m.bank))

    def _search(self, signal_type: type[SignalType], values: Sequence[str]) -> list[IndexHit]:
        """Hits within the widest review band any enabled bank sets for the type."""
        radius = max(
            (bank.thresholds_for(signal_type).review for bank in self._banks.values()), default=-1
        )
        if radius < 0:
            return []
        return self._indexes[signal_type.name].search(values, radius)

    def _classify(self, signal_type: type[SignalType], hit: _Hit, found: IndexHit) -> Match | None:
        bank = self._banks[hit.bank]
        band = signal_type.band(found, bank)
        if band is None:
            return None
        acts = band is Band.ACT and signal_type.decisive
        return Match(
            hit.bank,
            hit.entry_id,
            signal_type.name,
            signal_type.shown(hit.value),
            found.distance,
            band,
            bank.action if acts else BankAction.REVIEW,
            bank.category,
            signal_type.note(found),
        )


def nearest_matches(matches: Iterable[Match]) -> list[Match]:
    """One match per bank entry (several items may hit it), the nearest, acting first."""
    best: dict[tuple[str, int, str], Match] = {}
    for match in matches:
        key = (match.bank, match.entry_id, match.signal_type)
        if key not in best or (match.band, match.distance) < (best[key].band, best[key].distance):
            best[key] = match
    return sorted(best.values(), key=lambda m: (m.band is not Band.ACT, m.distance, m.bank))
