"""A matcher written to one file and mapped back by a later process: a 10M-hash
bank is serving in a second or two instead of being read and indexed again, and
processes on one host share one copy of it in the page cache.

The file holds hashes, entry ids and bank names, never media:

    b"BFINDEX1", header length (8 bytes, little-endian), header (JSON), arrays

The header names each array's dtype, shape and offset (from the first array,
64-byte aligned). Perceptual indexes keep their sealed segments (rows, tables,
bucket offsets) as flat arrays, mapped read-only at load; other indexes keep
their values (links, text rules, frame lists: few) and are rebuilt from them.

A snapshot is stamped with the bank change it covers (id, time, bank, kind): a
process uses it only if its store has that very change, then applies the changes
made since, as a running process follows them (``follow_changes``). Any doubt
(another store, a store restored from an older backup, a damaged file) and the
matcher is loaded from the store as if there were no snapshot.

``IndexSnapshots`` writes it: after a load from the store, and again once enough
has changed, in a thread, to a temporary file swapped in atomically; a process
that mapped the old file keeps reading it until it exits.
"""

import asyncio
import json
import logging
import math
import mmap
import os
import tempfile
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from core.banks import BankChange
from core.errors import BlockfirstError
from core.matching.index import Segment
from core.matching.loader import follow_changes, load_matcher
from core.matching.matcher import IndexState, Matcher, MatcherState
from core.ports import BankStore
from core.signals import SIGNAL_TYPES
from core.signals.hamming import HammingHashes

__all__ = [
    "IndexSnapshots",
    "SnapshotError",
    "load_matcher_mapped",
    "read_snapshot",
    "serving_matcher",
]

log = logging.getLogger(f"blockfirst.{__name__}")

_MAGIC = b"BFINDEX1"
_FORMAT = 1
_ALIGN = 64
_MAX_HEADER = 256 * 1024 * 1024
_DTYPES = {"<u8", "<u4", "<u2", "<i8", "|u1"}

# Rewrite the snapshot once this many bank changes, or this share of entries, were
# applied since it was written, or once it is an hour behind.
_REWRITE_CHANGES = 1000
_REWRITE_SHARE = 20  # a twentieth
_REWRITE_ENTRIES = 10_000
_REWRITE_SECONDS = 3600


