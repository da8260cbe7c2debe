"""Matches that reach back: an entry listed today finds yesterday's copies.

Every message nothing matched goes into the **recent-content log** (``LogRecent``,
written by ``Messages``): where it is (platform, chat, message and sender ids) and,
per media item or link, the values it is matched on (its hashes without their
mirrored variants, the canonical link's queries): never media, never its text.
The log is kept ``recent_days`` and at most ``recent_max_items`` rows, purged by the
sweeper.

``Retroaction`` follows the bank changes (adds, entries enabled or trusted again, a
reviewer's confirmation banking a case's signals: each is an ``add``) from a stored
position. For the block entries they made live it searches the log (exact values by
lookup; Hamming hashes through an index of the log's hashes, one query per new
entry), checks each message found with the live matcher (so thresholds, allow rules,
shadow and quarantine hold as for a live match), and acts through the same path as a
live match, once per message (its own processed key). The position moves on only
after; a process killed in the middle does it again, and the keys keep it once.

Telegram lets a bot delete a group message only within 48 hours of its sending:
an older match opens a review case saying a person must remove it. Discord has no
such limit. One process does this at a time (the ``retroaction`` role).
"""

import asyncio
import logging
from array import array
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from typing import TYPE_CHECKING

from core.banks import BankChange
from core.errors import BlockfirstError
from core.links import Link, link_queries
from core.matching.matcher import Matcher, nearest_matches
from core.model import MediaSignals, RecentItem, Signal
from core.ports import Store
from core.signals import SIGNAL_TYPES
from core.signals.indexes import SignalIndex
from core.writes import LogRecent

if TYPE_CHECKING:
    from core.engine.messages import Messages
    from core.engine.parts import EngineParts

__all__ = ["REACHED_BACK", "RecentLog", "Retroaction", "recent_link", "recent_values"]

log = logging.getLogger(f"blockfirst.{__name__}")

REACHED_BACK = "found after it was posted, by an entry listed since"
# How long after its sending a platform lets a bot delete a message.
DELETABLE_FOR = {"telegram": timedelta(hours=48)}
_PAGE = 20_000
_CHANGES = 500
# The log is written in batches, at most this long after a message (a crash loses
# at most that much of it); a bank change is reached back with only once every
# process has had time to follow it and write what it logged before.
FLUSH_SECONDS = 1.0
_FLUSH_ROWS = 2000
_MAX_PENDING = 100_000


def _at(change: BankChange) -> datetime:
    at = change.at or datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def recent_values(media: MediaSignals) -> dict[str, tuple[str, ...]]:
    """What the log keeps of a media item: its exact values, and its perceptual
    hashes as computed (not their mirrored or rotated variants)."""
    plain = {s.signal_type: s.value for s in media.signals}
    kept: dict[str, tuple[str, ...]] = {}
    for type_name, values in media.queries.items():
        signal_type = SIGNAL_TYPES.get(type_name)
        if signal_type is None or not signal_type.reaches_back:
            continue
        if signal_type.exact:
            kept[type_name] = tuple(values)
        elif plain.get(type_name) in values:
            kept[type_name] = (plain[type_name],)
    return kept


def recent_link(link: Link) -> Mapping[str, tuple[str, ...]]:
    """What the log keeps of a link: what it is looked up by (canonical, no text)."""
    return link_queries(link)


