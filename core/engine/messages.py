"""A message through the engine: signals, matches, the verdict, then the case, its
effects and audit entries in one transaction, then the effects performed.

Text-only and harmless messages never touch the store; an update is looked up
as already handled only when it would act, so a redelivered harmless one costs
nothing. An album item arriving after another item of it was blocked is
removed too.
"""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from core.audit import AuditRecord
from core.cases import Case, item_keys, target_of
from core.effects import verdict_effects
from core.engine.chat_settings import ChatSettingsCache
from core.engine.flood import FloodGuard, Held
from core.engine.media_source import MediaSource
from core.engine.metrics import Stats
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.engine.retro import REACHED_BACK, RecentLog, recent_link, recent_values
from core.errors import AlreadyProcessed
from core.ids import new_id
from core.links import Link
from core.matching.link_rules import link_matches, message_links
from core.matching.matcher import Matcher, nearest_matches
from core.matching.text_rules import (
    NameMemo,
    TextPlace,
    check_text,
    message_texts,
    reads_text,
)
from core.model import (
    Action,
    CaseKind,
    CaseState,
    Effect,
    Match,
    MediaSignals,
    Message,
    Signal,
    Verdict,
)
from core.policy import ChatSettings, decide
from core.texts import say
from core.writes import (
    Audit,
    CountHits,
    LogRecent,
    MarkProcessed,
    Op,
    OpenCase,
    Quarantine,
)

__all__ = ["Handled", "Messages"]


@dataclass(frozen=True, slots=True)
class Handled:
    verdict: Verdict
    case: Case | None = None
    # Handled before (a redelivery, or another process): the verdict again and the
    # case it opened while that is open; nothing was done a second time.
    duplicate: bool = False


