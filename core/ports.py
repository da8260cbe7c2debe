"""The ports the core talks through; every one has a fake in tests/fakes.py.

Only the parts the current features need are declared; each grows with them.
"""

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.accounts import User
from core.api_tokens import ApiToken
from core.audit import AuditEntry, AuditFilter, Verification
from core.banks import Bank, BankChange, Entry, EntryStatus, Flood
from core.cases import Case, CaseFilter
from core.model import (
    CaseState,
    Chat,
    Effect,
    MediaRef,
    MediaSignals,
    Message,
    RecentItem,
    ReviewCard,
    Sender,
)
from core.policy import ChatSettings

if TYPE_CHECKING:
    from core.writes import LogRecent, Op

__all__ = [
    "AccountStore",
    "AddResult",
    "AuditStore",
    "BankStore",
    "BankSummary",
    "CaseStore",
    "Clock",
    "EffectSink",
    "EntryStats",
    "ImageFetcher",
    "OutboxStore",
    "Platform",
    "RecentStore",
    "SettingsStore",
    "Store",
    "SystemClock",
    "TokenStore",
]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@runtime_checkable
class EffectSink(Protocol):
    """A platform that takes each effect whole rather than as a method call (the HTTP
    API, whose webhooks carry the effect's id for idempotency and its case); the
    review card comes with the card effects. ``max_attempts``: its own budget (a
    receiver may be down for a while: each outbox round is one more attempt)."""

    max_attempts: int

    async def deliver(self, effect: Effect, card: ReviewCard | None) -> None: ...


class ImageFetcher(Protocol):
    """Outbound HTTP for reported image links (``core.fetch.WebFetcher``). Raises
    ``InputError`` for anything refused or failed, never another exception."""

    async def fetch_image(self, url: str) -> bytes: ...

    async def aclose(self) -> None: ...


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


@dataclass(frozen=True, slots=True)
class EntryStats:
    """What one entry has done: its matches (in all, and today in UTC), the review
    outcomes of the cases it caused, and its quarantine."""

    entry: Entry
    hits: int
    today: int
    confirms: int
    overturns: int
    last_hit_at: datetime | None
    quarantined_at: datetime | None
    quarantine_reason: str
    trusted_at: datetime | None


class BankStore(Protocol):
    """Banks, their entries and the log of changes other processes follow."""

    async def create_bank(self, bank: Bank) -> Bank: ...

    async def get_bank(self, name: str) -> Bank: ...

    async def list_banks(self) -> list[BankSummary]: ...

    async def bank_names(self) -> list[str]: ...

    async def set_bank_enabled(self, name: str, enabled: bool) -> None: ...

    async def set_bank_flood(self, name: str, flood: Flood | None) -> None:
        """Change when the bank's entries are quarantined (None: never)."""
        ...

    async def set_bank_shadow(self, name: str, shadow: bool) -> None:
        """Put a bank in shadow (it matches, opens shadow cases, never acts) or live."""
        ...

    async def add_entries(
        self, bank: str, entries: Iterable[Entry], *, added_by: str = ""
    ) -> AddResult:
        """Add all of ``entries`` in one transaction (``added_by``: for those that do
        not say who added them).

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

    async def entry_page(
        self, bank: str, types: Sequence[str], *, after: int = 0, limit: int = 100
    ) -> list[Entry]:
        """Up to ``limit`` active entries of ``types`` with ids above ``after``, by id."""
        ...

    async def type_counts(self, bank: str) -> dict[str, int]:
        """The bank's active entries by signal type."""
        ...

    async def entry_standing(self, ids: Sequence[int] = ()) -> tuple[set[int], set[int]]:
        """The entries (among ``ids``, if given) quarantined now, and those trusted
        again after a quarantine."""
        ...

    async def entry_stats(
        self, bank: str, types: Sequence[str] = (), limit: int = 50
    ) -> list[EntryStats]:
        """The bank's entries (of ``types``, if given) that matched, most matches first."""
        ...

    async def entry_feedback(
        self, bank: str, since: datetime | None = None
    ) -> list[tuple[Entry, int, int]]:
        """Entries of ``bank`` reviewers judged (since ``since``): each with its
        confirmations and overturns; a disabled one was disputed."""
        ...

    async def dispute_entry(self, bank: str, entry_id: int, by: str) -> tuple[Entry, bool]:
        """Disable entry ``entry_id`` of ``bank`` (a tombstone re-imports skip): the
        entry and whether it was active; ``InputError`` if the bank has no such entry."""
        ...

    async def set_entry_standing(self, bank: str, entry_id: int, trusted: bool, by: str) -> Entry:
        """Trust a quarantined entry again (``trusted``), or quarantine one by hand;
        the entry, or ``InputError`` if the bank has no such entry."""
        ...

    async def bank_version(self) -> int: ...

    async def bank_changes(self, after: int, limit: int = 1000) -> list[BankChange]: ...

    async def entries_by_id(
        self, bank: str, first: int, last: int, ids: Sequence[int] = ()
    ) -> list[tuple[int, str, str, bool, bool]]: ...

    def iter_entry_rows(
        self, bank: str, batch: int = 50_000
    ) -> AsyncIterator[list[tuple[int, str, str, bool]]]: ...

    async def entry_ids(
        self, bank: str, signals: Sequence[tuple[str, str]]
    ) -> list[tuple[int, str, str]]: ...


