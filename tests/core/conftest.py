"""The core suite runs against both backends: every test here that takes
``db_url`` (or ``store``) runs once on SQLite and once on PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_of
from tests.pg import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A store already at the current schema (a copy of one migrated once)."""
    if request.param == "sqlite":
        yield copy_of(sqlite_template, tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.migrated_database()
    yield url
    server.drop(url)
