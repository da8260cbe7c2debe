"""The index each signal type brings (as python-threatexchange's ``get_index_cls``):
exact types an exact-value index, perceptual types a Hamming index of their width,
frame lists (vPDQ) a frame index. The matcher holds one per type and knows none
of them by name.

Ids are positions, in the order values were added.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.matching.index import ExactIndex, HammingIndex
from core.media.frames import Frame, frames_from_json

__all__ = [
    "ExactValues",
    "FrameLists",
    "HammingHashes",
    "IndexHit",
    "SignalIndex",
    "good_frames",
]


@dataclass(frozen=True, slots=True)
class IndexHit:
    """One stored value found for a query: its id, its distance, the value itself when
    the index has it at no cost (an exact hit is the query), and for a frame list the
    shares of frames matched both ways (query %, stored %)."""

    id: int
    distance: int
    value: str = ""
    shares: tuple[float, float] | None = None


class SignalIndex(Protocol):
    def __len__(self) -> int: ...

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        """Add canonical values; ``seal=False`` (a bulk load) indexes them at ``seal``."""
        ...

    def seal(self) -> None: ...

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        """Stored values within ``radius`` of any query value (the type's own rule)."""
        ...

    def value(self, index_id: int) -> str:
        """The stored value ``index_id`` (for a hit that did not carry it)."""
        ...


class ExactValues:
    def __init__(self) -> None:
        self._index = ExactIndex()

    def __len__(self) -> int:
        return len(self._index)

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        self._index.add(values)

    def seal(self) -> None:
        return None

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        return [IndexHit(i, 0, value) for value in values for i in self._index.search(value)]

    def value(self, index_id: int) -> str:
        raise LookupError("exact hits carry their value")


class HammingHashes:
    """Hex hashes of ``bits`` bits; values are read back from the index's own rows."""

    def __init__(self, bits: int) -> None:
        self._index = HammingIndex(bits)
        self._bytes = bits // 8

    def __len__(self) -> int:
        return len(self._index)

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8)
        self._index.add(raw.reshape(len(values), self._bytes), seal=seal)

    def seal(self) -> None:
        self._index.seal()

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        found = []
        for value in values:
            query = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
            found += [IndexHit(i, d) for i, d in self._index.search(query, radius)]
        return found

    def value(self, index_id: int) -> str:
        return self._index.hex(index_id)


def good_frames(frames: Sequence[Frame], min_quality: int) -> list[str]:
    """The distinct hashes of frames good enough to match on, in order."""
    return list(dict.fromkeys(f.pdq for f in frames if f.quality >= min_quality))


class FrameLists:
    """Frame lists (vPDQ) matched by HMA's rule: every good distinct frame of every
    stored list goes into one PDQ Hamming index with its list's id; a query's good
    frames are each searched within 31 bits, and each list hit says what share of
    the query's frames found a match in it and what share of its own were matched.
    The hit's distance is 100 minus the query's share. ``frame_distance`` and
    ``min_quality`` are PDQ's (the frames are PDQ hashes)."""

    def __init__(self, frame_distance: int, min_quality: int) -> None:
        self._frame_distance = frame_distance
        self._min_quality = min_quality
        self._frames = HammingIndex(256)
        self._owner: list[int] = []  # frame id -> list id
        self._sizes: list[int] = []  # list id -> its good distinct frames
        self._values: list[str] = []

    def __len__(self) -> int:
        return len(self._sizes)

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        rows: list[bytes] = []
        for value in values:
            video = len(self._sizes)
            hashes = good_frames(frames_from_json(value), self._min_quality)
            self._sizes.append(len(hashes))
            self._owner.extend([video] * len(hashes))
            rows.extend(bytes.fromhex(h) for h in hashes)
        self._values.extend(values)
        if rows:
            self._frames.add(np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 32))

    def seal(self) -> None:
        return None

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        return [hit for value in values for hit in self._search(frames_from_json(value))]

    def _search(self, query: Sequence[Frame]) -> list[IndexHit]:
        hashes = good_frames(query, self._min_quality)
        if not hashes:
            return []
        query_hits: dict[int, int] = defaultdict(int)
        matched_frames: dict[int, set[int]] = defaultdict(set)
        for value in hashes:
            row = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
            videos_hit = set()
            for frame_id, _ in self._frames.search(row, self._frame_distance):
                video = self._owner[frame_id]
                videos_hit.add(video)
                matched_frames[video].add(frame_id)
            for video in videos_hit:
                query_hits[video] += 1
        hits = []
        for video, count in sorted(query_hits.items()):
            query_share = 100.0 * count / len(hashes)
            stored_share = 100.0 * len(matched_frames[video]) / max(1, self._sizes[video])
            hits.append(IndexHit(video, round(100 - query_share), "", (query_share, stored_share)))
        return hits

    def value(self, index_id: int) -> str:
        return self._values[index_id]
