"""The index each signal type brings (as python-threatexchange's ``get_index_cls``):
exact types an exact-value index, perceptual types a Hamming index of their width,
frame lists (vPDQ) a frame index. The matcher holds one per type and knows none
of them by name. The two Hamming ones are ``core.signals.hamming`` (numpy), loaded
by the first perceptual index made.

Ids are positions, in the order values were added.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.matching.exact import ExactIndex
from core.media.frames import Frame

__all__ = [
    "ExactValues",
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

    def values(self) -> list[str]:
        """Every stored value, in id order (what a snapshot keeps to rebuild it)."""
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

    def values(self) -> list[str]:
        return self._index.values()


def good_frames(frames: Sequence[Frame], min_quality: int) -> list[str]:
    """The distinct hashes of frames good enough to match on, in order."""
    return list(dict.fromkeys(f.pdq for f in frames if f.quality >= min_quality))
