"""The Hamming-distance index (pure, synchronous); the exact index is
``core.matching.exact`` (no numpy), re-exported here.

``HammingIndex`` answers radius queries exactly (the brute-force answer) with
multi-index hashing: a hash of ``bits`` bits is cut into ``m = bits / 16``
chunks, taken as ``m / 2`` pairs of neighbouring chunks. If two hashes are
within ``radius``, some pair differs in at most ``B = radius // (m / 2)`` bits
(pigeonhole), and within that pair one chunk differs in at most ``B // 2``.
So each chunk has a table of the entries sorted by that chunk's 16-bit key,
and a query probes, in every table, the keys within ``B // 2`` bits of its own
(for PDQ at radius 31: 16 tables x 17 keys).

Layout, 96 bytes per 256-bit hash (10M hashes in ~920 MiB):

- ``rows``: each segment's hashes once, in id order, as uint64 words (32
  bytes); a candidate is verified with one gather and ``np.bitwise_count``.
- per table, one uint32 per entry: the entry's position in its segment (low
  24 bits) and, as a prefilter, the high byte of the *partner* chunk's key
  (high 8 bits). A candidate found at chunk distance ``d`` can only be the
  pair's witness if the partner byte differs in at most ``B - d`` bits, which
  rejects ~85 % of random candidates while reading only memory that the
  bucket scan already streams through; at 10M hashes the random gathers into
  ``rows`` dominate, and the prefilter halves query time.
- per table, an offsets array of 65,537 uint32 (the bucket boundaries).

Adding never rebuilds what exists: new hashes land in a small pending buffer
(searched by brute force); a full buffer is sealed into a segment, and
segments of similar size are merged like a binary counter, so the work per
hash stays logarithmic and the number of segments small. A segment holds at
most 2**24 hashes (its positions fit 24 bits); larger indexes use several.
Segments never change once built, so they can be written to a snapshot and
mapped back read-only by a later process (``core.matching.snapshot``).
"""

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from core.matching.exact import ExactIndex

__all__ = ["ExactIndex", "HammingIndex", "Segment"]  # ExactIndex: core.matching.exact, re-exported

_U8 = npt.NDArray[np.uint8]
_U32 = npt.NDArray[np.uint32]
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]

_CHUNK_BITS = 16
_BUCKETS = 1 << _CHUNK_BITS
_POSITION_BITS = 24
_POSITION_MASK = (1 << _POSITION_BITS) - 1
_MAX_SEGMENT = 1 << _POSITION_BITS
_PENDING_MAX = 4096
# Past this many probes per table, reading every row is cheaper than probing.
_MAX_PROBES = 2048


@dataclass(frozen=True, slots=True)
class Segment:
    """An indexed, never-changed run of hashes: ids ``start``..``stop``, their rows
    and tables. Its arrays may be mapped read-only from a snapshot file."""

    start: int
    stop: int
    rows: _U64  # (n, words): the hashes, in id order
    tables: _U32  # (m, n): position | partner high byte << 24
    offsets: _U32  # (m * (65536 + 1),) flattened bucket boundaries


@dataclass(frozen=True, slots=True)
class _ProbePlan:
    masks: _I64  # chunk-key XOR masks, one per probe
    allowed: _I64  # partner-byte bits that may still differ, per probe
    brute: bool