class RecentLog:
    """The log's writer: messages nothing matched, written in batches (one
    transaction a second, not one per message: logging costs a live message
    nothing it waits for). While the store cannot be written, at most
    ``_MAX_PENDING`` messages wait; the oldest go first."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: deque[LogRecent] = deque(maxlen=_MAX_PENDING)
        self._task: asyncio.Task[None] | None = None
        self._dropped = 0

    def add(self, entry: LogRecent) -> None:
        if len(self._pending) == _MAX_PENDING:  # the store is down: bounded memory
            self._dropped += 1
        self._pending.append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._later(), name="bf-recent-log")

    async def _later(self) -> None:
        """Write a second from now; while writing fails, again a second later."""
        while self._pending:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    async def flush(self) -> bool:
        """Write what is pending now; False if the store refused (logged; the rows
        wait for the next try)."""
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(_FLUSH_ROWS, len(self._pending)))]
            try:
                await self._store.log_recent(batch)
            except BlockfirstError as exc:
                self._pending.extendleft(reversed(batch))
                log.warning("recent-content log not written (%s); trying again", exc)
                return False
        if self._dropped:
            log.warning("recent-content log: %d message(s) dropped unwritten", self._dropped)
            self._dropped = 0
        return True

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self.flush()


class _LogSearch:
    """One search of the log for new entries: exact values looked up as the log is
    read; Hamming hashes indexed page by page (as bytes: a million logged pictures
    cost ~100 MB here), then searched once per entry."""

    def __init__(self, entries: Mapping[str, set[str]]) -> None:
        self._entries = entries
        self._rows: set[int] = set()  # log rows found so far
        self._indexes: dict[str, SignalIndex] = {}
        self._owners: dict[str, array[int]] = defaultdict(lambda: array("q"))

    def read(self, page: Sequence[tuple[int, list[dict[str, list[str]]]]]) -> None:
        hashes: dict[str, list[str]] = defaultdict(list)
        for row_id, items in page:
            for item in items:
                for type_name, values in item.items():
                    wanted = self._entries.get(type_name)
                    if wanted is None:
                        continue
                    if SIGNAL_TYPES[type_name].exact:
                        if not wanted.isdisjoint(values):
                            self._rows.add(row_id)
                    else:
                        hashes[type_name] += values
                        self._owners[type_name].extend([row_id] * len(values))
        for type_name, values in hashes.items():
            if type_name not in self._indexes:
                self._indexes[type_name] = SIGNAL_TYPES[type_name].index()
            self._indexes[type_name].add(values, seal=False)

    def found(self, matcher: Matcher) -> list[int]:
        """The log rows found: exact hits, and hashes within the widest band any live
        bank sets of a new entry's."""
        for type_name, index in self._indexes.items():
            radius = matcher.widest(SIGNAL_TYPES[type_name])
            if radius < 0:
                continue
            index.seal()
            owners = self._owners[type_name]
            hits = index.search(sorted(self._entries[type_name]), radius)
            self._rows.update(owners[hit.id] for hit in hits)
        return sorted(self._rows)


