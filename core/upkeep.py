"""The Moderator's standing work: deadlines, the outbox, and following the banks.

Each runs as a loop in ``blockfirst run``; a round that fails is logged and
the next one goes ahead.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from core.catalog import follow_changes
from core.effects import Effect
from core.engine_config import EngineConfig
from core.errors import BlockfirstError
from core.matcher import Matcher
from core.ports import Clock, Platform, Store

__all__ = ["Upkeep"]

log = logging.getLogger("core.engine")


class Upkeep:
    """Mixed into ``Moderator``, whose state it shares."""

    _store: Store
    _clock: Clock
    _matcher: Matcher
    _config: EngineConfig
    _platforms: dict[str, Platform]
    _performing: set[str]
    _perform: Callable[[Sequence[Effect]], Awaitable[None]]
    sweep_deadlines: Callable[[], Awaitable[int]]

    async def follow_banks(self) -> int:
        """Apply bank changes made since the last call (here, by the CLI, the dashboard
        or another process) to the matcher, without rebuilding it."""
        return await follow_changes(self._store, self._matcher)

    async def follow(self, every: float = 2.0) -> None:
        """Until cancelled: follow bank changes every ``every`` seconds."""
        while True:
            try:
                await self.follow_banks()
            except BlockfirstError:
                log.exception("following bank changes failed; retrying in %s s", every)
            await asyncio.sleep(every)

    async def maintain(self, every: float = 30.0) -> None:
        """Until cancelled: sweep deadlines (if this process is the sweeper: one at a
        time across processes) and retry pending effects every ``every`` s. A failed
        round is logged and the next one goes ahead."""
        while True:
            try:
                if await self._store.lead("sweeper"):
                    await self.sweep_deadlines()
                await self.run_outbox()
            except BlockfirstError:
                log.exception("maintenance round failed; retrying in %s s", every)
            await asyncio.sleep(every)

    async def run_outbox(self) -> int:
        """Perform effects left pending (by a crash, a retry, the CLI or the dashboard)
        that no other process has claimed, claiming them first."""
        if not self._platforms:
            return 0
        until = self._clock.now() + self._config.outbox_lease
        pending = await self._store.claim_effects(list(self._platforms), until)
        await self._perform([e for e in pending if e.id not in self._performing])
        return len(pending)