class Messages:
    def __init__(
        self,
        parts: EngineParts,
        *,
        media: MediaSource,
        settings: ChatSettingsCache,
        outbox: Outbox,
        stats: Stats,
        recent: RecentLog | None = None,
    ) -> None:
        self._store = parts.store
        self._clock = parts.clock
        self._commit = parts.commit
        self._matcher = parts.matcher
        self._config = parts.config
        self._media = media
        self._settings = settings
        self._outbox = outbox
        self._stats = stats
        self._recent = recent
        self._names = NameMemo()
        self._flood = FloodGuard(parts.matcher)

    async def handle(self, message: Message) -> Handled:
        self._stats.events["messages"] += 1
        hashed, cache_ops = await self._media.signals(message.media, message.chat.platform)
        started = time.perf_counter()
        if reads_text(self._matcher):
            self._names.follow(self._matcher.version)
        links = message_links(message.text, message.links) if message.text or message.links else []
        shadow: list[Match] = []
        with self._matcher.remembering():  # banks in shadow: the same searches, once
            matches = self._matches(self._matcher, message, hashed, links)
            if self._matcher.has_shadow():
                shadow = self._matches(self._matcher.shadowed(), message, hashed, links)
        self._stats.matching.observe(time.perf_counter() - started)
        if not matches:
            self._log(message, hashed, links)
            await self._follow_album(message, cache_ops)
            if shadow:
                await self._record_shadow(message, shadow, hashed)
            return Handled(Verdict())
        chat = message.chat
        now = self._clock.now()
        settings = await self._settings.get(chat.platform, chat.settings_id)
        if await self._store.seen(message.update_key):  # the same answer, nothing done again
            verdict = decide(matches, message, settings, now, self._config.deadlines)
            case = await self._store.open_case_for(_target(message, matches))
            return Handled(verdict, case, True)
        signals = tuple(s for media in hashed for s in media.signals)
        extra = [*self._shadow_ops(message, shadow, hashed, settings, now)] if shadow else []
        return await self._act(
            message, matches, signals, now, key=message.update_key, settings=settings,
            extra=[*extra, *cache_ops],
        )  # fmt: skip

    async def reach_back(
        self, message: Message, matches: list[Match], signals: tuple[Signal, ...], late: str
    ) -> Handled:
        """Act on a message seen before an entry it matches was listed (retroaction:
        ``core.engine.retro``), once per message, as on a live match; ``late``: why
        the platform no longer lets it be removed (a person must), or ""."""
        key = f"retro:{target_of(message)}"
        if await self._store.seen(key):
            return Handled(Verdict(), duplicate=True)
        chat = message.chat
        settings = await self._settings.get(chat.platform, chat.settings_id)
        reasons = (REACHED_BACK, late) if late else (REACHED_BACK,)
        return await self._act(
            message, matches, signals, self._clock.now(), key=key, settings=settings,
            reasons=reasons, acts=not late,
        )  # fmt: skip

    async def _act(
        self,
        message: Message,
        matches: list[Match],
        signals: tuple[Signal, ...],
        now: datetime,
        *,
        key: str,
        settings: ChatSettings,
        extra: Sequence[Op] = (),
        reasons: tuple[str, ...] = (),
        acts: bool = True,
    ) -> Handled:
        """Open (or join) the case of ``matches`` in ``message``, queue and perform
        what the verdict calls for, in one write with ``extra`` ops, marked ``key``.
        (After the redelivery check: a message handled before counts once.)"""
        chat = message.chat
        target = _target(message, matches)
        matches, held = self._flood.screen(matches, f"{chat.platform}:{chat.id}", now)
        verdict = decide(matches, message, settings, now, self._config.deadlines)
        verdict = replace(verdict, reasons=verdict.reasons + reasons)
        if not acts:
            verdict = replace(verdict, actions=frozenset())
        self._stats.events["matches"] += 1
        self._stats.bank_matches.update(m.bank for m in verdict.matches)
        self._stats.quarantines.update(h.match.bank for h in held)
        case = Case(
            id=new_id(),
            kind=verdict.case_kind or CaseKind.MATCH_REVIEW,
            target=target,
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
        # One case per item: a copy of an open case's item joins it (``OpenCase``).
        item = item_keys(signals) if message.media else ()
        opening: list[Op] = [
            OpenCase(case, keys=item, near=self._config.copy_distance),
            *self._outbox.enqueue(effects, opening=True),
        ]
        alerts = [self._quarantine_alert(case, h, verdict.dry_run) for h in held]
        audits = [Audit(_match_record(message, case, m, verdict)) for m in verdict.matches]
        ops: list[Op] = [
            *opening,
            *self._outbox.enqueue(alerts),  # even when the case was open already
            *audits,
            *(op for h in held for op in _quarantine_ops(message, case, h)),
            CountHits(tuple(m.entry_id for m in verdict.matches), now),
            MarkProcessed(key),
        ]
        try:
            written = await self._commit.submit([*ops, *extra])
        except AlreadyProcessed:  # another process (a failover) handled it first
            return Handled(Verdict(), duplicate=True)
        await self._outbox.perform(written.queued, written.case)
        return Handled(verdict, written.case)

    def _log(self, message: Message, hashed: Sequence[MediaSignals], links: list[Link]) -> None:
        """Keep a message nothing matched in the recent-content log: per media item
        and link, what it is matched on (never media, never its text), so an entry
        listed later still finds it (``core.engine.retro``)."""
        if self._recent is None or not self._config.recent_days:
            return
        items: list[Mapping[str, tuple[str, ...]]] = [
            recent_values(media) for media in hashed if media.error is None
        ]
        items += [recent_link(link) for link in links]
        items = [item for item in items if item]
        if items:
            self._recent.add(LogRecent.of(message, items, self._clock.now()))

    def _matches(
        self,
        matcher: Matcher,
        message: Message,
        hashed: Sequence[MediaSignals],
        links: Sequence[Link],
    ) -> list[Match]:
        """What ``matcher`` finds in the message: its media, links and texts."""
        found = [m for media in hashed for m in matcher.match(media.queries)]
        found += link_matches(matcher, links)
        if reads_text(matcher):
            found += check_text(matcher, message_texts(message, self._names))
        return nearest_matches(found)

    async def _record_shadow(
        self, message: Message, shadow: list[Match], hashed: Sequence[MediaSignals]
    ) -> None:
        """A message only banks in shadow matched: their shadow case, nothing else."""
        chat = message.chat
        if await self._store.seen(message.update_key):
            return
        now = self._clock.now()
        settings = await self._settings.get(chat.platform, chat.settings_id)
        ops = [*self._shadow_ops(message, shadow, hashed, settings, now)]
        try:
            await self._commit.submit([*ops, MarkProcessed(message.update_key)])
        except AlreadyProcessed:
            return

    def _shadow_ops(
        self,
        message: Message,
        shadow: list[Match],
        hashed: Sequence[MediaSignals],
        settings: ChatSettings,
        now: datetime,
    ) -> list[Op]:
        """The shadow case of what banks in shadow would have done (hidden from the
        queue, never decided, nothing acted on), and their entries' hit counts."""
        verdict = decide(shadow, message, settings, now, self._config.deadlines)
        would = "delete" if Action.DELETE in verdict.actions else "review"
        self._stats.shadow_matches.update(m.bank for m in shadow)
        case = Case(
            id=new_id(),
            kind=CaseKind.MATCH_REVIEW,
            target=_target(message, shadow),
            opened_at=now,
            deadline=now,
            state=CaseState.SHADOW,
            category=next((m.category for m in shadow if m.category != "other"), "other"),
            message=message,
            signals=tuple(s for media in hashed for s in media.signals),
            matches=verdict.matches,
            reasons=tuple(f"in shadow: {reason}" for reason in verdict.reasons),
            dry_run=True,
            note=f"would {would}",
        )
        return [OpenCase(case), CountHits(tuple(m.entry_id for m in shadow), now)]

    def _quarantine_alert(self, case: Case, held: Held, dry_run: bool) -> Effect:
        """One alert to reviewers for a quarantined entry (only the message that
        crossed the limit brings one)."""
        text = say(
            "alert_quarantined", self._config.language,
            bank=held.match.bank, entry=held.match.entry_id, reason=held.reason, case=case.id,
        )  # fmt: skip
        return Effect(
            new_id(16), Action.ALERT, case.platform, case.id, case.opened_at, text=text,
            dry_run=dry_run,
        )  # fmt: skip

    async def _follow_album(self, message: Message, cache_ops: list[Op]) -> None:
        """An album item arriving after another item of it was blocked is removed too."""
        ops = list(cache_ops)
        effect = None
        if message.album_id:
            case = await self._store.open_case_for(target_of(message))
            if case is not None and case.removed:
                effect = Effect(
                    new_id(16), Action.DELETE, case.platform, case.id, self._clock.now(),
                    message.chat, (message.message_id,), message.sender,
                )  # fmt: skip
                ops += [*self._outbox.enqueue([effect]), MarkProcessed(message.update_key)]
        if ops:
            try:
                await self._commit.submit(ops)
            except AlreadyProcessed:
                return
        if effect is not None:
            await self._outbox.perform([effect])


def _quarantine_ops(message: Message, case: Case, held: Held) -> list[Op]:
    match = held.match
    record = AuditRecord(
        kind="entry_quarantined",
        platform=message.chat.platform,
        chat_id=message.chat.id,
        message_id=message.message_id,
        bank=match.bank,
        signals=(f"{match.signal_type}:{match.value}",),
        action="review",
        result="quarantined: its matches open review cases and delete nothing",
        reason=f"entry {match.entry_id}: {held.reason}",
        case_id=case.id,
    )
    return [Quarantine(match.bank, match.entry_id, held.reason), Audit(record)]


def _target(message: Message, matches: Sequence[Match]) -> str:
    """The message's case, or, when only its sender's name or its chat's title
    matched, one case for the sender there or for the chat, which later messages
    join while it is open."""
    places = {m.place for m in matches}
    where = f"{message.chat.platform}:{message.chat.id}"
    if places == {TextPlace.CHAT_TITLE.value}:
        return f"{where}:title"
    if places <= {TextPlace.CHAT_TITLE.value, TextPlace.SENDER_NAME.value}:
        return f"{where}:sender:{message.sender.id}"
    return target_of(message)


def _match_record(message: Message, case: Case, match: Match, verdict: Verdict) -> AuditRecord:
    actions = ",".join(sorted(_match_word(a, message) for a in verdict.actions)) or "review"
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


# What a match entry calls each action: stored words, older than the one vocabulary.
_MATCH_WORDS = {
    Action.DM: "dm_reasons",
    Action.RESTRICT: "restrict_sender",
    Action.BAN: "ban_sender",
    Action.NOTICE: "notice",
}


def _match_word(action: Action, message: Message) -> str:
    if action is Action.DELETE:
        return "delete_album" if message.album_id else "delete_message"
    return _MATCH_WORDS[action]
