"""The engine's standing work: deadlines, the outbox, and following the banks.

Each runs as a loop in ``blockfirst run``; a round that fails is logged and
the next one goes ahead.
"""

import asyncio
import logging

from core.engine.outbox import Outbox
from core.engine.retro import Retroaction
from core.engine.reviews import Reviews
from core.errors import BlockfirstError
from core.matching.loader import follow_changes
from core.matching.matcher import Matcher
from core.matching.snapshot import IndexSnapshots
from core.ports import Store

__all__ = ["Upkeep"]

log = logging.getLogger(f"blockfirst.{__name__}")


class Upkeep:
    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        outbox: Outbox,
        reviews: Reviews,
        *,
        snapshots: IndexSnapshots | None = None,
        retro: Retroaction | None = None,
    ) -> None:
        self._store = store
        self._matcher = matcher
        self._outbox = outbox
        self._reviews = reviews
        self._snapshots = snapshots
        self._retro = retro
        self._reached_back = False  # once at start: changes made while this was down

    async def follow_banks(self) -> int:
        """Apply bank changes made since the last call (here, by the CLI, the dashboard
        or another process) to the matcher, without rebuilding it; then, if it is far
        enough ahead of the index snapshot, write that again in the background."""
        applied = await follow_changes(self._store, self._matcher)
        if self._snapshots is not None:
            self._snapshots.refresh(self._matcher)
        return applied

    async def snapshot_written(self) -> None:
        """Until the index snapshot being written, if any, is on disk."""
        if self._snapshots is not None:
            await self._snapshots.wait()

    async def follow(self, every: float = 2.0) -> None:
        """Until cancelled: follow bank changes every ``every`` seconds."""
        while True:
            try:
                applied = await self.follow_banks()
                retro = self._retro
                if retro is not None and (applied or retro.pending or not self._reached_back):
                    self._reached_back = True  # (at start: changes made while down)
                    retro.poke()  # entries listed since may match earlier posts
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
                    await self._reviews.sweep_deadlines()
                    if self._retro is not None:
                        await self._retro.purge()
                await self._outbox.run()
            except BlockfirstError:
                log.exception("maintenance round failed; retrying in %s s", every)
            await asyncio.sleep(every)
