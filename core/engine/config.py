"""The Moderator's configuration (what a deployment sets)."""

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from core.media.decode import MediaLimits
from core.policy import ChatSettings, Deadlines

__all__ = ["EngineConfig"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    limits: MediaLimits = field(default_factory=MediaLimits)
    deadlines: Deadlines = field(default_factory=Deadlines)
    default_settings: ChatSettings = field(default_factory=ChatSettings)
    reviewers: frozenset[str] = frozenset()  # on top of those in the store
    confirmed_bank: str = "confirmed"  # where confirmed cases' signals go
    language: str = "ko"  # of review cards and reviewer alerts
    timezone: str = "Asia/Seoul"  # in which people are shown times (stored in UTC)
    max_attempts: int = 5
    reports_per_hour: int = 10  # per reporter; authorities are not limited
    fetch_reported_urls: bool = False  # fetch reported image links to hash them
    # Overturned removals of one entry, with no confirmation between, that disable it.
    dispute_after: int = 3
    # Several processes serving one platform (PostgreSQL): how long an effect stays
    # claimed by the process performing it before another may take it over. Zero:
    # one process per platform, and a restart performs everything left pending at once.
    outbox_lease: timedelta = timedelta(0)
    # Where the banks' index snapshot is kept ("": none): a starting process maps it
    # instead of indexing every entry again (``core.matching.snapshot``).
    index_snapshot: str = ""
    # The recent-content log (``core.engine.retro``): how many days a message nothing
    # matched is kept for entries listed later to find (0: none), and at most how
    # many messages.
    # One case per item: a copy of an open case's item (the same file key or exact
    # hash, or a PDQ within this many bits; -1: exact only) joins that case.
    copy_distance: int = 31
    recent_days: int = 7
    recent_max_items: int = 2_000_000
    # How old a bank change must be before it is reached back with: every process
    # has followed it by then (every 2 s) and written what it logged before (1 s).
    retro_settle: timedelta = timedelta(seconds=5)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
