"""The matcher: one index per signal type across the enabled banks, answering
"which banks, which entries, at what distance, in which band" for a set of
queries; it follows bank changes without being rebuilt (``core.catalog``).
"""

import bisect
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.banks import Bank
from core.index import ExactIndex, HammingIndex
from core.model import Band, BankAction, Match
from core.signals import SIGNAL_TYPES, SignalType
from core.video import frames_from_json
from core.video_index import VideoHit, VideoIndex

__all__ = ["Matcher", "nearest_matches"]


_Found = tuple[int, int, str, str]  # (index id, distance, note, value when known)


def _video_note(hit: VideoHit) -> str:
    return (
        f"{hit.query_percent:.0f}% of the video's frames match a banked one, "
        f"{hit.compared_percent:.0f}% of the banked video's frames matched"
    )


@dataclass(frozen=True, slots=True)
class _Hit:
    bank: str
    entry_id: int
    value: str
    allow: bool = False


class _Hits:
    """Which bank entry each index id of one signal type is, as runs of consecutive
    entry ids of one bank (a bulk-imported list is a handful of runs): 10M entries
    cost kilobytes here, not an object each. Values live in the index itself,
    except vPDQ frame lists, kept here."""

    def __init__(self, keep_values: bool) -> None:
        self.starts = array("q")  # index id where each run starts
        self.first_ids = array("q")  # its first entry id
        self.banks = array("H")  # its bank's code
        self.allow = array("b")
        self.values: list[str] | None = [] if keep_values else None
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
        if self.values is not None:
            self.values.extend(value for _, value, _ in rows)
        self.size = size

    def get(self, i: int) -> tuple[int, int, bool, str]:
        """``(bank code, entry id, allow, value or "")`` of index id ``i``."""
        run = bisect.bisect_right(self.starts, i) - 1
        value = self.values[i] if self.values is not None else ""
        entry_id = self.first_ids[run] + i - self.starts[run]
        return self.banks[run], entry_id, bool(self.allow[run]), value


class Matcher:
    """One index per signal type over the enabled banks' active entries."""

    def __init__(self, banks: Iterable[Bank]) -> None:
        self._banks = {bank.name: bank for bank in banks if bank.enabled}
        self._exact: dict[str, ExactIndex] = {}
        self._hamming: dict[str, HammingIndex] = {}
        self._videos = VideoIndex()
        self._hits: dict[str, _Hits] = {}
        self._codes: dict[str, int] = {}  # bank name -> the code _Hits stores
        self._names: list[str] = []
        self._loaded: set[str] = set()  # banks whose entries are in the indexes
        self._dead: set[tuple[str, int]] = set()  # (bank, entry id) disabled or removed since
        self.version = 0  # the last bank change (``Store.bank_changes``) applied

    def __len__(self) -> int:
        return sum(len(hits) for hits in self._hits.values())

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
        for index in self._hamming.values():
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
        values = [value for _, value, _ in rows]
        if signal_type.name == "vpdq":
            self._videos.add([frames_from_json(value) for value in values])
        elif signal_type.exact:
            self._exact.setdefault(signal_type.name, ExactIndex()).add(values)
        else:
            index = self._hamming.setdefault(signal_type.name, HammingIndex(signal_type.bits))
            raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8)
            index.add(raw.reshape(len(values), signal_type.bits // 8), seal=seal)
        hits = self._hits.setdefault(signal_type.name, _Hits(signal_type.name == "vpdq"))
        hits.extend(bank, rows)

    def _hit(self, type_name: str, index_id: int, value: str) -> _Hit:
        """The bank entry behind an index id; ``value``: the query's, when exact."""
        code, entry_id, allow, kept = self._hits[type_name].get(index_id)
        if not (value or kept):
            value = self._hamming[type_name].hex(index_id)
        return _Hit(self._names[code], entry_id, value or kept, allow)

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
            for index_id, distance, note, value in self._search(signal_type, values):
                hit = self._hit(type_name, index_id, value)
                if hit.bank not in self._banks or (hit.bank, hit.entry_id) in self._dead:
                    continue
                match = self._classify(signal_type, hit, distance, note)
                if match is None:
                    continue
                allowed |= hit.allow
                key = (match.bank, match.entry_id)
                if key not in best or distance < best[key].distance:
                    best[key] = match
        if allowed:
            return []
        return sorted(best.values(), key=lambda m: (m.band != Band.ACT, m.distance, m.bank))

    def _search(self, signal_type: type[SignalType], values: Sequence[str]) -> list[_Found]:
        if signal_type.name == "vpdq":
            found: list[_Found] = []
            for value in values:
                for hit in self._videos.search(frames_from_json(value)):
                    entry = self._hit("vpdq", hit.video, "")
                    if entry.bank in self._banks and self._video_band(hit, entry) is not None:
                        note = _video_note(hit)
                        found.append((hit.video, round(100 - hit.query_percent), note, ""))
            return found
        if signal_type.exact:
            index = self._exact[signal_type.name]
            return [(i, 0, "", value) for value in values for i in index.search(value)]
        radius = max(
            (bank.thresholds_for(signal_type).review for bank in self._banks.values()), default=-1
        )
        if radius < 0:
            return []
        hamming = self._hamming[signal_type.name]
        near: list[_Found] = []
        for value in values:
            query = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
            near.extend((i, d, "", "") for i, d in hamming.search(query, radius))
        return near

    def _video_band(self, hit: VideoHit, entry: _Hit) -> Band | None:
        """HMA's rule with the bank's shares; half the query share still opens a review."""
        bank = self._banks[entry.bank]
        if hit.compared_percent >= bank.vpdq_compared_percent:
            if hit.query_percent >= bank.vpdq_query_percent:
                return Band.ACT
            if hit.query_percent >= bank.vpdq_query_percent / 2:
                return Band.REVIEW
        return None

    def _classify(
        self, signal_type: type[SignalType], hit: _Hit, distance: int, note: str = ""
    ) -> Match | None:
        bank = self._banks[hit.bank]
        if signal_type.name == "vpdq":
            query_percent = 100 - distance
            band = Band.ACT if query_percent >= bank.vpdq_query_percent else Band.REVIEW
            action = bank.action if band is Band.ACT else BankAction.REVIEW
            value = f"{len(frames_from_json(hit.value))} frames"
            return Match(
                hit.bank, hit.entry_id, "vpdq", value, distance, band, action, bank.category, note
            )
        limits = bank.thresholds_for(signal_type)
        if distance > limits.review:
            return None
        band = Band.ACT if distance <= limits.act else Band.REVIEW
        acts = band is Band.ACT and signal_type.decisive
        action = bank.action if acts else BankAction.REVIEW
        return Match(
            hit.bank,
            hit.entry_id,
            signal_type.name,
            hit.value,
            distance,
            band,
            action,
            bank.category,
        )


def nearest_matches(matches: Iterable[Match]) -> list[Match]:
    """One match per bank entry (several items may hit it), the nearest, acting first."""
    best: dict[tuple[str, int, str], Match] = {}
    for match in matches:
        key = (match.bank, match.entry_id, match.signal_type)
        if key not in best or (match.band, match.distance) < (best[key].band, best[key].distance):
            best[key] = match
    return sorted(best.values(), key=lambda m: (m.band is not Band.ACT, m.distance, m.bank))