class Retroaction:
    """Reaches back with each bank change, in the background (see the module)."""

    def __init__(self, parts: "EngineParts", messages: "Messages", recent_log: RecentLog) -> None:
        self._store = parts.store
        self._clock = parts.clock
        self._matcher = parts.matcher
        self._config = parts.config
        self._messages = messages
        self._log = recent_log
        self._task: asyncio.Task[int] | None = None
        self._running = asyncio.Lock()  # one run at a time in this process
        self.acted = 0  # messages acted on since start
        self.pending = False  # changes not yet settled were left for a later run

    async def start(self) -> None:
        """Where reaching back starts, the first time a process keeps the log: its
        matcher's version (changes made before the log existed have nothing in it
        to find)."""
        if self._config.recent_days and await self._store.cursor("retroaction") is None:
            await self._store.set_cursor("retroaction", self._matcher.version)

    def poke(self) -> None:
        """Reach back in the background if there may be something new and no run is on."""
        if self._config.recent_days and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._logged_run(), name="bf-retroaction")

    async def wait(self) -> None:
        """Until the run in the background, if any, is over."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def purge(self) -> int:
        """Forget logged messages past the window or the size bound; how many."""
        if not self._config.recent_days:
            return 0
        before = self._clock.now() - timedelta(days=self._config.recent_days)
        forgotten = await self._store.purge_recent(before, self._config.recent_max_items)
        if forgotten:
            log.info("recent-content log: %d message(s) past the window forgotten", forgotten)
        return forgotten

    async def _logged_run(self) -> int:
        try:
            return await self.run()
        except Exception:
            log.exception("reaching back failed; the next bank change tries again")
            return 0

    async def run(self) -> int:
        """Reach back with the bank changes since the stored position that this
        process's matcher has applied; how many messages were acted on."""
        if not self._config.recent_days or not await self._store.lead("retroaction"):
            return 0
        async with self._running:
            await self._log.flush()  # what this process logged is in the store
            return await self._run()

    async def _run(self) -> int:
        acted = 0
        while True:
            position = await self._store.cursor("retroaction")
            if position is None:
                await self.start()
                continue
            changes = await self._store.bank_changes(position, limit=_CHANGES)
            ready = self._settled(changes)
            self.pending = len(ready) < len(changes)  # to try again on the next round
            changes = ready
            if not changes:
                return acted
            entries = await self._entries(changes)
            if entries:
                acted += await self._reach(entries)
            await self._store.set_cursor("retroaction", changes[-1].id)

    def _settled(self, changes: Sequence[BankChange]) -> list[BankChange]:
        """The first of ``changes`` that this process's matcher has applied and that
        every process has had time to follow (``retro_settle``)."""
        settled = self._clock.now() - self._config.retro_settle
        version = self._matcher.version
        return [*takewhile(lambda c: c.id <= version and _at(c) <= settled, changes)]

    async def _entries(self, changes: Sequence[BankChange]) -> dict[str, set[str]]:
        """The values, by signal type, of block entries these changes made live in a
        live (not shadow) bank, and that are not quarantined."""
        found: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            bank = self._matcher.bank(change.bank)
            if bank is None or bank.shadow:
                continue
            ids: Sequence[int] = change.entry_ids
            if change.kind == "quarantine":  # trusted again acts again; quarantined does not
                ids = sorted((await self._store.entry_standing(change.entry_ids))[1])
                if not ids:
                    continue
            elif change.kind not in ("add", "status"):
                continue
            rows = await self._store.entries_by_id(
                change.bank, change.first or 0, change.last or 0, ids
            )
            for entry_id, type_name, value, allow, active in rows:
                signal_type = SIGNAL_TYPES.get(type_name)
                if not active or allow or signal_type is None or not signal_type.reaches_back:
                    continue
                if entry_id not in self._matcher.quarantined:
                    found[type_name].add(value)
        return found

    async def _reach(self, entries: Mapping[str, set[str]]) -> int:
        """Act on every logged message in the window that matches one of ``entries``."""
        since = self._clock.now() - timedelta(days=self._config.recent_days)
        search = _LogSearch(entries)
        after = 0
        while page := await self._store.recent_values(since, after=after, limit=_PAGE):
            after = page[-1][0]
            search.read(page)
        acted = 0
        for row in await self._store.recent_by_id(search.found(self._matcher)):
            acted += await self._act(row)
        self.acted += acted
        if acted:
            log.info("reached back: %d earlier message(s) matched entries listed since", acted)
        return acted

    async def _act(self, row: RecentItem) -> int:
        """Act on ``row`` if the live matcher matches it now (once: ``reach_back``)."""
        matches = nearest_matches(m for item in row.items for m in self._matcher.match(item))
        if not matches:
            return 0
        message = row.message
        limit = DELETABLE_FOR.get(message.chat.platform)
        sent = message.sent_at or row.seen_at
        late = ""
        if limit is not None and self._clock.now() - sent > limit:
            late = (
                f"posted over {limit.total_seconds() / 3600:.0f} hours ago: "
                f"{message.chat.platform} no longer lets the bot remove it; a person must"
            )
        signals = tuple(Signal(t, v) for item in row.items for t, vs in item.items() for v in vs)
        handled = await self._messages.reach_back(message, matches, signals, late)
        return 0 if handled.duplicate or handled.case is None else 1