class SnapshotError(ValueError):
    """The file is not a snapshot this version can use."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """The bank change a snapshot covers, as the store has it."""

    version: int
    at: str
    bank: str
    kind: str

    @classmethod
    def of(cls, change: BankChange) -> "Stamp":
        return cls(change.id, change.at.isoformat() if change.at else "", change.bank, change.kind)


@dataclass(frozen=True, slots=True)
class Snapshot:
    stamp: Stamp
    state: MatcherState
    entries: int


async def _stamp(store: BankStore, version: int) -> Stamp | None:
    """The stamp of bank change ``version`` in ``store`` (None: it has no such change)."""
    if version <= 0:
        return None
    changes = await store.bank_changes(version - 1, limit=1)
    if not changes or changes[0].id != version:
        return None
    return Stamp.of(changes[0])


async def serving_matcher(store: BankStore, snapshot: str) -> Matcher:
    """The matcher a serving process starts with: from the snapshot at ``snapshot``
    (a path; "": none) if it can be used, else from the store."""
    if not snapshot:
        return await load_matcher(store)
    started = time.perf_counter()
    matcher, used = await load_matcher_mapped(store, Path(snapshot))
    log.info(
        "%d bank entries ready in %.1f s (%s)",
        len(matcher),
        time.perf_counter() - started,
        f"mapped from {snapshot}" if used else "read from the store",
    )
    return matcher


async def load_matcher_mapped(store: BankStore, path: Path) -> tuple[Matcher, bool]:
    """A matcher over every enabled bank, from the snapshot at ``path`` and the
    changes since if it is this store's, else from the store; and whether the
    snapshot was used."""
    snapshot = None
    try:
        snapshot = read_snapshot(path)
    except FileNotFoundError:
        pass
    except (OSError, SnapshotError) as exc:
        log.warning("index snapshot %s not used (%s); loading the banks from the store", path, exc)
    if snapshot is not None and await _stamp(store, snapshot.stamp.version) != snapshot.stamp:
        log.warning(
            "index snapshot %s is not of this database (or of an older copy of it); "
            "loading the banks from the store",
            path,
        )
        snapshot = None
    if snapshot is None:
        return await load_matcher(store), False
    summaries = await store.list_banks()
    matcher = Matcher.restored((s.bank for s in summaries), snapshot.state)
    matcher.quarantined, matcher.trusted = await store.entry_standing()
    while await follow_changes(store, matcher):
        pass
    return matcher, True


def read_snapshot(path: Path) -> Snapshot:
    """The snapshot at ``path``, its arrays mapped read-only (``SnapshotError``: not
    a snapshot, another format version, or damaged)."""
    with path.open("rb") as stream:
        header, data_start = _read_header(stream)
        size = os.fstat(stream.fileno()).st_size
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    if mapped is None:
        raise SnapshotError("the file is empty")
    try:
        return _snapshot(header, _Arrays(mapped, data_start, size))
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, BlockfirstError) as exc:
        raise SnapshotError(f"damaged: {type(exc).__name__}: {str(exc)[:200]}") from None


def read_header(path: Path) -> dict[str, Any]:
    """Only the header of the snapshot at ``path`` (its stamp, entries, time)."""
    with path.open("rb") as stream:
        return _read_header(stream)[0]


def _read_header(stream: BinaryIO) -> tuple[dict[str, Any], int]:
    head = stream.read(16)
    if len(head) < 16 or head[:8] != _MAGIC:
        raise SnapshotError("not a blockfirst index snapshot")
    length = int.from_bytes(head[8:], "little")
    if length > _MAX_HEADER:
        raise SnapshotError("damaged: the header is too long")
    raw = stream.read(length)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SnapshotError("damaged: the header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise SnapshotError("written by another version of blockfirst")
    return header, _aligned(16 + length)


class _Arrays:
    """Arrays of a mapped snapshot, each checked to lie inside the file."""

    def __init__(self, mapped: mmap.mmap, start: int, size: int) -> None:
        self._mapped = mapped
        self._start = start
        self._size = size

    def get(self, spec: dict[str, Any]) -> npt.NDArray[Any]:
        dtype = spec["dtype"]
        if dtype not in _DTYPES:
            raise SnapshotError(f"damaged: unknown dtype {dtype!r}")
        shape = tuple(int(n) for n in spec["shape"])
        count = math.prod(shape)
        offset = self._start + int(spec["offset"])
        if min(shape, default=0) < 0 or offset < self._start:
            raise SnapshotError("damaged: an array's place is negative")
        if offset + count * np.dtype(dtype).itemsize > self._size:
            raise SnapshotError("damaged: an array runs past the end of the file (truncated?)")
        return np.frombuffer(self._mapped, dtype=dtype, count=count, offset=offset).reshape(shape)


def _snapshot(header: dict[str, Any], arrays: _Arrays) -> Snapshot:
    stamp = Stamp(**header["stamp"])
    names = [str(n) for n in header["names"]]
    indexes = [_index_state(spec, arrays, len(names)) for spec in header["indexes"]]
    state = MatcherState(
        stamp.version,
        names,
        [str(n) for n in header["loaded"]],
        [(str(bank), int(entry)) for bank, entry in header["dead"]],
        indexes,
    )
    return Snapshot(stamp, state, sum(len(i.index) for i in indexes))


def _index_state(spec: dict[str, Any], arrays: _Arrays, banks: int) -> IndexState:
    type_name, allow = str(spec["type"]), bool(spec["allow"])
    signal_type = SIGNAL_TYPES.get(type_name)
    if signal_type is None:
        raise SnapshotError(f"damaged: unknown signal type {type_name!r}")
    index = signal_type.index()
    if "hamming" in spec:
        if not isinstance(index, HammingHashes):
            raise SnapshotError(f"damaged: {type_name} is not a Hamming type")
        ham = spec["hamming"]
        segments = [
            Segment(
                int(s["start"]),
                int(s["stop"]),
                arrays.get(s["rows"]),
                arrays.get(s["tables"]),
                arrays.get(s["offsets"]),
            )
            for s in ham["segments"]
        ]
        index = HammingHashes.from_parts(signal_type.bits, segments, arrays.get(ham["pending"]))
    else:
        index.add(list(_strings(arrays.get(spec["lengths"]), arrays.get(spec["data"]))))
    starts, first_ids, codes = (
        array(code, arrays.get(spec[name]).tolist())
        for name, code in (("starts", "q"), ("first_ids", "q"), ("banks", "H"))
    )
    runs_fit = len(starts) == len(first_ids) == len(codes) and (not starts or starts[0] == 0)
    if not runs_fit or list(starts) != sorted(starts) or any(c >= banks for c in codes):
        raise SnapshotError(f"damaged: the entries of the {type_name} index do not fit")
    if starts and starts[-1] >= len(index):
        raise SnapshotError(f"damaged: the {type_name} index has fewer values than entries")
    return IndexState(type_name, allow, index, starts, first_ids, codes)


def _strings(lengths: npt.NDArray[Any], data: npt.NDArray[Any]) -> Iterator[str]:
    raw = data.tobytes()
    if int(lengths.sum()) != len(raw):
        raise SnapshotError("damaged: values do not add up")
    at = 0
    for length in lengths.tolist():
        yield raw[at : at + length].decode()
        at += length


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


class _Writer:
    """Lays out arrays after the header: ``spec`` (on the event loop) names each
    array's place; ``write`` (in a thread) writes them all."""

    def __init__(self) -> None:
        self._arrays: list[npt.NDArray[Any]] = []
        self._offset = 0

    def spec(self, arr: npt.NDArray[Any]) -> dict[str, Any]:
        arr = np.ascontiguousarray(arr)
        place = {"dtype": arr.dtype.str, "shape": list(arr.shape), "offset": self._offset}
        self._arrays.append(arr)
        self._offset = _aligned(self._offset + arr.nbytes)
        return place

    def write(self, header: dict[str, Any], path: Path) -> int:
        raw = json.dumps(header, separators=(",", ":")).encode()
        start = _aligned(16 + len(raw))
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.*"):  # left by a killed writer
            if time.time() - stale.stat().st_mtime > _REWRITE_SECONDS:
                stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + len(raw).to_bytes(8, "little") + raw)
                out.write(b"\0" * (start - 16 - len(raw)))
                at = 0
                for arr in self._arrays:
                    if arr.nbytes:
                        out.write(arr.data.cast("B"))
                    at += arr.nbytes
                    pad = _aligned(at) - at
                    out.write(b"\0" * pad)
                    at += pad
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)  # readers see the old file or the new one, whole
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return start + at


