"""Frozen records and enums that cross layer boundaries.

Adapters build ``Message`` and ``Report`` from platform objects; the core hands
back ``Verdict``s and keeps ``Case``s. Nothing here holds media bytes: a media
reference names the platform's file, never its content.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

from core.errors import InputError

__all__ = [
    "CATEGORIES",
    "Action",
    "Band",
    "BankAction",
    "CaseKind",
    "CaseState",
    "Chat",
    "ChatKind",
    "Decision",
    "Effect",
    "Match",
    "MediaRef",
    "MediaSignals",
    "Message",
    "Report",
    "ReviewCard",
    "Sender",
    "SenderKind",
    "Signal",
    "Verdict",
]


# Categories of material (stored names; reports and banks use them).
CATEGORIES = ("illegal_filming", "deepfake", "csam", "other")


class BankAction(enum.Enum):
    """What a bank asks for when one of its entries matches in the act band."""

    DELETE = "delete"
    REVIEW = "review"


class Band(enum.Enum):
    """How close a match is: ``act`` applies the bank's action, ``review`` only opens a case."""

    ACT = "act"
    REVIEW = "review"


class Action(enum.Enum):
    """What the engine does on a platform: a verdict asks for some of these, and each
    queued effect is one. The values are stored (outbox rows, audit entries)."""

    DELETE = "delete"
    RESTRICT = "restrict"
    BAN = "ban"
    LIFT_SANCTION = "lift_sanction"
    NOTICE = "notice"
    DM = "dm"
    REPLY = "reply"  # to a reporter: the case id at once, the outcome when decided
    POST_CARD = "post_card"
    UPDATE_CARD = "update_card"
    RESTORE = "restore"
    ALERT = "alert"


class ChatKind(enum.Enum):
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    GUILD_CHANNEL = "guild_channel"
    THREAD = "thread"
    DM = "dm"


class SenderKind(enum.Enum):
    USER = "user"
    ANONYMOUS_ADMIN = "anonymous_admin"
    CHANNEL = "channel"
    BOT = "bot"
    SERVICE = "service"  # the platform's own accounts (Telegram's 777000, ...)


class CaseKind(enum.Enum):
    """Why a case exists; each kind has its own deadline (configuration)."""

    MATCH_REVIEW = "match_review"
    DELETION_REQUEST = "deletion_request"
    REPORTER_REPLY = "reporter_reply"
    APPEAL = "appeal"  # an objection to a removal or a decision, reviewed by someone else


