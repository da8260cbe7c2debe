"""The matcher: one index per signal type across the enabled banks, answering
"which banks, which entries, at what distance, in which band" for a set of
queries; it follows bank changes without being rebuilt (``core.matching.loader``).
"""

import bisect
import copy
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from core.banks import Bank
from core.model import Band, BankAction, Match
from core.signals import SIGNAL_TYPES, SignalType
from core.signals.indexes import IndexHit, SignalIndex

__all__ = ["IndexState", "Matcher", "MatcherState", "nearest_matches"]


@dataclass(frozen=True, slots=True)
class _Hit:
    bank: str
    entry_id: int
    value: str
    allow: bool = False


class _Hits:
    """Which bank entry each id of one index is, as runs of consecutive entry ids of
    one bank (a bulk-imported list is a handful of runs): 10M entries cost
    kilobytes here, not an object each. Values live in the index itself."""

    def __init__(self) -> None:
        self.starts = array("q")  # index id where each run starts
        self.first_ids = array("q")  # its first entry id
        self.banks = array("H")  # its bank's code
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def extend(self, bank: int, entry_ids: list[int]) -> None:
        """Append ``bank``'s entries, in index-id order."""
        starts, first_ids, banks = self.starts, self.first_ids, self.banks
        last = len(starts) - 1
        same_bank = last >= 0 and banks[last] == bank
        expect = first_ids[last] + self.size - starts[last] if same_bank else None
        size = self.size
        for entry_id in entry_ids:
            if entry_id != expect:
                starts.append(size)
                first_ids.append(entry_id)
                banks.append(bank)
            expect = entry_id + 1
            size += 1
        self.size = size

    def get(self, i: int) -> tuple[int, int]:
        """``(bank code, entry id)`` of index id ``i``."""
        run = bisect.bisect_right(self.starts, i) - 1
        return self.banks[run], self.first_ids[run] + i - self.starts[run]

    def holds(self, bank: int, entry_id: int) -> bool:
        """Whether ``bank``'s entry ``entry_id`` is in the index (a scan of the runs)."""
        starts, first_ids, banks = self.starts, self.first_ids, self.banks
        for run in range(len(starts)):
            end = starts[run + 1] if run + 1 < len(starts) else self.size
            first = first_ids[run]
            if banks[run] == bank and first <= entry_id < first + end - starts[run]:
                return True
        return False

    def copy(self) -> "_Hits":
        hits = _Hits()
        hits.starts, hits.first_ids = array("q", self.starts), array("q", self.first_ids)
        hits.banks, hits.size = array("H", self.banks), self.size
        return hits


@dataclass(frozen=True, slots=True)
class IndexState:
    """One index of a matcher and which bank entry each of its ids is: runs starting
    at index ids ``starts``, with entry ids from ``first_ids``, of banks ``banks``
    (codes into ``MatcherState.names``)."""

    type_name: str
    allow: bool
    index: SignalIndex
    starts: "array[int]"
    first_ids: "array[int]"
    banks: "array[int]"


@dataclass(frozen=True, slots=True)
class MatcherState:
    """What a matcher holds, at bank version ``version``: what a snapshot writes and
    a later process maps back (``core.matching.snapshot``). Bank settings and entry
    standing are not part of it: they are read from the store at load."""

    version: int
    names: list[str]  # bank codes' names
    loaded: list[str]
    dead: list[tuple[str, int]]
    indexes: list[IndexState]


