"""Where the engine gets the signals of a message's media.

A platform file key (Telegram's ``file_unique_id``) banked by a confirmed case
matches without a download; otherwise the signals come from the file-key cache
(memory, then the store), else the platform's bytes hashed in the worker pool,
or, for a file over the decoding limit, its digests computed as it streams in.
A file that cannot be fetched (twice) is logged, counted and audited; the rest
of the message is still checked. The bytes go no further than the hash. A
platform that hashed its file itself (the HTTP API) hands the signals in.
"""

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from cachetools import LRUCache

from core.audit import AuditRecord
from core.engine.metrics import Stats
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.errors import InputError, PlatformError
from core.media.hashing import Digester
from core.media.pool import HashingPool
from core.model import MediaRef, MediaSignals, Signal
from core.ports import Platform
from core.writes import Audit, Op, RememberSignals

__all__ = ["MediaSource"]

log = logging.getLogger(f"blockfirst.{__name__}")

_RECENT_FILES = 4096  # file keys whose signals stay in memory


class MediaSource:
    def __init__(
        self,
        parts: EngineParts,
        platforms: Mapping[str, Platform],
        hashing: HashingPool,
        *,
        stats: Stats,
        outbox: Outbox,
    ) -> None:
        self._store = parts.store
        self._matcher = parts.matcher
        self._config = parts.config
        self._platforms = platforms
        self._hashing = hashing
        self._stats = stats
        self._outbox = outbox  # counts fetch failures beside the effects' endings
        self._recent: LRUCache[str, MediaSignals] = LRUCache(_RECENT_FILES)

    async def signals(
        self, refs: Sequence[MediaRef], platform: str
    ) -> tuple[list[MediaSignals], list[Op]]:
        """Signals of every media item, and the ops that cache the new ones (or audit
        a failed fetch), to be written with the caller's transaction."""
        hashed: list[MediaSignals] = []
        ops: list[Op] = []
        for ref in refs:
            if ref.signals:  # hashed by the platform: nothing to fetch
                queries: dict[str, tuple[str, ...]] = {}
                for signal in ref.signals:
                    queries[signal.signal_type] = (
                        *queries.get(signal.signal_type, ()),
                        signal.value,
                    )
                hashed.append(MediaSignals(ref.signals, queries))
                continue
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
            self._recent[ref.file_key] = cached
            hashed.append(replace(cached, signals=(*cached.signals, key)))
        return hashed, ops

    async def hash(self, data: bytes) -> MediaSignals:
        """Every signal of ``data``, hashed in the pool and timed."""
        started = time.perf_counter()
        try:
            return await self._hashing.hash(data)
        finally:
            self._stats.hashing.observe(time.perf_counter() - started)

    async def _fetch_and_hash(
        self, ref: MediaRef, platform: str, ops: list[Op]
    ) -> MediaSignals | None:
        limit = self._config.limits.max_bytes
        big = ref.size is not None and ref.size > limit
        for attempt in range(2):
            try:
                if big:
                    return await self._digest(ref, platform)
                return await self.hash(await self._platforms[platform].fetch_media(ref, limit))
            except InputError:
                if big:
                    return None  # over even the digest limit: nothing to match on
                big = True  # over the decoding limit after all: its digests still match
            except PlatformError as exc:
                if attempt == 0 and not exc.impossible:
                    await asyncio.sleep(min(exc.retry_after or 0.25, 2.0))
                    continue
                log.warning("could not fetch %s from %s: %s", ref.file_key, platform, exc)
                self._outbox.count("fetch:failed")
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


def _given(signals: tuple[Signal, ...]) -> MediaSignals:
    queries: dict[str, tuple[str, ...]] = {}
    for signal in signals:
        queries[signal.signal_type] = (*queries.get(signal.signal_type, ()), signal.value)
    return MediaSignals(signals, queries)
