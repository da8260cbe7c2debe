"""The indexes of perceptual types: hex hashes in a Hamming index, and frame lists
(vPDQ) matched frame by frame (``core.signals.indexes`` says what an index is)."""

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from core.matching.index import HammingIndex, Segment
from core.media.frames import Frame, frames_from_json
from core.signals.indexes import IndexHit, good_frames

__all__ = ["FrameLists", "HammingHashes"]


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
        """Each value's hits, in the order of ``values``, searched together."""
        if not values:
            return []
        if any(len(value) != 2 * self._bytes for value in values):
            raise ValueError(f"each query must have {self._bytes} bytes")
        raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8)
        answers = self._index.search_many(raw.reshape(len(values), self._bytes), radius)
        return [IndexHit(i, d) for answer in answers for i, d in answer]

    def value(self, index_id: int) -> str:
        return self._index.hex(index_id)

    def values(self) -> list[str]:
        return [self._index.hex(i) for i in range(len(self._index))]

    def parts(self) -> tuple[list[Segment], npt.NDArray[np.uint64]]:
        """The index's sealed segments and a copy of its pending rows: a view that
        stays consistent while hashes are added (``HammingIndex.parts``)."""
        return self._index.parts()

    @classmethod
    def from_parts(
        cls, bits: int, segments: Sequence[Segment], pending: npt.NDArray[np.uint64]
    ) -> "HammingHashes":
        """Hashes over ``segments`` (used as they are: mapped from a snapshot) and
        ``pending`` rows."""
        hashes = cls(bits)
        hashes._index = HammingIndex.from_parts(bits, segments, pending)
        return hashes


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

    def values(self) -> list[str]:
        return list(self._values)
