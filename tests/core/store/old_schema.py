"""A SQLite database left at an old schema revision, for the migration tests."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import core.store

__all__ = ["OLD_BANK", "database_at"]

OLD_BANK = sa.text(
    "insert into banks (name, description, action, enabled, thresholds, created_at) "
    "values ('old', '', 'delete', 1, '{}', '2025-01-01 00:00:00')"
)


@contextmanager
def database_at(path: Path, revision: str) -> Iterator[sa.Connection]:
    """``path`` migrated only up to ``revision``, open in a transaction to fill."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            config = Config()
            migrations = Path(core.store.__file__).parent / "migrations"
            config.set_main_option("script_location", str(migrations))
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            yield conn
    finally:
        engine.dispose()
