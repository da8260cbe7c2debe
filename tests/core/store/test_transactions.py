"""``Transactions``: a write in one trip (SQLite: the store's write thread), a read
on a connection of its own; on PostgreSQL both on the event loop via run_sync."""

import asyncio
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from core.store import SqlStore
from core.store.schema import cursors
from core.store.transactions import Transactions


def _save(conn: sa.Connection, name: str, position: int) -> str:
    conn.execute(sa.insert(cursors).values(name=name, position=position))
    return threading.current_thread().name


def _save_then_fail(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.insert(cursors).values(name=name, position=1))
    raise ValueError("after the insert")


def _position(conn: sa.Connection, name: str) -> tuple[int | None, str]:
    found = conn.scalar(sa.select(cursors.c.position).where(cursors.c.name == name))
    return found, threading.current_thread().name


async def test_a_write_commits_whole_or_not_at_all(store: SqlStore, db_url: str) -> None:
    transactions = Transactions(store._engine)
    try:
        thread = await transactions.run(_save, "a", 7)
        with pytest.raises(ValueError, match="after the insert"):
            await transactions.run(_save_then_fail, "b")
        position, reader = await transactions.read(_position, "a")
    finally:
        await transactions.close()
    assert position == 7
    assert await store.cursor("a") == 7  # seen by the store's own connections
    assert await store.cursor("b") is None  # rolled back
    if db_url.startswith("sqlite"):  # off the event loop, writes in their own thread
        assert thread.startswith("blockfirst-writes")
        assert reader.startswith("blockfirst-reads")
    else:
        assert thread == reader == threading.current_thread().name


async def test_writes_from_many_tasks_each_land_once(store: SqlStore) -> None:
    transactions = Transactions(store._engine)
    try:
        await asyncio.gather(*(transactions.run(_save, f"k{i}", i) for i in range(40)))
    finally:
        await transactions.close()
    assert [await store.cursor(f"k{i}") for i in range(40)] == list(range(40))


def _thread(conn: sa.Connection) -> str:
    conn.execute(sa.text("SELECT 1"))
    return threading.current_thread().name


async def test_a_memory_database_is_used_through_the_engines_connections() -> None:
    """A second engine's connection to ``:memory:`` would be another, empty database."""
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    transactions = Transactions(engine)
    try:
        assert await transactions.run(_thread) == threading.current_thread().name
    finally:
        await transactions.close()
        await engine.dispose()
