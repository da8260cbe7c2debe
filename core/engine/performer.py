"""Carrying out queued effects on a platform: retries, outcomes, audit records.

Each effect ends as one of: done; done in dry run (recorded, not performed);
gone (a delete whose message no longer exists: nothing left to do); failed
(impossible, e.g. no rights or an anonymous admin, or out of attempts); or
still pending after a retryable failure (rate limit, network), for the next
outbox run. Every ending writes one audit entry and counts.
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from core.audit import AuditRecord
from core.errors import InputError, PlatformError
from core.model import Action, Effect, ReviewCard
from core.ports import EffectSink, Platform
from core.writes import Audit, Finish, Op, UpdateCase

__all__ = ["Outcome", "Performer"]

log = logging.getLogger(f"blockfirst.{__name__}")

# Waits longer than this are left to the next outbox run rather than held inline.
_INLINE_WAIT = 2.0


@dataclass(frozen=True, slots=True)
class Outcome:
    state: str  # "done", "failed" or "pending"
    result: str
    card_ref: str = ""


class Performer:
    """Performs effects through the platforms it has; others stay queued."""

    def __init__(
        self,
        platforms: Mapping[str, Platform],
        cards: Callable[[str], Awaitable[tuple[ReviewCard, str]]],
        *,
        max_attempts: int = 5,
        retry_base: float = 0.25,
    ) -> None:
        self._platforms = platforms
        self._cards = cards  # case id -> (its card now, the posted card's ref)
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self.counts: Counter[str] = Counter()

    async def perform(self, effect: Effect) -> list[Op]:
        """Carry ``effect`` out (with short inline retries); the ops recording how it ended."""
        outcome = await self._attempt(effect)
        self.counts[f"{effect.kind.value}:{outcome.state}"] += 1
        ops: list[Op] = [
            Finish(effect.id, outcome.state, "" if outcome.state == "done" else outcome.result)
        ]
        if outcome.card_ref:
            ops.append(UpdateCase(effect.case_id, (("card_ref", outcome.card_ref),)))
        if effect.kind is Action.DELETE and outcome.state == "done" and not effect.dry_run:
            ops.append(UpdateCase(effect.case_id, (("removed", True),)))
        if outcome.state != "pending":
            ops.append(Audit(_record(effect, outcome.result)))
        return ops

    async def _attempt(self, effect: Effect) -> Outcome:
        if effect.dry_run and effect.kind not in (Action.POST_CARD, Action.UPDATE_CARD):
            return Outcome("done", "dry run: recorded, not performed")
        platform = self._platforms[effect.platform]
        budget = platform.max_attempts if isinstance(platform, EffectSink) else self._max_attempts
        attempts = effect.attempts
        while True:
            attempts += 1
            try:
                ref = await self._call(platform, effect)
            except PlatformError as exc:
                if effect.kind is Action.DELETE and exc.gone:
                    return Outcome("done", "gone: already deleted")
                if exc.impossible or attempts >= budget:
                    log.warning("effect %s %s failed: %s", effect.kind.value, effect.id, exc)
                    return Outcome("failed", f"failed: {exc}")
                wait = exc.retry_after or self._retry_base * 2 ** (attempts - 1)
                if wait > _INLINE_WAIT:
                    return Outcome("pending", f"retry later: {exc}")
                await asyncio.sleep(wait)
            except InputError as exc:
                return Outcome("failed", f"failed: {exc}")
            else:
                return Outcome("done", "done", ref)

    async def _call(self, platform: Platform, effect: Effect) -> str:
        if isinstance(platform, EffectSink):
            await self._deliver(platform, effect)
            return ""
        chat, sender, kind = effect.chat, effect.sender, effect.kind
        if kind is Action.POST_CARD:
            card, _ = await self._cards(effect.case_id)
            return await platform.post_card(card)
        if kind is Action.UPDATE_CARD:
            card, ref = await self._cards(effect.case_id)
            if ref:
                await platform.update_card(ref, card)
            return ""
        if kind is Action.ALERT:
            await platform.alert_reviewers(effect.text)
        elif kind in (Action.DM, Action.REPLY) and sender is not None:
            await platform.send_dm(sender, effect.text)
        elif chat is None:
            raise InputError(f"{kind.value} effect without a chat")
        elif kind is Action.DELETE:
            await platform.delete_messages(chat, effect.message_ids)
        elif kind is Action.NOTICE:
            await platform.post_notice(chat, effect.text)
        elif kind is Action.RESTORE:
            await platform.restore(chat, effect.text, effect.media)
        elif sender is None:
            raise InputError(f"{kind.value} effect without a sender")
        else:
            await _SANCTIONS[kind](platform, chat, sender)
        return ""

    async def _deliver(self, sink: EffectSink, effect: Effect) -> None:
        card = None
        if effect.kind in (Action.POST_CARD, Action.UPDATE_CARD):
            card, _ = await self._cards(effect.case_id)
        await sink.deliver(effect, card)


_SANCTIONS = {
    Action.RESTRICT: lambda p, c, s: p.restrict(c, s),
    Action.BAN: lambda p, c, s: p.ban(c, s),
    Action.LIFT_SANCTION: lambda p, c, s: p.lift_sanction(c, s),
}


def _record(effect: Effect, result: str) -> AuditRecord:
    chat, sender = effect.chat, effect.sender
    return AuditRecord(
        kind="action",
        platform=effect.platform,
        chat_id=chat.id if chat else "",
        message_id=" ".join(effect.message_ids),
        sender_id=sender.id if sender else "",
        action=effect.kind.value,
        result=result,
        case_id=effect.case_id,
    )
