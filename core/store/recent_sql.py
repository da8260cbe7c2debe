"""The recent-content log in SQL: what a message was matched on (hashes, canonical
links) and where it is, kept for a window; and named positions (``cursors``)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.model import Chat, ChatKind, Message, RecentItem, Sender, SenderKind
from core.store.base import storage_errors
from core.store.codec import utc
from core.store.dialect import upsert
from core.store.schema import cursors, recent_items
from core.writes import LogRecent

__all__ = ["RecentTables"]


_COLUMNS = (
    "platform", "chat_id", "chat_kind", "community", "message_id", "sender_id",
    "sender_kind", "album_id", "sent_at", "seen_at", "items",
)  # fmt: skip
_SQLITE_INSERT = (
    f"INSERT INTO recent_items ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)


def _rows(entries: Sequence[LogRecent], stamp: Any) -> list[tuple[Any, ...]]:
    return [
        (*e[:8], stamp(e.sent_at) if e.sent_at else None, stamp(e.seen_at), e.items)
        for e in entries
    ]


def _item(row: Any) -> RecentItem:
    chat = Chat(row.platform, row.chat_id, ChatKind(row.chat_kind), community=row.community)
    sender = Sender(row.sender_id, SenderKind(row.sender_kind))
    sent_at = utc(row.sent_at)
    message = Message(chat, row.message_id, sender, album_id=row.album_id or None, sent_at=sent_at)
    items = tuple({k: tuple(v) for k, v in item.items()} for item in row.items)
    seen_at = utc(row.seen_at)
    assert seen_at is not None  # NOT NULL
    return RecentItem(row.id, message, items, seen_at)


class RecentTables:
    """The recent-content part of ``SqlStore``."""

    _engine: AsyncEngine

    async def log_recent(self, entries: Sequence[LogRecent]) -> None:
        """Add messages to the log in one transaction, as plain rows (SQLite
        ``executemany``, PostgreSQL ``COPY``): a second's messages cost one write."""
        with storage_errors("writing the recent-content log"):
            async with self._engine.begin() as conn:
                dialect = conn.dialect
                processor = recent_items.c.seen_at.type.dialect_impl(dialect).bind_processor(
                    dialect
                )
                rows = _rows(entries, processor or (lambda moment: moment))
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                if dialect.name == "sqlite":
                    await driver.executemany(_SQLITE_INSERT, rows)
                else:
                    await driver.copy_records_to_table(
                        "recent_items", records=rows, columns=_COLUMNS
                    )

    async def recent_items(
        self, since: datetime, *, after: int = 0, limit: int = 10_000
    ) -> list[RecentItem]:
        """Logged messages seen at or after ``since``, with ids after ``after``, in id
        order (a page; the next starts after the last id)."""
        rows = await self._recent_page(sa.select(recent_items), since, after, limit)
        return [_item(r) for r in rows]

    async def recent_values(
        self, since: datetime, *, after: int = 0, limit: int = 20_000
    ) -> list[tuple[int, list[dict[str, list[str]]]]]:
        """Only the ids and values of logged messages seen at or after ``since``, with
        ids after ``after``, in id order: what a search of the whole log reads."""
        c = recent_items.c
        query = sa.select(c.id, sa.type_coerce(c["items"], sa.Text))
        rows = await self._recent_page(query, since, after, limit)
        # SQLite hands back the text; asyncpg has decoded it already.
        return [(int(r[0]), json.loads(r[1]) if isinstance(r[1], str) else r[1]) for r in rows]

    async def _recent_page(
        self, query: sa.Select[Any], since: datetime, after: int, limit: int
    ) -> Sequence[Any]:
        c = recent_items.c
        query = query.where(c.id > after, c.seen_at >= since).order_by(c.id).limit(limit)
        with storage_errors("reading the recent-content log"):
            async with self._engine.connect() as conn:
                rows: Sequence[Any] = (await conn.execute(query)).all()
        return rows

    async def recent_by_id(self, ids: Sequence[int]) -> list[RecentItem]:
        """The logged messages with these ids (those still kept), in id order."""
        found = []
        with storage_errors("reading the recent-content log"):
            async with self._engine.connect() as conn:
                for start in range(0, len(ids), 1000):
                    chunk = ids[start : start + 1000]
                    query = sa.select(recent_items).where(recent_items.c.id.in_(chunk))
                    rows = await conn.execute(query.order_by(recent_items.c.id))
                    found += [_item(r) for r in rows]
        return found

    async def purge_recent(self, before: datetime, keep: int) -> int:
        """Forget logged messages seen before ``before``, and beyond the newest
        ``keep``; how many were forgotten."""
        c = recent_items.c
        with storage_errors("purging the recent-content log"):
            async with self._engine.begin() as conn:
                gone = await conn.execute(sa.delete(recent_items).where(c.seen_at < before))
                forgotten = int(gone.rowcount or 0)
                newest = await conn.scalar(sa.select(sa.func.max(c.id)))
                if newest is not None:
                    over = await conn.execute(sa.delete(recent_items).where(c.id <= newest - keep))
                    forgotten += int(over.rowcount or 0)
        return forgotten

    async def recent_count(self) -> int:
        query = sa.select(sa.func.count()).select_from(recent_items)
        with storage_errors("reading the recent-content log"):
            async with self._engine.connect() as conn:
                return int(await conn.scalar(query) or 0)

    async def cursor(self, name: str) -> int | None:
        """A named position (None: never set)."""
        query = sa.select(cursors.c.position).where(cursors.c.name == name)
        with storage_errors("reading a position"):
            async with self._engine.connect() as conn:
                position = await conn.scalar(query)
        return None if position is None else int(position)

    async def set_cursor(self, name: str, position: int) -> None:
        with storage_errors("saving a position"):
            async with self._engine.begin() as conn:
                # One statement: two processes saving a new name at once both found
                # nothing to update, and the second insert failed.
                insert = upsert(conn, cursors).values(name=name, position=position)
                await conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=[cursors.c.name], set_={"position": position}
                    )
                )
