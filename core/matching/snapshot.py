"""The index snapshot in use: a serving process maps the banks' index from a file
(``core.matching.snapshot_file``) instead of reading and indexing every entry — a
10M-hash bank serves in a second, and processes on one host share one copy of it
in the page cache — and keeps that file close to its matcher.

A snapshot is stamped with the bank change it covers (id, time, bank, kind): a
process uses it only if its store has that very change, then applies the changes
made since, as a running process follows them (``follow_changes``). Any doubt
(another store, a store restored from an older backup, a damaged file) and the
matcher is loaded from the store as if there were no snapshot.

``IndexSnapshots`` writes it: after a load from the store, and again once enough
has changed, in a thread, to a temporary file swapped in atomically; a process
that mapped the old file keeps reading it until it exits.
"""

import asyncio
import logging
import time
from pathlib import Path

from core.matching.loader import follow_changes, load_matcher
from core.matching.matcher import Matcher
from core.matching.snapshot_file import SnapshotError, Stamp, capture, read_header, read_snapshot
from core.ports import BankStore

__all__ = [
    "IndexSnapshots",
    "SnapshotError",
    "load_matcher_mapped",
    "read_snapshot",
    "serving_matcher",
]

log = logging.getLogger(f"blockfirst.{__name__}")

# Rewrite the snapshot once this many bank changes, or this share of entries, were
# applied since it was written, or once it is an hour behind.
_REWRITE_CHANGES = 1000
_REWRITE_SHARE = 20  # a twentieth
_REWRITE_ENTRIES = 10_000
_REWRITE_SECONDS = 3600


async def _stamp(store: BankStore, version: int) -> Stamp | None:
    """The stamp of bank change ``version`` in ``store`` (None: it has no such change)."""
    if version <= 0:
        return None
    changes = await store.bank_changes(version - 1, limit=1)
    if not changes or changes[0].id != version:
        return None
    return Stamp.of(changes[0])


async def serving_matcher(store: BankStore, snapshot: str) -> Matcher:
    """The matcher a serving process starts with: from the snapshot at ``snapshot``
    (a path; "": none) if it can be used, else from the store."""
    if not snapshot:
        return await load_matcher(store)
    started = time.perf_counter()
    matcher, used = await load_matcher_mapped(store, Path(snapshot))
    log.info(
        "%d bank entries ready in %.1f s (%s)",
        len(matcher),
        time.perf_counter() - started,
        f"mapped from {snapshot}" if used else "read from the store",
    )
    return matcher


async def load_matcher_mapped(store: BankStore, path: Path) -> tuple[Matcher, bool]:
    """A matcher over every enabled bank, from the snapshot at ``path`` and the
    changes since if it is this store's, else from the store; and whether the
    snapshot was used."""
    snapshot = None
    try:
        snapshot = read_snapshot(path)
    except FileNotFoundError:
        pass
    except (OSError, SnapshotError) as exc:
        log.warning("index snapshot %s not used (%s); loading the banks from the store", path, exc)
    if snapshot is not None and await _stamp(store, snapshot.stamp.version) != snapshot.stamp:
        log.warning(
            "index snapshot %s is not of this database (or of an older copy of it); "
            "loading the banks from the store",
            path,
        )
        snapshot = None
    if snapshot is None:
        return await load_matcher(store), False
    summaries = await store.list_banks()
    matcher = Matcher.restored((s.bank for s in summaries), snapshot.state)
    matcher.quarantined, matcher.trusted = await store.entry_standing()
    while await follow_changes(store, matcher):
        pass
    return matcher, True


class IndexSnapshots:
    """Keeps the snapshot at ``path`` close to a running matcher: written after a load
    from the store, then again once enough has changed (see the module), by one
    task at a time; another process sharing the file counts as having written it."""

    def __init__(self, store: BankStore, path: Path) -> None:
        self._store = store
        self.path = path
        self._seen: tuple[float, int] | None = None  # the file's (mtime, size) last read
        self._on_disk: tuple[int, int, float] | None = None  # its (version, entries, written)
        self._failed: tuple[int, int, float] | None = None  # the same, of a write that failed
        self._task: asyncio.Task[None] | None = None

    async def save(self, matcher: Matcher) -> int:
        """Write ``matcher``'s snapshot now; its size in bytes (0: nothing to stamp)."""
        stamp = await _stamp(self._store, matcher.version)
        if stamp is None:
            return 0
        header, writer = capture(matcher, stamp)
        started = time.perf_counter()
        size = await asyncio.to_thread(writer.write, header, self.path)
        self._on_disk = (stamp.version, int(header["entries"]), float(header["written"]))
        self._seen = self._stat()
        log.info(
            "index snapshot written: %s, %d entries, %.0f MiB in %.1f s",
            self.path,
            header["entries"],
            size / 2**20,
            time.perf_counter() - started,
        )
        return size

    def due(self, matcher: Matcher) -> bool:
        """Whether the file on disk is far enough behind ``matcher`` to write again."""
        if matcher.version <= 0:
            return False
        on_disk = self._read_disk() or self._failed
        if on_disk is None:
            return True
        version, entries, written = on_disk
        if matcher.version <= version:
            return False
        grown = abs(len(matcher) - entries)
        return (
            matcher.version - version >= _REWRITE_CHANGES
            or grown >= max(_REWRITE_ENTRIES, entries // _REWRITE_SHARE)
            or time.time() - written >= _REWRITE_SECONDS
        )

    def refresh(self, matcher: Matcher) -> None:
        """If due and none is being written: write the snapshot in the background."""
        if (self._task is None or self._task.done()) and self.due(matcher):
            self._task = asyncio.create_task(self._save_logged(matcher), name="bf-snapshot")

    async def wait(self) -> None:
        """Until the snapshot being written (if any) is written."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _save_logged(self, matcher: Matcher) -> None:
        try:
            await self.save(matcher)
        except OSError as exc:  # a full disk, a directory gone: serving goes on
            self._failed = (matcher.version, len(matcher), time.time())  # not again at once
            log.warning("index snapshot %s not written: %s", self.path, exc.strerror or exc)

    def _stat(self) -> tuple[float, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime, st.st_size)

    def _read_disk(self) -> tuple[int, int, float] | None:
        seen = self._stat()
        if seen is None:
            return None
        if seen != self._seen:
            self._seen = seen
            try:
                header = read_header(self.path)
                stamp = header["stamp"]
                self._on_disk = (
                    int(stamp["version"]),
                    int(header["entries"]),
                    float(header["written"]),
                )
            except (OSError, SnapshotError, KeyError, TypeError, ValueError):
                self._on_disk = None
        return self._on_disk