class Matcher:
    """Two indexes per signal type over the enabled banks' active entries: the block
    entries, and the allow rules (few, and searched to the widest band even when
    only the act band is asked for, since an allow hit anywhere clears the item)."""

    def __init__(self, banks: Iterable[Bank]) -> None:
        self._banks = {bank.name: bank for bank in banks if bank.enabled}
        # (signal type, allow) -> that type's own kind of index, and its entries
        self._indexes: dict[tuple[str, bool], SignalIndex] = {}
        self._hits: dict[tuple[str, bool], _Hits] = {}
        self._codes: dict[str, int] = {}  # bank name -> the code _Hits stores
        self._names: list[str] = []
        self._loaded: set[str] = set()  # banks whose entries are in the indexes
        self._dead: set[tuple[str, int]] = set()  # (bank, entry id) disabled or removed since
        # Entry ids matching too often (their matches go to review: ``FloodGuard``),
        # and those a reviewer trusted again after that.
        self.quarantined: set[int] = set()
        self.trusted: set[int] = set()
        self.version = 0  # the last bank change (``Store.bank_changes``) applied
        self._shadow = False  # a view matching the banks in shadow (``shadowed``)
        # Searches answered while ``remembering`` (shared with views made meanwhile).
        self._memo: dict[tuple[tuple[str, bool], tuple[str, ...], int], list[IndexHit]] | None
        self._memo = None

    def __len__(self) -> int:
        return sum(len(hits) for hits in self._hits.values())

    def state(self) -> MatcherState:
        """This matcher's state; its indexes by reference (``snapshot`` says how they
        are read while this one goes on)."""
        indexes = []
        for (type_name, allow), index in self._indexes.items():
            hits = self._hits[type_name, allow].copy()
            indexes.append(
                IndexState(type_name, allow, index, hits.starts, hits.first_ids, hits.banks)
            )
        dead = sorted(self._dead)
        return MatcherState(self.version, list(self._names), sorted(self._loaded), dead, indexes)

    @classmethod
    def restored(cls, banks: Iterable[Bank], state: MatcherState) -> "Matcher":
        """A matcher over ``banks`` (their current settings) with ``state``'s indexes."""
        matcher = cls(banks)
        matcher._names = list(state.names)
        matcher._codes = {name: code for code, name in enumerate(state.names)}
        matcher._loaded = set(state.loaded)
        matcher._dead = set(state.dead)
        for index in state.indexes:
            key = (index.type_name, index.allow)
            hits = _Hits()
            hits.starts, hits.first_ids = array("q", index.starts), array("q", index.first_ids)
            hits.banks, hits.size = array("H", index.banks), len(index.index)
            matcher._indexes[key], matcher._hits[key] = index.index, hits
        matcher.version = state.version
        return matcher

    def has_shadow(self) -> bool:
        """Whether any enabled bank is in shadow."""
        return any(bank.shadow for bank in self._banks.values())

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within: an index search asked again (one message matched live, then by
        the ``shadowed`` view made inside) is answered from memory, not searched
        twice. For synchronous code: the memory knows no bank change."""
        self._memo = {}
        try:
            yield
        finally:
            self._memo = None

    def shadowed(self) -> "Matcher":
        """A view of this matcher that finds the block entries of banks in shadow (with
        every allow rule: what they would do if live) instead of live banks'. It shares
        the indexes and does not follow later changes: make one where it is used."""
        view = copy.copy(self)
        view._shadow = True
        return view

    def widest(self, signal_type: type[SignalType], *, act_only: bool = False) -> int:
        """The widest band (review, or act) any enabled bank sets for the type (-1: none)."""
        return max(
            (
                limits.act if act_only else limits.review
                for limits in (bank.thresholds_for(signal_type) for bank in self._banks.values())
            ),
            default=-1,
        )

    def has(self, type_name: str) -> bool:
        """Whether any entry of this signal type was ever indexed."""
        return (type_name, False) in self._indexes or (type_name, True) in self._indexes

    def sizes(self) -> dict[str, int]:
        """Indexed entries by signal type."""
        sizes: dict[str, int] = {}
        for (type_name, _), hits in self._hits.items():
            sizes[type_name] = sizes.get(type_name, 0) + len(hits)
        return sizes

    def bank(self, name: str) -> Bank | None:
        """An enabled bank's settings."""
        return self._banks.get(name)

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
        by_key: dict[tuple[str, bool], tuple[list[int], list[str]]] = {}
        dead = self._dead
        code = self._codes.setdefault(bank, len(self._codes))
        for entry_id, type_name, value, allow in entries:
            if dead and (bank, entry_id) in dead:
                dead.discard((bank, entry_id))
                hits = self._hits.get((type_name, allow))
                if hits is not None and hits.holds(code, entry_id):
                    continue  # indexed before it was removed: live again as it is
            rows = by_key.get((type_name, allow))
            if rows is None:
                rows = by_key[type_name, allow] = ([], [])
            rows[0].append(entry_id)
            rows[1].append(value)
        if code == len(self._names):
            self._names.append(bank)
        for key, (entry_ids, values) in by_key.items():
            index = self._indexes.get(key)
            if index is None:
                index = self._indexes[key] = SIGNAL_TYPES[key[0]].index()
            index.add(values, seal=seal)
            self._hits.setdefault(key, _Hits()).extend(code, entry_ids)

    def seal(self) -> None:
        """Index what bulk loads added (``add(..., seal=False)``)."""
        for index in self._indexes.values():
            index.seal()

    def remove(self, bank: str, entry_ids: Iterable[int]) -> None:
        """Stop matching these entries (disabled or removed); the index keeps them
        until the next load, filtered out of every answer."""
        self._dead.update((bank, entry_id) for entry_id in entry_ids)

    def _hit(self, key: tuple[str, bool], found: IndexHit) -> _Hit:
        """The bank entry behind an index hit, with its value."""
        code, entry_id = self._hits[key].get(found.id)
        value = found.value or self._indexes[key].value(found.id)
        return _Hit(self._names[code], entry_id, value, key[1])

    def match(self, queries: Mapping[str, Sequence[str]], *, act_only: bool = False) -> list[Match]:
        """Matches of any query value, one per bank entry at its nearest distance.

        Call it once per item (an image, a link): an allow rule hit by any of
        the item's queries, in any bank, clears all of that item's matches.
        ``act_only``: only matches in a bank's act band (what an HMA lookup
        reports), which at PDQ's default bands searches a far smaller radius.
        """
        best: dict[tuple[str, int], Match] = {}
        allowed = False
        for type_name, values in queries.items():
            signal_type = SIGNAL_TYPES.get(type_name)
            if signal_type is None:
                continue
            for allow in (True, False):
                key = (type_name, allow)
                if key not in self._indexes:
                    continue
                narrow = act_only and not allow
                for found in self._search(signal_type, key, values, narrow):
                    hit = self._hit(key, found)
                    bank = self._banks.get(hit.bank)
                    if bank is None or (hit.bank, hit.entry_id) in self._dead:
                        continue
                    # Live: live banks only. Shadow: shadow banks' blocks, anyone's allows.
                    if bank.shadow != self._shadow and not (allow and self._shadow):
                        continue
                    match = self._classify(signal_type, hit, found)
                    if match is None or (narrow and match.band is not Band.ACT):
                        continue
                    allowed |= allow
                    entry = (match.bank, match.entry_id)
                    if entry not in best or found.distance < best[entry].distance:
                        best[entry] = match
        if allowed:
            return []
        return sorted(best.values(), key=lambda m: (m.band != Band.ACT, m.distance, m.bank))

    def _search(
        self,
        signal_type: type[SignalType],
        key: tuple[str, bool],
        values: Sequence[str],
        act_only: bool,
    ) -> list[IndexHit]:
        """Hits within the widest band (act, or review) any enabled bank sets for the type."""
        radius = self.widest(signal_type, act_only=act_only)
        if radius < 0:
            return []
        if self._memo is None:
            return self._indexes[key].search(values, radius)
        asked = (key, tuple(values), radius)
        if asked not in self._memo:
            self._memo[asked] = self._indexes[key].search(values, radius)
        return self._memo[asked]

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
