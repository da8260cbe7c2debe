"""One write transaction in one trip to the database (``SqlStore.apply``).

SQLAlchemy's aiosqlite adapter hands every step of a statement (make a cursor,
execute, fetch, close) to aiosqlite's thread and wakes the event loop for each
answer: a case's write of 19 statements took 63 such round trips, most of its
time. On a SQLite file the whole transaction instead runs, as plain synchronous
code, on a connection of its own in one thread kept for these writes: one trip
there and back. asyncpg talks to PostgreSQL on the event loop itself, so there
the same function runs through ``run_sync`` on an async connection.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["Transactions", "sqlite_pragmas"]

T = TypeVar("T")


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """What every SQLite connection of the store runs first."""
    cursor = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Transactions:
    """Runs ``fn(connection, *args)``: ``run`` in one transaction, ``read`` on a
    connection of its own. On a SQLite file, in the store's write thread (one, so
    writes wait for each other in the process, not in SQLite) and its two read
    threads, made at first use; elsewhere via ``run_sync``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        url = engine.url
        self._file = url if url.get_backend_name() == "sqlite" else None
        if self._file is not None and url.database in (None, "", ":memory:"):
            self._file = None  # a memory database is one connection's own
        self._sync: sa.Engine | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._call(fn, args, write=True)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._call(fn, args, write=False)

    async def _call(self, fn: Callable[..., T], args: tuple[Any, ...], *, write: bool) -> T:
        if self._file is None:
            async with self._engine.begin() if write else self._engine.connect() as conn:
                return await conn.run_sync(fn, *args)
        writer, readers = self._threads()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(writer if write else readers, self._on, fn, args, write)

    def _threads(self) -> tuple[ThreadPoolExecutor, ThreadPoolExecutor]:
        if self._writer is None or self._readers is None:
            assert self._file is not None
            self._sync = sa.create_engine(
                self._file.set(drivername="sqlite+pysqlite"),
                connect_args={"timeout": 30},  # waits for another writer, as the store does
                pool_size=3,
                max_overflow=0,
            )
            sa.event.listen(self._sync, "connect", sqlite_pragmas)
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="blockfirst-writes")
            self._readers = ThreadPoolExecutor(2, thread_name_prefix="blockfirst-reads")
        return self._writer, self._readers

    def _on(self, fn: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        assert self._sync is not None
        with self._sync.begin() if write else self._sync.connect() as conn:
            return fn(conn, *args)

    async def close(self) -> None:
        """Let the work under way end, then close the threads and their connections."""
        for pool in (self._writer, self._readers):
            if pool is not None:
                await asyncio.to_thread(pool.shutdown)
        self._writer = self._readers = None
        if self._sync is not None:
            self._sync.dispose()
            self._sync = None