class CaseStore(Protocol):
    """Cases, reports and the engine's writes (typed ops applied in order in one
    transaction)."""

    async def apply(self, ops: Sequence["Op"]) -> list[Any]: ...

    async def seen(self, update_key: str) -> bool: ...

    async def cached_signals(self, file_key: str) -> MediaSignals | None: ...

    async def get_case(self, case_id: str) -> Case: ...

    async def open_case_for(self, target: str) -> Case | None: ...

    async def cases_about(self, target: str) -> list[Case]: ...

    async def case_copies(self, case_id: str) -> list[Message]: ...

    async def list_cases(
        self,
        states: Sequence[CaseState] = (),
        *,
        overdue_at: datetime | None = None,
        opened: tuple[datetime | None, datetime | None] = (None, None),
        bank: str = "",
        limit: int = 1000,
    ) -> list[Case]: ...

    async def page_cases(
        self, where: CaseFilter, *, offset: int = 0, limit: int = 50, by_copies: bool = False
    ) -> tuple[list[Case], int]: ...

    async def reply_effects(
        self, opened: tuple[datetime | None, datetime | None]
    ) -> list[tuple[str, datetime, str, datetime | None]]: ...

    async def case_history(self, case_id: str) -> dict[str, list[dict[str, Any]]]: ...

    async def shadow_outcomes(self, bank: str) -> dict[str, int]:
        """Shadow cases ``bank`` opened, by what it would have done."""
        ...

    async def count_reports(self, reporter: str, since: datetime) -> int: ...

    async def reporter_record(self, reporter: str) -> tuple[int, int]: ...


class OutboxStore(Protocol):
    """Effects waiting to be performed, claimed by one process at a time; and the
    roles (the deadline sweeper) one process holds at a time."""

    async def pending_effects(self, platforms: Sequence[str], limit: int = 500) -> list[Effect]: ...

    async def claim_effects(
        self, platforms: Sequence[str], until: datetime, limit: int = 500
    ) -> list[Effect]: ...

    async def lead(self, role: str) -> bool:
        """Whether this process holds ``role`` ("sweeper"): one holder at a time."""
        ...


class SettingsStore(Protocol):
    """Who decides and how each chat is moderated."""

    async def chat_settings(
        self, platform: str, chat_id: str, default: ChatSettings | None = None
    ) -> ChatSettings: ...

    async def set_chat_settings(
        self, platform: str, chat_id: str, settings: ChatSettings, by: str
    ) -> None: ...

    async def reviewers(self) -> frozenset[str]: ...

    async def add_reviewer(self, reviewer: str, by: str) -> None: ...

    async def remove_reviewer(self, reviewer: str) -> bool: ...