def _capture(matcher: Matcher, stamp: Stamp) -> tuple[dict[str, Any], _Writer]:
    """The header and arrays of ``matcher`` now (on the event loop: what a thread then
    writes does not change as the matcher goes on)."""
    state = matcher.state()
    writer = _Writer()
    specs = []
    for index in state.indexes:
        spec: dict[str, Any] = {"type": index.type_name, "allow": index.allow}
        if isinstance(index.index, HammingHashes):
            segments, pending = index.index.parts()
            spec["hamming"] = {
                "segments": [
                    {
                        "start": s.start,
                        "stop": s.stop,
                        "rows": writer.spec(s.rows),
                        "tables": writer.spec(s.tables),
                        "offsets": writer.spec(s.offsets),
                    }
                    for s in segments
                ],
                "pending": writer.spec(pending),
            }
        else:
            encoded = [value.encode() for value in index.index.values()]
            spec["lengths"] = writer.spec(np.array([len(v) for v in encoded], dtype=np.uint32))
            spec["data"] = writer.spec(np.frombuffer(b"".join(encoded), dtype=np.uint8))
        for name, values in (
            ("starts", index.starts),
            ("first_ids", index.first_ids),
            ("banks", index.banks),
        ):
            spec[name] = writer.spec(np.array(values, dtype=np.int64))
        specs.append(spec)
    header = {
        "format": _FORMAT,
        "stamp": {"version": stamp.version, "at": stamp.at, "bank": stamp.bank, "kind": stamp.kind},
        "written": time.time(),
        "entries": len(matcher),
        "names": state.names,
        "loaded": state.loaded,
        "dead": [list(pair) for pair in state.dead],
        "indexes": specs,
    }
    return header, writer


