"""The ports the core talks through; every one has a fake in tests/fakes.py.

Only the parts the current features need are declared; each grows with them.
"""

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from core.banks import Bank, Entry, EntryStatus

__all__ = ["AddResult", "BankSummary", "Clock", "Store", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class BankSummary:
    bank: Bank
    active: int
    tombstones: int


@dataclass(frozen=True, slots=True)
class AddResult:
    """What happened to each row handed to ``Store.add_entries``."""

    added: int = 0
    duplicates: int = 0  # already active in the bank, or repeated in the input
    tombstoned: int = 0  # removed or disabled before: not brought back


class Store(Protocol):
    async def create_bank(self, bank: Bank) -> Bank: ...

    async def get_bank(self, name: str) -> Bank: ...

    async def list_banks(self) -> list[BankSummary]: ...

    async def set_bank_enabled(self, name: str, enabled: bool) -> None: ...

    async def add_entries(self, bank: str, entries: Iterable[Entry]) -> AddResult:
        """Add all of ``entries`` in one transaction.

        If iterating ``entries`` raises, nothing is added and the error propagates
        (this is how a strict import aborts).
        """
        ...

    async def set_entry_status(
        self, bank: str, signal_type: str, values: Sequence[str], status: EntryStatus, by: str
    ) -> int:
        """Disable, re-enable or remove entries; returns how many changed.

        Removed is final; disabled and removed entries are tombstones that
        ``add_entries`` will not bring back.
        """
        ...

    def iter_entries(self, bank: str) -> AsyncIterator[Entry]:
        """The bank's active entries, oldest first, streamed."""
        ...
