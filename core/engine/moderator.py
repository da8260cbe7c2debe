"""The Moderator: block first, review later, over the Platform and Store ports.

The façade adapters, the CLI and the dashboard call. It composes the engine's
collaborators, each a plain class given what it needs:

- ``MediaSource`` (``core.engine.media_source``): a media item's signals (file-key
  cache, fetch with retry, the hashing pool, streamed digests);
- ``Messages`` (``core.engine.messages``): a message to its verdict, case and effects;
- ``Reports`` and ``Reviews``: reports, decisions and deadline alerts;
- ``Outbox``: effects queued with their case, then performed and recorded;
- ``ChatSettingsCache`` and ``Upkeep`` (bank following, maintenance rounds).

Every flow records its intent before acting: the case, the effects it calls
for and the update's key go into one transaction (``GroupCommit``), then the
effects are performed and each is marked done with its audit entry. On start,
effects left pending by a crash are performed again.
"""

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from types import TracebackType

from core.audit import AuditRecord
from core.cases import Case
from core.engine.chat_settings import ChatSettingsCache
from core.engine.config import EngineConfig
from core.engine.group_commit import GroupCommit
from core.engine.media_source import MediaSource
from core.engine.messages import Handled, Messages
from core.engine.metrics import Stats
from core.engine.objections import Objections
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.engine.reports import Reports
from core.engine.retro import RecentLog, Retroaction
from core.engine.reviews import Reviews
from core.engine.upkeep import Upkeep
from core.fetch import FetchPolicy, WebFetcher
from core.matching.matcher import Matcher
from core.matching.snapshot import IndexSnapshots
from core.media.pool import HashingPool
from core.model import Decision, Match, MediaSignals, Message, Report, Verdict
from core.policy import ChatSettings
from core.ports import Clock, ImageFetcher, Platform, Store, SystemClock
from core.writes import Audit

__all__ = ["Moderator"]


