"""Store implementations behind ``core.ports.Store``; SQL lives only in this package."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from core.errors import ConfigError, StorageError
from core.ports import Clock, SystemClock
from core.storage_url import DEFAULT_URL
from core.store.sql import SqlStore
from core.store.transactions import sqlite_pragmas

__all__ = [
    "DEFAULT_URL",
    "HEAD_REVISION",
    "MIGRATION_LOCK",
    "SqlStore",
    "driver_url",
    "open_store",
    "redacted",
    "sqlite_path",
]

MIGRATION_LOCK = 0x62660001  # PostgreSQL advisory lock keys: "bf" + a number
# The newest migration (a test holds it equal to alembic's head): a store already
# there opens without loading alembic or reading the migration scripts.
HEAD_REVISION = "0018"
_MIGRATIONS = Path(__file__).parent / "migrations"


def driver_url(url: str) -> str:
    """The SQLAlchemy URL (with its async driver) for a storage URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"storage URL {url!r} has no scheme; e.g. {DEFAULT_URL}")
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        if not rest.startswith("/"):
            raise ConfigError(f"storage URL {url!r}: write sqlite:///relative.db or sqlite:////abs")
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    raise ConfigError(
        f"storage URL {redacted(url)!r}: expected sqlite:///FILE or postgresql://USER@HOST/DB"
    )


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names (None for other stores and in-memory ones)."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("sqlite", "sqlite+aiosqlite") or not rest.startswith("/"):
        return None
    name = rest[1:].split("?", 1)[0]
    return None if name in ("", ":memory:") else Path(name)


def redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.rsplit("@", maxsplit=1)[-1]


def _pool(driver: str) -> dict[str, Any]:
    """Connection pool settings. A SQLite connection is a file and a thread:
    never dropped by a server, so no ping before each use, and enough kept open
    for a burst of messages (SQLAlchemy's default keeps 5 and closes the rest
    on return, and each new one starts a thread and its pragmas). A server's
    connection can die between uses: pinged first."""
    if driver.startswith("sqlite"):
        return {"pool_size": 32, "max_overflow": 32, "pool_pre_ping": False}
    return {"pool_pre_ping": True}


def _upgrade(sync_conn: sa.Connection) -> None:
    from alembic import command  # noqa: PLC0415 (only a store being migrated needs it)
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "head")


async def _at_head(conn: AsyncConnection) -> bool:
    """Whether the store is at the newest migration (a new one has no table yet)."""
    has_table = await conn.run_sync(lambda c: sa.inspect(c).has_table("alembic_version"))
    if not has_table:
        return False
    versions = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
    return list(versions) == [HEAD_REVISION]


@asynccontextmanager
async def open_store(
    url: str = DEFAULT_URL, clock: Clock | None = None, *, create: bool = True
) -> AsyncIterator[SqlStore]:
    """Open (migrating as needed) the store at ``url``; a SQLite file that does not
    exist is created only if ``create`` (a mistyped path must not yield an empty store)."""
    driver = driver_url(url)
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise StorageError(
            f"no database at {path} (is the --db path right? 'blockfirst db migrate' creates one)"
        )
    engine = create_async_engine(driver, connect_args={"timeout": 30}, **_pool(driver))
    if driver.startswith("sqlite"):
        sa.event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    try:
        try:
            async with engine.begin() as conn:
                if not await _at_head(conn):
                    if conn.dialect.name == "postgresql":  # processes starting together
                        await conn.execute(
                            sa.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                        )
                    await conn.run_sync(_upgrade)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StorageError(f"cannot open store {redacted(url)!r}: {exc}") from exc
        store = SqlStore(engine, clock or SystemClock())
        try:
            yield store
        finally:
            await store.close()
    finally:
        await engine.dispose()
