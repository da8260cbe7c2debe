"""Statements whose SQL differs by dialect (SQLite, PostgreSQL).

PostgreSQL's constructs are imported when a PostgreSQL connection first asks:
importing them loads every PostgreSQL driver SQLAlchemy knows (~15 ms of each
SQLite command's start).
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["insert_ignoring_duplicates", "upsert"]


def insert_ignoring_duplicates(conn: AsyncConnection | sa.Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the connection's dialect."""
    return upsert(conn, table).on_conflict_do_nothing()


def upsert(conn: AsyncConnection | sa.Connection | str, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT, in the connection's dialect or the one named (the
    caller says what to do)."""
    dialect = conn if isinstance(conn, str) else conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415 (see the module)

        return postgresql.insert(table)
    return sqlite.insert(table)