class Moderator:
    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, Platform],
        matcher: Matcher,
        *,
        clock: Clock | None = None,
        config: EngineConfig | None = None,
        executor: Executor | None = None,
        fetcher: ImageFetcher | None = None,
    ) -> None:
        clock = clock or SystemClock()
        config = config or EngineConfig()
        self._platforms = dict(platforms)
        self._matcher = matcher
        self._commit = GroupCommit(store)
        self._hashing = HashingPool(config.limits, executor)
        self.stats = Stats()
        parts = EngineParts(store, clock, self._commit, matcher, config)
        self._outbox = Outbox(parts, self._platforms)
        self._settings = ChatSettingsCache(store, clock, config.default_settings)
        self._media = media = MediaSource(
            parts, self._platforms, self._hashing, stats=self.stats, outbox=self._outbox
        )
        self._recent = RecentLog(store)
        self._messages = Messages(
            parts,
            media=media,
            settings=self._settings,
            outbox=self._outbox,
            stats=self.stats,
            recent=self._recent,
        )
        self._fetcher = None
        if config.fetch_reported_urls:
            self._fetcher = fetcher or WebFetcher(FetchPolicy(max_bytes=config.limits.max_bytes))
        self._reports = Reports(
            parts, media=media, settings=self._settings, outbox=self._outbox, fetcher=self._fetcher
        )
        self._reviews = Reviews(parts, self._outbox, self._settings)
        self._objections = Objections(parts, self._outbox)
        snapshots = IndexSnapshots(store, Path(config.index_snapshot))
        self._retro = Retroaction(parts, self._messages, self._recent)
        self._upkeep = Upkeep(
            store,
            matcher,
            self._outbox,
            self._reviews,
            snapshots=snapshots if config.index_snapshot else None,
            retro=self._retro,
        )
        self._inflight: set[str] = set()

    async def __aenter__(self) -> "Moderator":
        await self._outbox.run()  # reconcile what a crash left pending
        await self._retro.start()
        return self

    async def __aexit__(self, *exc: object | TracebackType) -> None:
        await self._upkeep.snapshot_written()
        await self._retro.wait()
        await self._recent.close()
        await self._commit.close()
        self._hashing.close()
        if self._fetcher is not None:
            await self._fetcher.aclose()

    def add_platform(self, platform: Platform) -> None:
        """Attach a platform that connects after start (a Discord bot's ``setup_hook``)."""
        self._platforms[platform.name] = platform

    async def on_message(self, message: Message) -> Handled:
        key = message.update_key
        if key in self._inflight:  # the same update, twice at once: once is enough
            return Handled(Verdict(), duplicate=True)
        self._inflight.add(key)
        try:
            return await self._messages.handle(message)
        finally:
            self._inflight.discard(key)

    async def on_report(self, report: Report) -> Case:
        """Open (or join) the report's case; returns it, so the reporter can be told its id."""
        return await self._reports.on_report(report)

    async def on_objection(self, case_id: str, objector: str, text: str, language: str) -> Case:
        """The affected person's objection to case ``case_id``: its appeal case."""
        return await self._objections.on_objection(case_id, objector, text, language)

    async def case_for_reporter(self, case_id: str, reporter: str) -> Case | None:
        """The case, if ``reporter`` reported it (a reporter sees only their own)."""
        return await self._reports.case_for_reporter(case_id, reporter)

    async def on_decision(
        self,
        case_id: str,
        decision: Decision,
        reviewer: str,
        *,
        note: str = "",
        ban: bool = False,
        vouched: bool = False,
        fine: bool = False,
    ) -> Case:
        """Decide a case. ``vouched``: the adapter checked the reviewer by other means
        (a Discord reviewer role) and the allowlist does not apply. ``fine`` (with an
        overturn): the image's hashes become allow entries of the banks it matched."""
        return await self._reviews.on_decision(
            case_id, decision, reviewer, note=note, ban=ban, vouched=vouched, fine=fine
        )

    async def sweep_deadlines(self) -> int:
        return await self._reviews.sweep_deadlines()

    async def chat_settings(self, platform: str, chat_id: str) -> ChatSettings:
        """A chat's settings, cached for a few seconds (changes made elsewhere arrive then)."""
        return await self._settings.get(platform, chat_id)

    async def set_chat_settings(
        self, platform: str, chat_id: str, settings: ChatSettings, by: str
    ) -> None:
        """Change a chat's settings (the caller checked that ``by`` is its admin); audited."""
        await self._settings.put(platform, chat_id, settings, by)
        record = AuditRecord(
            kind="settings", platform=platform, chat_id=chat_id, actor=by, reason=repr(settings)
        )
        await self.note(record)

    async def note(self, record: AuditRecord) -> None:
        """Write a platform event worth keeping (a bot's rights changing, say) to the audit log."""
        await self._commit.submit([Audit(record)])

    async def follow_banks(self) -> int:
        return await self._upkeep.follow_banks()

    async def reach_back(self) -> int:
        """Match the recent-content log against entries listed since the last time
        (``core.engine.retro``) and act on what matches; how many messages."""
        return await self._retro.run()

    async def flush_recent(self) -> None:
        """Write the recent-content log's pending messages now."""
        await self._recent.flush()

    async def follow(self, every: float = 2.0) -> None:
        await self._upkeep.follow(every)

    async def maintain(self, every: float = 30.0) -> None:
        await self._upkeep.maintain(every)

    async def run_outbox(self) -> int:
        return await self._outbox.run()

    async def hash_media(self, data: bytes) -> MediaSignals:
        """Every signal of ``data``, hashed in the pool (the bytes are dropped after)."""
        return await self._media.hash(data)

    def lookup(self, queries: Mapping[str, Sequence[str]], *, act_only: bool) -> list[Match]:
        """The bank entries ``queries`` match, as a message's media would (``act_only``:
        only those whose bank's action would apply)."""
        return self._matcher.match(queries, act_only=act_only)

    def index_status(self) -> tuple[int, dict[str, int]]:
        """The bank version the indexes are at, and their entries by signal type."""
        return self._matcher.version, self._matcher.sizes()

    @property
    def indexed(self) -> int:
        """Bank entries in the matcher's indexes."""
        return len(self._matcher)

    @property
    def counts(self) -> Mapping[str, int]:
        """Effects by kind and ending (``delete:done``, ``ban:failed``, ...)."""
        return self._outbox.counts

    @property
    def hashing_problems(self) -> Mapping[str, int]:
        """Hashing jobs past their deadline, lost with a dead worker; pools replaced."""
        return self._hashing.counts