class HammingIndex:
    """Radius search over fixed-length binary hashes (``bits`` a multiple of 64).

    Not thread-safe: callers serialise ``add`` with ``search``. Sealed segments are
    never changed (merging makes new ones), so ``parts()`` is a consistent view
    another thread may read (to write a snapshot) while this one goes on.
    """

    def __init__(self, bits: int) -> None:
        if bits <= 0 or bits % 64:
            raise ValueError(f"bits must be a positive multiple of 64, not {bits}")
        self.bits = bits
        self._nbytes = bits // 8
        self._chunks = bits // _CHUNK_BITS
        self._words = bits // 64
        self._segments: list[Segment] = []
        self._sealed = 0  # ids below this are in segments
        self._pending: _U64 = np.zeros((0, self._words), dtype=np.uint64)
        self._pending_size = 0

    @classmethod
    def from_parts(cls, bits: int, segments: Sequence[Segment], pending: _U64) -> "HammingIndex":
        """An index over ``segments`` (consecutive, from id 0; their arrays are used as
        they are, mapped or not) and ``pending`` rows after them (copied)."""
        index = cls(bits)
        at = 0
        for seg in segments:
            if seg.start != at or not index._fits(seg):
                raise ValueError(f"segment {seg.start}..{seg.stop} does not fit the index")
            at = seg.stop
        index._segments = list(segments)
        index._sealed = at
        index._append(np.ascontiguousarray(pending, dtype=np.uint64).view(np.uint8))
        return index

    def _fits(self, seg: Segment) -> bool:
        """Whether ``seg``'s arrays have this index's shapes and types, and its bucket
        boundaries are in order (a cheap check of a mapped file: 4 MiB read)."""
        n = seg.stop - seg.start
        shapes = (seg.rows.shape, seg.tables.shape, seg.offsets.shape)
        if not 0 < n <= _MAX_SEGMENT or shapes != (
            (n, self._words),
            (self._chunks, n),
            (self._chunks * (_BUCKETS + 1),),
        ):
            return False
        dtypes = (seg.rows.dtype, seg.tables.dtype, seg.offsets.dtype)
        if dtypes != (np.dtype(np.uint64), np.dtype(np.uint32), np.dtype(np.uint32)):
            return False
        bounds = seg.offsets.reshape(self._chunks, _BUCKETS + 1).astype(np.int64)
        return not (bounds[:, 0].any() or (bounds[:, -1] != n).any() or (np.diff(bounds) < 0).any())

    def __len__(self) -> int:
        return self._sealed + self._pending_size

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (what 'fits in 1 GB' is measured on)."""
        held = sum(s.rows.nbytes + s.tables.nbytes + s.offsets.nbytes for s in self._segments)
        return int(held + self._pending.nbytes)

    def parts(self) -> tuple[list[Segment], _U64]:
        """The sealed segments and a copy of the pending rows (see the class)."""
        return list(self._segments), self._pending[: self._pending_size].copy()

    def add(self, hashes: npt.ArrayLike, *, seal: bool = True) -> Sequence[int]:
        """Add hashes (uint8, shape (n, bits // 8)); returns their ids, in order.

        ``seal=False`` (a bulk load): index them only at ``seal()``, in segments
        of the largest size at once instead of merging smaller ones again and
        again; until then they are searched by brute force."""
        arr = self._as_rows(hashes)
        start = len(self)
        self._append(arr)
        if seal:
            self._seal()
        return range(start, len(self))

    def seal(self) -> None:
        """Index whatever was added with ``seal=False``."""
        self._seal()

    def hex(self, i: int) -> str:
        """Stored hash ``i`` in hex, as it was added."""
        if i >= self._sealed:
            return bytes(self._pending[i - self._sealed].tobytes()).hex()
        seg = self._segments[bisect.bisect_right(self._starts(), i) - 1]
        return bytes(seg.rows[i - seg.start].tobytes()).hex()

    def search(self, query: npt.ArrayLike, radius: int) -> list[tuple[int, int]]:
        """Every live ``(id, distance)`` with distance <= radius, nearest first."""
        q = np.ascontiguousarray(query, dtype=np.uint8).reshape(-1)
        if q.size != self._nbytes:
            raise ValueError(f"query must have {self._nbytes} bytes, not {q.size}")
        return self.search_many(q[None, :], radius)[0]

    def search_many(self, queries: npt.ArrayLike, radius: int) -> list[list[tuple[int, int]]]:
        """``search`` of each row of ``queries`` (shape (k, bits // 8)), answered
        together: one pass of array work per segment for all of them (a picture's
        eight orientations are searched at once), not one per query."""
        qs = self._as_rows(queries)
        if radius < 0 or len(self) == 0 or len(qs) == 0:
            return [[] for _ in range(len(qs))]
        plan = _probe_plan(self._chunks, min(radius, self.bits))
        found: list[tuple[_I64, _I64, _I64]] = []
        for seg in self._segments:
            owners, positions = self._candidates(seg, qs, plan)
            owners, positions, dist = _within(seg.rows, owners, positions, qs, radius)
            found.append((owners, positions + seg.start, dist))
        size = self._pending_size
        every = np.arange(size, dtype=np.int64)
        owners, positions, dist = _within(
            self._pending[:size], np.repeat(np.arange(len(qs)), size), np.tile(every, len(qs)),
            qs, radius,
        )  # fmt: skip
        found.append((owners, positions + self._sealed, dist))
        return _nearest_first(len(qs), *(np.concatenate(part) for part in zip(*found, strict=True)))

    def _starts(self) -> list[int]:
        return [seg.start for seg in self._segments]

    def _as_rows(self, hashes: npt.ArrayLike) -> _U8:
        arr = np.ascontiguousarray(hashes, dtype=np.uint8)
        if arr.ndim != 2 or arr.shape[1] != self._nbytes:
            raise ValueError(f"hashes must have shape (n, {self._nbytes}), not {arr.shape}")
        return arr

    def _append(self, arr: _U8) -> None:
        size = self._pending_size
        need = size + len(arr)
        if need > len(self._pending):
            # Grow in place by an eighth (realloc, which for large arrays remaps
            # rather than copies), so a 10M bulk load never holds its rows twice.
            capacity = max(need, size + size // 8, _PENDING_MAX)
            self._pending.resize((capacity, self._words), refcheck=False)
        self._pending[size:need] = arr.view(np.uint64)
        self._pending_size = need

    def _seal(self) -> None:
        size = self._pending_size
        if size < _PENDING_MAX:
            return
        # The pending buffer becomes the new segments' rows as it is (no copy), and
        # is never grown again: a fresh one takes later hashes.
        rows = self._pending
        rows.resize((size, self._words), refcheck=False)
        self._pending = np.zeros((0, self._words), dtype=np.uint64)
        self._pending_size = 0
        for first in range(0, size, _MAX_SEGMENT):
            last = min(size, first + _MAX_SEGMENT)
            start = self._sealed
            self._sealed += last - first
            self._segments.append(self._build(start, rows[first:last]))
            self._merge_tail()

    def _merge_tail(self) -> None:
        segs = self._segments
        while len(segs) >= 2:
            start, middle, stop = segs[-2].start, segs[-1].start, segs[-1].stop
            if middle - start > 2 * (stop - middle) or stop - start > _MAX_SEGMENT:
                return
            rows = np.concatenate([segs[-2].rows, segs[-1].rows])
            del segs[-2:]  # free their tables first: the merged ones replace them
            segs.append(self._build(start, rows))

    def _build(self, start: int, rows: _U64) -> Segment:
        keys = rows.view(np.uint8).view(">u2")
        n = len(rows)
        tables = np.empty((self._chunks, n), dtype=np.uint32)
        offsets = np.zeros((self._chunks, _BUCKETS + 1), dtype=np.uint32)
        for c in range(self._chunks):
            key = keys[:, c]
            order = np.argsort(key, kind="stable")
            partner_byte = (keys[order, c ^ 1] >> 8).astype(np.uint32)
            tables[c] = order.astype(np.uint32) | (partner_byte << _POSITION_BITS)
            np.cumsum(np.bincount(key, minlength=_BUCKETS), out=offsets[c, 1:])
        return Segment(start, start + n, rows, tables, offsets.reshape(-1))

    def _candidates(self, seg: Segment, qs: _U8, plan: _ProbePlan) -> tuple[_I64, _I64]:
        """For ``qs`` (k queries), the query and position in ``seg`` of every entry
        that may be within the radius of that query (a superset)."""
        n, k = seg.stop - seg.start, len(qs)
        if plan.brute:
            return np.repeat(np.arange(k), n), np.tile(np.arange(n, dtype=np.int64), k)
        qkeys = qs.view(">u2").astype(np.int64)  # (k, chunks)
        n_probes = len(plan.masks)
        tables = _TABLE_BASES[: self._chunks]
        probes = ((qkeys[:, :, None] ^ plan.masks) + tables).reshape(-1)
        starts = seg.offsets[probes].astype(np.int64)
        lengths = seg.offsets[probes + 1].astype(np.int64) - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1])
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Per probe, then gathered per candidate (one repeat; the rest are gathers
        # from small arrays): where its bucket starts in the flattened tables, and
        # the partner byte and the bits it may differ in, packed in one integer.
        table_of_probe = np.tile(np.repeat(np.arange(self._chunks) * n, n_probes), k)
        shift = starts + table_of_probe - (ends - lengths)
        partner = np.repeat(qkeys[:, np.arange(self._chunks) ^ 1] >> 8, n_probes, axis=1)
        test = (partner.reshape(-1) << 8) | np.tile(plan.allowed, self._chunks * k)
        probe_of = np.repeat(np.arange(len(probes)), lengths)
        entries = seg.tables.reshape(-1).take(shift.take(probe_of) + np.arange(total))
        tests = test.take(probe_of)
        differs = np.bitwise_count((entries >> _POSITION_BITS) ^ (tests >> 8))
        keep = differs <= (tests & 0xFF)
        owners = probe_of[keep] // (self._chunks * n_probes)
        positions: _I64 = (entries[keep] & _POSITION_MASK).astype(np.int64)
        return owners, positions


def _within(
    rows: _U64, owners: _I64, positions: _I64, qs: _U8, radius: int
) -> tuple[_I64, _I64, _I64]:
    """Of the candidates (query ``owners[i]``, ``positions[i]`` in ``rows``), those
    within ``radius`` of their query: owners, positions and distances."""
    if positions.size == 0:
        return owners, positions, positions
    qwords = qs.view(np.uint64)[owners]
    picked = rows.take(positions, axis=0, mode="clip")  # a damaged table: misses, no error
    dist = np.bitwise_count(picked[:, 0] ^ qwords[:, 0]).astype(np.int64)
    for w in range(1, qwords.shape[1]):
        dist += np.bitwise_count(picked[:, w] ^ qwords[:, w])
    keep = dist <= radius
    return owners[keep], positions[keep], dist[keep]


def _nearest_first(k: int, owners: _I64, ids: _I64, dist: _I64) -> list[list[tuple[int, int]]]:
    """Per query, each id once (a candidate may come from several tables), nearest
    first, then by id."""
    answers: list[list[tuple[int, int]]] = [[] for _ in range(k)]
    if ids.size == 0:
        return answers
    order = np.lexsort((ids, dist, owners))
    owners, ids, dist = owners[order], ids[order], dist[order]
    # An id found through several tables has one distance, so its copies are
    # next to each other: keep the first.
    first = np.ones(len(ids), dtype=bool)
    first[1:] = (owners[1:] != owners[:-1]) | (ids[1:] != ids[:-1])
    hits = zip(owners[first].tolist(), ids[first].tolist(), dist[first].tolist(), strict=True)
    for owner, found, distance in hits:
        answers[owner].append((found, distance))
    return answers


_TABLE_BASES = (np.arange(64, dtype=np.int64) * (_BUCKETS + 1))[:, None]


@lru_cache(maxsize=64)
def _probe_plan(chunks: int, radius: int) -> _ProbePlan:
    pair_budget = radius // (chunks // 2)
    flips = pair_budget // 2
    masks = np.array([m for m in range(_BUCKETS) if m.bit_count() <= flips], dtype=np.int64)
    masks = masks[np.argsort(np.bitwise_count(masks), kind="stable")]
    allowed = pair_budget - np.bitwise_count(masks).astype(np.int64)
    return _ProbePlan(masks, allowed, brute=len(masks) > _MAX_PROBES)
