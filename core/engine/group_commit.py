"""Group commit: the ops of every caller waiting at the same moment go into one
transaction, so a burst of messages pays one commit, not one each (aiosqlite
measured here: ~4.6k commits/s one row at a time, ~220k rows/s in 100-row
batches), while each caller still learns only after its writes are durable.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from core.model import Effect
from core.writes import Audit, Enqueue, Op, OpenCase, Written

__all__ = ["Applier", "GroupCommit"]

log = logging.getLogger(f"blockfirst.{__name__}")


def _written(ops: Sequence[Op], results: Sequence[Any]) -> Written:
    case = next((r for op, r in zip(ops, results, strict=True) if isinstance(op, OpenCase)), None)
    queued = tuple(
        kept if isinstance(kept, Effect) else op.effect  # as stored: a joined case's id
        for op, kept in zip(ops, results, strict=True)
        if isinstance(op, Enqueue) and kept
    )
    entries = tuple(r for op, r in zip(ops, results, strict=True) if isinstance(op, Audit))
    return Written(case, queued, entries)


class Applier(Protocol):
    async def apply(self, ops: Sequence[Op]) -> list[Any]: ...


class GroupCommit:
    """Batches concurrent ``submit`` calls into one ``store.apply`` each."""

    def __init__(self, store: Applier) -> None:
        self._store = store
        self._queue: list[tuple[list[Op], asyncio.Future[list[Any]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, ops: Sequence[Op]) -> Written:
        """Apply ``ops`` in one transaction (shared with others); what they did."""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((list(ops), future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="blockfirst-group-commit")
        return _written(ops, await future)

    async def close(self) -> None:
        """Wait for writes already submitted."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        """Commit what is queued, batch after batch, and end when nothing is left
        (no task lingers between bursts)."""
        while self._queue:
            batch, self._queue = self._queue, []
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[list[Op], asyncio.Future[list[Any]]]]) -> None:
        try:
            results = await self._store.apply([op for ops, _ in batch for op in ops])
        except Exception:  # noqa: BLE001 - one caller's bad write must not fail the others
            log.warning("batched write failed; retrying its %d parts one by one", len(batch))
            for ops, future in batch:
                await self._commit_alone(ops, future)
            return
        start = 0
        for ops, future in batch:
            if not future.done():
                future.set_result(results[start : start + len(ops)])
            start += len(ops)

    async def _commit_alone(self, ops: list[Op], future: asyncio.Future[list[Any]]) -> None:
        try:
            result = await self._store.apply(ops)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who sees it raised
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)
