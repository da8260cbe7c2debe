"""The engine's outbox: effects are queued in the same transaction as the case that
calls for them, then performed here, and each ending is recorded with its audit
entry. Effects left pending (a crash, a retry, the CLI or the dashboard queued
them) are claimed and performed by ``run``.
"""

from collections.abc import Mapping, Sequence

from core.cases import Case
from core.effects import news_for_a_joined_case
from core.engine.parts import EngineParts
from core.engine.performer import Performer
from core.model import Effect, ReviewCard
from core.ports import Platform
from core.texts import card_for
from core.writes import Enqueue, Op

__all__ = ["Outbox"]


class Outbox:
    """Queues and performs effects on the platforms this process serves.

    ``platforms`` is the Moderator's own mapping: a platform attached later (a
    Discord bot's ``setup_hook``) is served from then on."""

    def __init__(self, parts: EngineParts, platforms: Mapping[str, Platform]) -> None:
        self._store = parts.store
        self._commit = parts.commit
        self._clock = parts.clock
        self._config = parts.config
        self._platforms = platforms
        self._performer = Performer(platforms, self._card, max_attempts=parts.config.max_attempts)
        self._performing: set[str] = set()
        self._fresh: dict[str, Case] = {}  # cases being acted on right after opening

    @property
    def counts(self) -> Mapping[str, int]:
        """Effects by kind and ending (``delete:done``, ``ban:failed``, ...)."""
        return self._performer.counts

    def count(self, key: str) -> None:
        """Count a failure that is not an effect's (``fetch:failed``) with the effects."""
        self._performer.counts[key] += 1

    def enqueue(self, effects: Sequence[Effect], *, opening: bool = False) -> list[Enqueue]:
        """Queue ops for ``effects``; those this process performs itself are claimed
        for the lease, so another process's outbox round leaves them alone.
        ``opening``: the effects of a case opened in the same write, which joins an
        open case if its target has one; then only what is still news is queued."""
        until = self._clock.now() + self._config.outbox_lease
        return [
            Enqueue(
                e,
                until if e.platform in self._platforms else None,
                only_if_new=opening and not news_for_a_joined_case(e),
            )
            for e in effects
        ]

    async def perform(self, effects: Sequence[Effect], case: Case | None = None) -> None:
        """Perform in order; record how they ended in one write. A crash before that
        write leaves them pending, and they are performed (a delete: found gone) again.
        ``case``: just opened, so its card needs no read from the store."""
        mine = [
            e for e in effects if e.platform in self._platforms and e.id not in self._performing
        ]
        self._performing.update(e.id for e in mine)
        if case is not None:
            self._fresh[case.id] = case
        ops: list[Op] = []
        try:
            for effect in mine:
                ops += await self._performer.perform(effect)
        finally:
            if ops:
                await self._commit.submit(ops)
            self._performing.difference_update(e.id for e in mine)
            if case is not None:
                self._fresh.pop(case.id, None)

    async def run(self) -> int:
        """Perform effects left pending that no other process has claimed, claiming them."""
        if not self._platforms:
            return 0
        until = self._clock.now() + self._config.outbox_lease
        pending = await self._store.claim_effects(list(self._platforms), until)
        await self.perform([e for e in pending if e.id not in self._performing])
        return len(pending)

    async def _card(self, case_id: str) -> tuple[ReviewCard, str]:
        case = self._fresh.get(case_id) or await self._store.get_case(case_id)
        card = card_for(case, self._clock.now(), self._config.language, self._config.zone)
        return card, case.card_ref