class AuditStore(Protocol):
    """The hash-chained audit log (appended to through ``CaseStore.apply``)."""

    def iter_audit(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        after_seq: int = 0,
    ) -> AsyncIterator[AuditEntry]: ...

    async def audit_page(
        self, where: AuditFilter, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]: ...

    async def audit_anchors(self) -> dict[int, str]: ...

    async def audit_head(self) -> tuple[int, str] | None:
        """The head checkpoint: the chain's last entry as last written."""
        ...

    async def verify_audit(self, expect: tuple[int, str] | None = None) -> Verification: ...

    async def purge_audit(self, before: datetime, actor: str) -> int: ...


class AccountStore(Protocol):
    """The dashboard's accounts."""

    async def add_user(self, user: User) -> None: ...

    async def get_user(self, name: str) -> User | None: ...

    async def list_users(self) -> list[User]: ...

    async def set_password(self, name: str, password_hash: str) -> bool: ...

    async def end_sessions(self, name: str, at: datetime) -> bool: ...

    async def set_preferences(self, name: str, language: str, timezone: str) -> bool: ...

    async def remove_user(self, name: str) -> bool: ...


class TokenStore(Protocol):
    """API clients' tokens, kept as hashes (``core.api_tokens``)."""

    async def add_token(self, token: ApiToken) -> None: ...

    async def token_by_hash(self, token_hash: str) -> ApiToken | None: ...

    async def list_tokens(self) -> list[ApiToken]: ...

    async def revoke_token(self, name: str, at: datetime) -> bool: ...

    async def add_use(self, token: str, minute: int, uses: int) -> int:
        """A token's requests in a minute, counted across processes."""
        ...


class RecentStore(Protocol):
    """The recent-content log and named positions."""

    async def log_recent(self, entries: Sequence["LogRecent"]) -> None: ...

    async def recent_items(
        self, since: datetime, *, after: int = 0, limit: int = 10_000
    ) -> list[RecentItem]: ...

    async def recent_values(
        self, since: datetime, *, after: int = 0, limit: int = 20_000
    ) -> list[tuple[int, list[dict[str, list[str]]]]]: ...

    async def recent_by_id(self, ids: Sequence[int]) -> list[RecentItem]: ...

    async def purge_recent(self, before: datetime, keep: int) -> int: ...

    async def recent_count(self) -> int: ...

    async def cursor(self, name: str) -> int | None: ...

    async def set_cursor(self, name: str, position: int) -> None: ...


class Store(
    BankStore,
    CaseStore,
    OutboxStore,
    SettingsStore,
    AuditStore,
    AccountStore,
    TokenStore,
    RecentStore,
    Protocol,
):
    """The whole store (``core.store.SqlStore``); a consumer that needs one part types
    against that part's protocol."""


class Platform(Protocol):
    """One chat platform, as the engine needs it. Failures raise ``PlatformError``
    (with ``gone``, ``impossible`` or ``retry_after`` set where they apply)."""

    name: str

    async def fetch_media(self, ref: MediaRef, max_bytes: int) -> bytes:
        """The file's bytes, refusing (``InputError``) anything over ``max_bytes``."""
        ...

    def stream_media(self, ref: MediaRef, max_bytes: int) -> AsyncIterator[bytes]:
        """The file in chunks, for the digests of a file too large to decode;
        ``InputError`` once it is over ``max_bytes``."""
        ...

    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None: ...

    async def restrict(self, chat: Chat, sender: Sender) -> None: ...

    async def ban(self, chat: Chat, sender: Sender) -> None: ...

    async def lift_sanction(self, chat: Chat, sender: Sender) -> None: ...

    async def post_notice(self, chat: Chat, text: str) -> None: ...

    async def send_dm(self, user: Sender, text: str) -> None: ...

    async def post_card(self, card: ReviewCard) -> str:
        """Post a review card to the reviewers' chat; returns a reference to edit it by."""
        ...

    async def update_card(self, ref: str, card: ReviewCard) -> None: ...

    async def restore(self, chat: Chat, text: str, media: Sequence[MediaRef]) -> None:
        """Re-post an overturned removal: media by the platform's own file reference."""
        ...

    async def alert_reviewers(self, text: str) -> None: ...
