"""The core suite runs against both backends: every test here that takes
``db_url`` (or ``store``) runs once on SQLite and once on PostgreSQL."""

from pathlib import Path

import pytest

from tests.pg import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'blockfirst.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()
