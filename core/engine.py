"""The Moderator: block first, review later, over the Platform and Store ports.

Every flow records its intent before acting: the case, the effects it calls
for (the outbox, see ``core.effects``) and the update's key go into one
transaction, then the effects are performed and each is marked done with its
audit entry. Writes of concurrent flows share transactions (``GroupCommit``).
On start, effects left pending by a crash are performed again.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import TracebackType

from core.audit import AuditRecord
from core.cases import Case, target_of
from core.effects import Effect, EffectKind, new_id
from core.engine_config import EngineConfig
from core.errors import AlreadyProcessed, InputError, PlatformError
from core.flows import verdict_effects
from core.hashing import Digester, MediaSignals
from core.hashing_pool import HashingPool
from core.journal import (
    Audit,
    Enqueue,
    GroupCommit,
    MarkProcessed,
    Op,
    OpenCase,
    RememberSignals,
)
from core.link_matching import check_links
from core.matcher import Matcher, nearest_matches
from core.metrics import Stats
from core.model import CaseKind, Match, MediaRef, Message, Signal, Verdict
from core.performer import Performer
from core.policy import ChatSettings, decide
from core.ports import Clock, Platform, Store, SystemClock
from core.report_flows import ReportFlows
from core.review_flows import RefusalThrottle, ReviewFlows
from core.texts import ReviewCard, card_for
from core.upkeep import Upkeep

__all__ = ["EngineConfig", "Handled", "Moderator"]

log = logging.getLogger(__name__)

_RECENT_FILES = 4096  # file keys whose signals stay in memory
_SETTINGS_TTL = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Handled:
    verdict: Verdict
    case: Case | None = None
    duplicate: bool = False


class Moderator(ReviewFlows, ReportFlows, Upkeep):
    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, Platform],
        matcher: Matcher,
        *,
        clock: Clock | None = None,
        config: EngineConfig | None = None,
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        self._platforms = dict(platforms)
        self._matcher = matcher
        self._clock = clock or SystemClock()
        self._config = config or EngineConfig()
        self._hashing = HashingPool(self._config.limits, executor)
        self._journal = GroupCommit(store)
        self._performer = Performer(
            self._platforms, self._card, max_attempts=self._config.max_attempts
        )
        self._inflight: set[str] = set()
        self._performing: set[str] = set()
        self._recent: OrderedDict[str, MediaSignals] = OrderedDict()
        self._fresh: dict[str, Case] = {}  # cases being acted on right after opening
        self._settings: dict[tuple[str, str], tuple[datetime, ChatSettings]] = {}
        self._refusals = RefusalThrottle()
        self.stats = Stats()

    def add_platform(self, platform: Platform) -> None:
        """Attach a platform that connects after start (a Discord bot's ``setup_hook``)."""
        self._platforms[platform.name] = platform

    @property
    def indexed(self) -> int:
        """Bank entries in the matcher's indexes."""
        return len(self._matcher)

    @property
    def hashing_problems(self) -> Mapping[str, int]:
        """Hashing jobs past their deadline, lost with a dead worker; pools replaced."""
        return self._hashing.counts

    @property
    def counts(self) -> Mapping[str, int]:
        """Effects by kind and ending (``delete:done``, ``ban:failed``, ...)."""
        return self._performer.counts

    async def __aenter__(self) -> "Moderator":
        await self.run_outbox()  # reconcile what a crash left pending
        return self

    async def __aexit__(self, *exc: object | TracebackType) -> None:
        await self._journal.close()
        self._hashing.close()

    async def on_message(self, message: Message) -> Handled:
        key = message.update_key
        if key in self._inflight:
            return Handled(Verdict(), duplicate=True)
        self._inflight.add(key)
        try:
            return await self._handle(message, key)
        finally:
            self._inflight.discard(key)

    async def _handle(self, message: Message, key: str) -> Handled:
        self.stats.events["messages"] += 1
        hashed, cache_ops = await self._signals(message.media, message.chat.platform)
        started = time.perf_counter()
        found = [m for media in hashed for m in self._matcher.match(media.queries)]
        if message.text or message.links:
            checked = check_links(self._matcher, message.text, message.links)
            found += [m for result in checked for m in result.matches]
        matches = nearest_matches(found)
        self.stats.matching.observe(time.perf_counter() - started)
        if not matches:
            await self._follow_album(message, cache_ops)
            return Handled(Verdict())
        # Only an update that would act is looked up: a redelivered harmless one costs nothing.
        if await self._store.seen(key):
            return Handled(Verdict(), duplicate=True)
        self.stats.events["matches"] += 1
        chat = message.chat
        settings = await self.chat_settings(chat.platform, chat.settings_id)
        now = self._clock.now()
        verdict = decide(matches, message, settings, now, self._config.deadlines)
        signals = tuple(s for media in hashed for s in media.signals)
        case = Case(
            id=new_id(),
            kind=verdict.case_kind or CaseKind.MATCH_REVIEW,
            target=target_of(message),
            opened_at=now,
            deadline=verdict.deadline or now,
            category=next((m.category for m in matches if m.category != "other"), "other"),
            message=message,
            signals=signals,
            matches=verdict.matches,
            reasons=verdict.reasons,
            dry_run=verdict.dry_run,
        )
        effects = verdict_effects(case, message, verdict, settings, now)
        audits = [Audit(_match_record(message, case, m, verdict)) for m in verdict.matches]
        ops: list[Op] = [OpenCase(case), *self._enqueue(effects), *audits, MarkProcessed(key)]
        try:
            results = await self._journal.submit([*ops, *cache_ops])
        except AlreadyProcessed:  # another process (a failover) handled it first
            return Handled(Verdict(), duplicate=True)
        queued = [e for e, kept in zip(effects, results[1 : 1 + len(effects)], strict=True) if kept]
        await self._perform(queued, results[0])
        return Handled(verdict, results[0])

    async def _signals(
        self, refs: Sequence[MediaRef], platform: str
    ) -> tuple[list[MediaSignals], list[Op]]:
        """Signals of every media item: from the file-key cache, else fetched and hashed.

        A file that cannot be fetched (twice) is logged, counted and audited; the
        rest of the message is still checked."""
        hashed: list[MediaSignals] = []
        ops: list[Op] = []
        for ref in refs:
            key = Signal("file_key", f"{platform}:{ref.file_key}")
            banked_key = MediaSignals((key,), {"file_key": (key.value,)})
            if self._matcher.match(banked_key.queries):
                hashed.append(banked_key)  # a confirmed file again: no download needed
                continue
            cached = self._recent.get(ref.file_key)
            if cached is None:
                cached = await self._store.cached_signals(ref.file_key)
            if cached is None:
                cached = await self._fetch_and_hash(ref, platform, ops)
                if cached is None:
                    continue
                ops.append(RememberSignals(ref.file_key, cached))
            self._remember(ref.file_key, cached)
            hashed.append(replace(cached, signals=(*cached.signals, key)))
        return hashed, ops

    async def _fetch_and_hash(
        self, ref: MediaRef, platform: str, ops: list[Op]
    ) -> MediaSignals | None:
        limit = self._config.limits.max_bytes
        big = ref.size is not None and ref.size > limit
        for attempt in range(2):
            try:
                if big:
                    return await self._digest(ref, platform)
                data = await self._platforms[platform].fetch_media(ref, limit)
                return await self._hash(data)  # the bytes go no further than the hash
            except InputError:
                if big:
                    return None  # over even the digest limit: nothing to match on
                big = True  # over the decoding limit after all: its digests still match
            except PlatformError as exc:
                if attempt == 0 and not exc.impossible:
                    await asyncio.sleep(min(exc.retry_after or 0.25, 2.0))
                    continue
                log.warning("could not fetch %s from %s: %s", ref.file_key, platform, exc)
                self._performer.counts["fetch:failed"] += 1
                reason = f"could not fetch {ref.kind} {ref.file_key}: {exc}"
                ops.append(
                    Audit(AuditRecord(kind="fetch_failed", platform=platform, reason=reason))
                )
        return None

    async def _digest(self, ref: MediaRef, platform: str) -> MediaSignals:
        """The exact digests of a file too large to decode, streamed (never held whole)."""
        limits = self._config.limits
        digester = Digester()
        async for chunk in self._platforms[platform].stream_media(ref, limits.max_digest_bytes):
            await asyncio.to_thread(digester.feed, chunk)
        why = f"{ref.kind} is over the {limits.max_bytes}-byte limit: only its digests are checked"
        return digester.result(why)

    def _remember(self, file_key: str, signals: MediaSignals) -> None:
        self._recent[file_key] = signals
        self._recent.move_to_end(file_key)
        while len(self._recent) > _RECENT_FILES:
            self._recent.popitem(last=False)

    async def chat_settings(self, platform: str, chat_id: str) -> ChatSettings:
        """A chat's settings, cached for a few seconds (changes made elsewhere arrive then)."""
        now = self._clock.now()
        cached = self._settings.get((platform, chat_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        settings = await self._store.chat_settings(platform, chat_id, self._config.default_settings)
        self._settings[(platform, chat_id)] = (now + _SETTINGS_TTL, settings)
        return settings

    async def set_chat_settings(
        self, platform: str, chat_id: str, settings: ChatSettings, by: str
    ) -> None:
        """Change a chat's settings (the caller checked that ``by`` is its admin); audited."""
        await self._store.set_chat_settings(platform, chat_id, settings, by)
        self._settings[(platform, chat_id)] = (self._clock.now() + _SETTINGS_TTL, settings)
        record = AuditRecord(
            kind="settings", platform=platform, chat_id=chat_id, actor=by, reason=repr(settings)
        )
        await self._journal.submit([Audit(record)])

    async def _hash(self, data: bytes) -> MediaSignals:
        started = time.perf_counter()
        try:
            return await self._hashing.hash(data)
        finally:
            self.stats.hashing.observe(time.perf_counter() - started)

    async def _follow_album(self, message: Message, cache_ops: list[Op]) -> None:
        """An album item arriving after another item of it was blocked is removed too."""
        ops = list(cache_ops)
        effect = None
        if message.album_id:
            case = await self._store.open_case_for(target_of(message))
            if case is not None and case.removed:
                effect = Effect(
                    new_id(16), EffectKind.DELETE, case.platform, case.id, self._clock.now(),
                    message.chat, (message.message_id,), message.sender,
                )  # fmt: skip
                ops += [*self._enqueue([effect]), MarkProcessed(message.update_key)]
        if ops:
            try:
                await self._journal.submit(ops)
            except AlreadyProcessed:
                return
        if effect is not None:
            await self._perform([effect])

    async def note(self, record: AuditRecord) -> None:
        """Write a platform event worth keeping (a bot's rights changing, say) to the audit log."""
        await self._journal.submit([Audit(record)])

    def _enqueue(self, effects: Sequence[Effect]) -> list[Enqueue]:
        """Queue ops for ``effects``; those this process performs itself are claimed
        for the lease, so another process's outbox round leaves them alone."""
        until = self._clock.now() + self._config.outbox_lease
        return [Enqueue(e, until if e.platform in self._platforms else None) for e in effects]

    async def _perform(self, effects: Sequence[Effect], case: Case | None = None) -> None:
        """Perform in order; record how they ended in one write. A crash before that
        write leaves them pending, and they are performed (a delete: found gone) again."""
        mine = [
            e for e in effects if e.platform in self._platforms and e.id not in self._performing
        ]
        self._performing.update(e.id for e in mine)
        if case is not None:  # just opened: its card needs no read from the store
            self._fresh[case.id] = case
        ops: list[Op] = []
        try:
            for effect in mine:
                ops += await self._performer.perform(effect)
        finally:
            if ops:
                await self._journal.submit(ops)
            self._performing.difference_update(e.id for e in mine)
            if case is not None:
                self._fresh.pop(case.id, None)

    async def _card(self, case_id: str) -> tuple[ReviewCard, str]:
        case = self._fresh.get(case_id) or await self._store.get_case(case_id)
        return card_for(case, self._clock.now()), case.card_ref


def _match_record(message: Message, case: Case, match: Match, verdict: Verdict) -> AuditRecord:
    actions = ",".join(sorted(a.value for a in verdict.actions)) or "review"
    return AuditRecord(
        kind="match",
        platform=message.chat.platform,
        chat_id=message.chat.id,
        message_id=message.message_id,
        sender_id=message.sender.id,
        signals=tuple(f"{s.signal_type}:{s.value}" for s in case.signals),
        bank=match.bank,
        distance=match.distance,
        action=actions,
        result="dry run: recorded only" if verdict.dry_run else "case opened",
        reason=f"{match.signal_type} {match.band.value} band, {match.category}",
        case_id=case.id,
    )