class IndexSnapshots:
    """Keeps the snapshot at ``path`` close to a running matcher: written after a load
    from the store, then again once enough has changed (see the module), by one
    task at a time; another process sharing the file counts as having written it."""

    def __init__(self, store: BankStore, path: Path) -> None:
        self._store = store
        self.path = path
        self._seen: tuple[float, int] | None = None  # the file's (mtime, size) last read
        self._on_disk: tuple[int, int, float] | None = None  # its (version, entries, written)
        self._failed: tuple[int, int, float] | None = None  # the same, of a write that failed
        self._task: asyncio.Task[None] | None = None

    async def save(self, matcher: Matcher) -> int:
        """Write ``matcher``'s snapshot now; its size in bytes (0: nothing to stamp)."""
        stamp = await _stamp(self._store, matcher.version)
        if stamp is None:
            return 0
        header, writer = _capture(matcher, stamp)
        started = time.perf_counter()
        size = await asyncio.to_thread(writer.write, header, self.path)
        self._on_disk = (stamp.version, int(header["entries"]), float(header["written"]))
        self._seen = self._stat()
        log.info(
            "index snapshot written: %s, %d entries, %.0f MiB in %.1f s",
            self.path,
            header["entries"],
            size / 2**20,
            time.perf_counter() - started,
        )
        return size

    def due(self, matcher: Matcher) -> bool:
        """Whether the file on disk is far enough behind ``matcher`` to write again."""
        if matcher.version <= 0:
            return False
        on_disk = self._read_disk() or self._failed
        if on_disk is None:
            return True
        version, entries, written = on_disk
        if matcher.version <= version:
            return False
        grown = abs(len(matcher) - entries)
        return (
            matcher.version - version >= _REWRITE_CHANGES
            or grown >= max(_REWRITE_ENTRIES, entries // _REWRITE_SHARE)
            or time.time() - written >= _REWRITE_SECONDS
        )

    def refresh(self, matcher: Matcher) -> None:
        """If due and none is being written: write the snapshot in the background."""
        if (self._task is None or self._task.done()) and self.due(matcher):
            self._task = asyncio.create_task(self._save_logged(matcher), name="bf-snapshot")

    async def wait(self) -> None:
        """Until the snapshot being written (if any) is written."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _save_logged(self, matcher: Matcher) -> None:
        try:
            await self.save(matcher)
        except OSError as exc:  # a full disk, a directory gone: serving goes on
            self._failed = (matcher.version, len(matcher), time.time())  # not again at once
            log.warning("index snapshot %s not written: %s", self.path, exc.strerror or exc)

    def _stat(self) -> tuple[float, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime, st.st_size)

    def _read_disk(self) -> tuple[int, int, float] | None:
        seen = self._stat()
        if seen is None:
            return None
        if seen != self._seen:
            self._seen = seen
            try:
                header = read_header(self.path)
                stamp = header["stamp"]
                self._on_disk = (
                    int(stamp["version"]),
                    int(header["entries"]),
                    float(header["written"]),
                )
            except (OSError, SnapshotError, KeyError, TypeError, ValueError):
                self._on_disk = None
        return self._on_disk
