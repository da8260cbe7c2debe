"""The worker processes that hash media, with a deadline per job and a pool that
survives its workers' deaths.

Decoding untrusted media is where an attacker spends our CPU and memory, so
every job is bounded twice: ``core.media.decode`` stops an animation's walk at the
soft deadline (``MediaLimits.max_hash_seconds``) and reports what it had; a job
still running a grace period later (inside FFmpeg, say) has its worker killed,
and the item is answered with its exact digests and an error, never a stalled
queue. A pool whose worker died (out-of-memory kill, native crash) is replaced,
and each job it lost is tried once more on the new pool.
"""

import asyncio
import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.media.decode import MediaLimits
from core.media.hashing import digest_stream, hash_media
from core.model import MediaSignals

__all__ = ["HashingPool", "stop_workers"]

log = logging.getLogger(f"blockfirst.{__name__}")

_GRACE_SECONDS = 10.0
_CHUNK = 1 << 20


class HashingPool:
    """``await pool.hash(data)``: ``hash_media`` in a worker process, bounded in time.

    ``counts`` holds ``timeout`` (jobs past the deadline), ``worker_died`` (jobs
    lost with a broken pool) and ``restart`` (pools replaced), for ``/metrics``.
    """

    def __init__(
        self,
        limits: MediaLimits,
        executor: Executor | None = None,
        *,
        workers: int | None = None,
        job: Callable[[bytes, MediaLimits], MediaSignals] = hash_media,
        grace: float = _GRACE_SECONDS,
    ) -> None:
        self._limits = limits
        self._job = job
        self._executor = executor
        self._owned = executor is None
        self._workers = workers or os.cpu_count() or 1
        self._deadline = limits.max_hash_seconds + grace
        # At most one job a worker in the pool: the deadline then measures a job's
        # own run, never its wait behind others (which would kill a busy pool).
        self._slots = asyncio.Semaphore(self._workers)
        self.counts: Counter[str] = Counter()

    async def hash(self, data: bytes) -> MediaSignals:
        async with self._slots:
            return await self._hash(data)

    async def _hash(self, data: bytes) -> MediaSignals:
        for attempt in range(2):
            executor = self._current()
            future = executor.submit(self._job, data, self._limits)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), self._deadline)
            except TimeoutError:
                self.counts["timeout"] += 1
                log.warning("a hashing job ran past %.0f s; its worker is stopped", self._deadline)
                self._replace(executor, kill=True)
                return await _digests(data, f"hashing took over {self._deadline:.0f} s")
            except BrokenProcessPool:
                self.counts["worker_died"] += 1
                log.warning("a hashing worker died (attempt %d of 2)", attempt + 1)
                self._replace(executor)
        return await _digests(data, "the hashing worker died twice on this file")

    def close(self) -> None:
        if self._owned and self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = None

    def _current(self) -> Executor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(self._workers, mp_context=context)
            self._owned = True
        return self._executor

    def _replace(self, broken: Executor, *, kill: bool = False) -> None:
        """Drop ``broken`` (killing its workers if asked); the next job starts a new
        pool. Jobs that shared it fail with ``BrokenProcessPool`` and are retried."""
        if self._executor is not broken:
            return  # another job replaced it already
        self.counts["restart"] += 1
        if kill:
            stop_workers(broken)
        if self._owned:
            broken.shutdown(wait=False, cancel_futures=True)
        self._executor = None


def stop_workers(executor: Executor) -> None:
    """Kill a process pool's workers now: the executor offers no way to stop a
    running job, and its worker processes are the only handle (a private
    attribute, stable since Python 3.2). Other executors are left alone."""
    if isinstance(executor, ProcessPoolExecutor):
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()


async def _digests(data: bytes, reason: str) -> MediaSignals:
    """The exact digests alone, computed off the event loop."""
    chunks = (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))
    return await asyncio.to_thread(digest_stream, chunks, reason)
