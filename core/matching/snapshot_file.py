"""The index snapshot's file: a matcher written to one file and mapped back
(``core.matching.snapshot`` says when it is written and how it is used).

    b"BFINDEX1", header length (8 bytes, little-endian), header (JSON), arrays

The header names each array's dtype, shape and offset (from the first array,
64-byte aligned). Perceptual indexes keep their sealed segments (rows, tables,
bucket offsets) as flat arrays, mapped read-only at load; other indexes keep
their values (links, text rules, frame lists: few) and are rebuilt from them.
The file holds hashes, entry ids and bank names, never media. Every array is
checked to lie inside the file, and a segment's bucket boundaries to be in order,
before it is used; anything else is a ``SnapshotError``.
"""

import json
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
from core.matching.matcher import IndexState, Matcher, MatcherState
from core.signals import SIGNAL_TYPES
from core.signals.hamming import HammingHashes

__all__ = [
    "Snapshot",
    "SnapshotError",
    "Stamp",
    "Writer",
    "capture",
    "read_header",
    "read_snapshot",
]

_MAGIC = b"BFINDEX1"
_FORMAT = 1
_ALIGN = 64
_MAX_HEADER = 256 * 1024 * 1024
_DTYPES = {"<u8", "<u4", "<u2", "<i8", "|u1"}
# Temporary files a killed writer left are removed once this old.
_STALE_SECONDS = 3600


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


class Writer:
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
            if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
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


def capture(matcher: Matcher, stamp: Stamp) -> tuple[dict[str, Any], "Writer"]:
    """The header and arrays of ``matcher`` now (on the event loop: what a thread then
    writes does not change as the matcher goes on)."""
    state = matcher.state()
    writer = Writer()
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
