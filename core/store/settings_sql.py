"""Per-chat settings, reviewers, processed-update keys and cached media signals in SQL."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.model import MediaSignals
from core.policy import ChatSettings
from core.ports import Clock
from core.store.base import storage_errors
from core.store.codec import media_signals_from_json, settings_from_json, settings_json
from core.store.dialect import insert_ignoring_duplicates
from core.store.schema import chat_settings, media_signals, processed_updates, reviewers
from core.store.transactions import Transactions

__all__ = ["SettingsTables"]


class SettingsTables:
    """The settings part of ``SqlStore``."""

    _engine: AsyncEngine
    _transactions: Transactions
    _clock: Clock

    async def chat_settings(
        self, platform: str, chat_id: str, default: ChatSettings | None = None
    ) -> ChatSettings:
        """The chat's settings; ``default`` (the deployment's policy) where it has none."""
        default = default or ChatSettings()
        query = (
            sa.select(chat_settings.c.settings)
            .where(chat_settings.c.platform == platform)
            .where(chat_settings.c.chat_id == chat_id)
        )
        with storage_errors("reading chat settings"):
            async with self._engine.connect() as conn:
                data = await conn.scalar(query)
        return default if data is None else settings_from_json(data, default)

    async def set_chat_settings(
        self, platform: str, chat_id: str, settings: ChatSettings, by: str
    ) -> None:
        key = {"platform": platform, "chat_id": chat_id}
        values = {
            "settings": settings_json(settings),
            "updated_at": self._clock.now(),
            "updated_by": by,
        }
        with storage_errors("saving chat settings"):
            async with self._engine.begin() as conn:
                where = sa.and_(*(chat_settings.c[k] == v for k, v in key.items()))
                changed = await conn.execute(sa.update(chat_settings).where(where).values(**values))
                if not changed.rowcount:
                    await conn.execute(sa.insert(chat_settings).values(**key, **values))

    async def reviewers(self) -> frozenset[str]:
        with storage_errors("reading reviewers"):
            async with self._engine.connect() as conn:
                return frozenset((await conn.execute(sa.select(reviewers.c.id))).scalars())

    async def add_reviewer(self, reviewer: str, by: str) -> None:
        with storage_errors("adding a reviewer"):
            async with self._engine.begin() as conn:
                insert = insert_ignoring_duplicates(conn, reviewers)
                await conn.execute(
                    insert.values(id=reviewer, added_at=self._clock.now(), added_by=by)
                )

    async def remove_reviewer(self, reviewer: str) -> bool:
        with storage_errors("removing a reviewer"):
            async with self._engine.begin() as conn:
                result = await conn.execute(sa.delete(reviewers).where(reviewers.c.id == reviewer))
        return bool(result.rowcount)

    async def seen(self, update_key: str) -> bool:
        """Whether this platform update was already processed to the end."""
        with storage_errors("reading processed updates"):
            return await self._transactions.read(_seen, update_key)

    async def cached_signals(self, file_key: str) -> MediaSignals | None:
        with storage_errors("reading cached signals"):
            data = await self._transactions.read(_cached, file_key)
        return None if data is None else media_signals_from_json(data)


# Read on every message the engine acts on: one trip each (``Transactions.read``).
_SEEN = sa.select(processed_updates.c.key).where(processed_updates.c.key == sa.bindparam("key"))
_CACHED = sa.select(media_signals.c.signals).where(media_signals.c.file_key == sa.bindparam("key"))


def _seen(conn: sa.Connection, update_key: str) -> bool:
    return conn.scalar(_SEEN, {"key": update_key}) is not None


def _cached(conn: sa.Connection, file_key: str) -> Any:
    return conn.scalar(_CACHED, {"key": file_key})
