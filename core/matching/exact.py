"""The exact-value index (pure, synchronous, no numpy: a link or a text needs none)."""

from collections.abc import Iterable

__all__ = ["ExactIndex"]


class ExactIndex:
    """Exact-value lookup: ``add(values) -> ids``, ``search(value) -> ids``."""

    def __init__(self) -> None:
        self._ids: dict[str, list[int]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, values: Iterable[str]) -> list[int]:
        ids = []
        for value in values:
            self._ids.setdefault(value, []).append(self._size)
            ids.append(self._size)
            self._size += 1
        return ids

    def search(self, value: str) -> list[int]:
        return list(self._ids.get(value, ()))

    def values(self) -> list[str]:
        """Every value added, in id order."""
        out = [""] * self._size
        for value, ids in self._ids.items():
            for i in ids:
                out[i] = value
        return out
