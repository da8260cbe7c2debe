"""Statements whose SQL differs by dialect (SQLite, PostgreSQL)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["insert_ignoring_duplicates", "upsert"]


def insert_ignoring_duplicates(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT, in the connection's dialect (the caller says what to do)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
