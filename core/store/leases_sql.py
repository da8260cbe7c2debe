"""Roles only one process may hold at a time (the deadline sweeper).

On PostgreSQL a role is a session advisory lock taken on a connection kept for
it: a holder that dies, even by kill -9, drops its connection and the lock with
it, and the next process to ask takes over. SQLite serves one host; every
process there may hold every role.
"""

import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import InputError

__all__ = ["ROLES", "LeaseTables"]

log = logging.getLogger(f"blockfirst.{__name__}")

ROLES = {"sweeper": 0x62660010, "retroaction": 0x62660011}


class LeaseTables:
    """The role part of ``SqlStore``."""

    _engine: AsyncEngine
    _leases: dict[str, AsyncConnection]

    async def lead(self, role: str) -> bool:
        """Whether this store holds ``role`` now (taking it if it is free)."""
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}")
        if self._engine.dialect.name != "postgresql":
            return True
        held = self._leases.get(role)
        if held is not None:
            try:
                await held.execute(sa.text("SELECT 1"))
                await held.commit()
                return True
            except sa.exc.SQLAlchemyError:
                log.warning("lost the %s lock with its connection", role)
                del self._leases[role]
                await _close_quietly(held)
        return await self._take(role)

    async def _take(self, role: str) -> bool:
        try:
            conn = await self._engine.connect()
        except sa.exc.SQLAlchemyError:
            return False
        try:
            taken = await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(ROLES[role])))
            await conn.commit()  # the session keeps the lock; no transaction stays open
        except sa.exc.SQLAlchemyError:
            taken = False
        if taken:
            self._leases[role] = conn
            log.info("this process is the %s now", role)
            return True
        await _close_quietly(conn)
        return False

    async def close(self) -> None:
        """Give up every role (closing a lock's connection releases it)."""
        for conn in self._leases.values():
            await _close_quietly(conn)
        self._leases.clear()


async def _close_quietly(conn: AsyncConnection) -> None:
    """Close the connection itself, not back into the pool, where a session lock
    would live on."""
    try:
        await conn.invalidate()
        await conn.close()
    except sa.exc.SQLAlchemyError:
        log.debug("closing a lock connection failed", exc_info=True)