class CaseState(enum.Enum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    OVERTURNED = "overturned"
    ESCALATED = "escalated"
    SHADOW = "shadow"  # what a bank in shadow would have done: never decided, never acted on


class Decision(enum.Enum):
    CONFIRM = "confirm"
    OVERTURN = "overturn"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class Signal:
    """One hash of one piece of media, in its canonical string form."""

    signal_type: str
    value: str
    quality: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A bank entry that a query signal fell within the bank's thresholds of."""

    bank: str
    entry_id: int
    signal_type: str
    value: str
    distance: int
    band: Band
    action: BankAction
    category: str = "other"
    note: str = ""  # e.g. why a match was weakened (a look-alike host)
    # A text rule's: the words that matched, as written, and where (``TextPlace``).
    span: str = ""
    place: str = ""


@dataclass(frozen=True, slots=True)
class Chat:
    platform: str
    id: str
    kind: ChatKind
    title: str = ""
    community: str = ""  # the server a channel belongs to (a Discord guild), if any

    @property
    def settings_id(self) -> str:
        """Whose settings apply: the community's when there is one, else the chat's own."""
        return self.community or self.id


@dataclass(frozen=True, slots=True)
class Sender:
    id: str
    kind: SenderKind = SenderKind.USER
    name: str = ""


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A platform's file: ``file_key`` is stable across re-posts (Telegram's
    ``file_unique_id``), ``file_ref`` fetches or re-sends it (``file_id``).
    ``signals``: hashes the platform computed itself (an API client that sends
    hashes, not bytes); the engine matches them without fetching anything."""

    kind: str
    file_key: str
    file_ref: str
    mime: str = ""
    size: int | None = None
    signals: tuple["Signal", ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    chat: Chat
    message_id: str
    sender: Sender
    text: str = ""
    links: tuple[str, ...] = ()
    media: tuple[MediaRef, ...] = ()
    album_id: str | None = None
    album_message_ids: tuple[str, ...] = ()
    edited: bool = False
    edit_version: str = ""
    reply_to: str | None = None
    forwarded_from: str | None = None
    sent_at: datetime | None = None
    # Other words the message shows, which text rules read too.
    file_names: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()  # its buttons' labels

    @property
    def update_key(self) -> str:
        """Identifies this delivery, so a redelivered update is processed once."""
        version = f":edit:{self.edit_version}" if self.edited else ""
        return f"{self.chat.platform}:{self.chat.id}:{self.message_id}{version}"


@dataclass(frozen=True, slots=True)
class Report:
    """A user's report, or an authority's deletion request.

    Its targets: a message in a moderated chat, links, and media the reporter
    forwarded (references to the platform's files: fetched and hashed in
    memory, never kept). ``platform`` is where the reporter is, for replies.
    """

    reporter: str  # platform user id, or "" for anonymous
    category: str
    text: str = ""
    message: Message | None = None
    links: tuple[str, ...] = ()
    media: tuple[MediaRef, ...] = ()
    authority: bool = False
    trusted: bool = False  # a flagger the platform vouches for (a chat admin, say)
    report_id: str = ""
    platform: str = ""
    language: str = "ko"

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise InputError(f"unknown category {self.category!r} (known: {', '.join(CATEGORIES)})")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do about one message or report; ``dry_run`` means only record it."""

    actions: frozenset[Action] = frozenset()
    case_kind: CaseKind | None = None
    deadline: datetime | None = None
    reasons: tuple[str, ...] = ()
    dry_run: bool = False
    matches: tuple[Match, ...] = field(default=())

    @property
    def opens_case(self) -> bool:
        return self.case_kind is not None


@dataclass(frozen=True, slots=True)
class Effect:
    id: str
    kind: Action
    platform: str
    case_id: str
    created_at: datetime
    chat: Chat | None = None
    message_ids: tuple[str, ...] = ()
    sender: Sender | None = None
    text: str = ""
    media: tuple[MediaRef, ...] = ()  # what a restore re-sends by the platform's reference
    dry_run: bool = False
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class MediaSignals:
    """The signals of one piece of media.

    ``signals`` are what a bank stores; ``queries`` what matching looks up per
    type (variants included, untrusted low-quality hashes left out).
    """

    signals: tuple[Signal, ...]
    queries: dict[str, tuple[str, ...]] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RecentItem:
    """A message in the recent-content log: where it is (ids and kinds only: no
    names, no text) and, per media item or link, the values it is matched on."""

    id: int
    message: Message
    items: tuple[dict[str, tuple[str, ...]], ...]
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A review card: the facts of a case and which decisions are open."""

    case_id: str
    title: str
    lines: tuple[str, ...]
    decisions: tuple[str, ...]  # "confirm", "overturn", "escalate" while undecided
    # The reported or matched message while it still exists (chat id, message id),
    # so an adapter can link to it; None once it was removed.
    original: tuple[str, str] | None = None
    language: str = "ko"  # of its title, lines and buttons
    bannable: bool = True  # an appeal's card bans nobody: it acts through its case
    # An image that matched: "fine" (overturn, its hashes allowed) beside an overturn.
    allowable: bool = False

    @property
    def buttons(self) -> tuple[str, ...]:
        """The card's buttons: its open decisions, "ban" (confirm and ban the sender)
        beside a confirm, and "fine" (overturn, the image's hashes allowed) beside an
        overturn of an image's match."""
        ban = ("ban",) if "confirm" in self.decisions and self.bannable else ()
        fine = ("fine",) if "overturn" in self.decisions and self.allowable else ()
        return (*self.decisions, *ban, *fine)
