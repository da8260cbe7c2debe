"""Store implementations behind ``core.ports.Store``; SQL lives only in this package."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from core.errors import ConfigError, StorageError
from core.ports import Clock, SystemClock
from core.store.sql import SqlStore

__all__ = ["DEFAULT_URL", "SqlStore", "open_store"]

DEFAULT_URL = "sqlite:///blockfirst.db"
_MIGRATIONS = Path(__file__).parent / "migrations"


def _driver_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"storage URL {url!r} has no scheme; e.g. {DEFAULT_URL}")
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        if not rest.startswith("/"):
            raise ConfigError(f"storage URL {url!r}: write sqlite:///relative.db or sqlite:////abs")
        return f"sqlite+aiosqlite://{rest}"
    raise ConfigError(f"storage URL {url!r}: only sqlite:/// is supported in this version")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _upgrade(sync_conn: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "head")


@asynccontextmanager
async def open_store(url: str = DEFAULT_URL, clock: Clock | None = None) -> AsyncIterator[SqlStore]:
    """Open (creating and migrating as needed) the store at ``url``."""
    engine = create_async_engine(_driver_url(url), connect_args={"timeout": 30})
    sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    try:
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_upgrade)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot open store {url!r}: {exc}") from exc
        yield SqlStore(engine, clock or SystemClock())
    finally:
        await engine.dispose()
