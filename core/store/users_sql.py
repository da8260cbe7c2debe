"""Dashboard accounts in SQL."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.accounts import User
from core.errors import InputError
from core.store.base import storage_errors
from core.store.codec import user_from_row
from core.store.schema import users

__all__ = ["UserTables"]


class UserTables:
    """The account part of ``SqlStore``."""

    _engine: AsyncEngine

    async def add_user(self, user: User) -> None:
        """Create an account; an existing name is refused (``InputError``)."""
        if await self.get_user(user.name) is not None:
            raise InputError(f"account {user.name!r} exists; change its password instead")
        row = {
            "name": user.name,
            "role": user.role.value,
            "password_hash": user.password_hash,
            "created_at": user.created_at,
            "created_by": user.created_by,
        }
        with storage_errors("adding an account"):
            async with self._engine.begin() as conn:
                await conn.execute(sa.insert(users), [row])

    async def get_user(self, name: str) -> User | None:
        with storage_errors("reading an account"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(sa.select(users).where(users.c.name == name))).first()
        return user_from_row(row._mapping) if row else None

    async def list_users(self) -> list[User]:
        with storage_errors("listing accounts"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(sa.select(users).order_by(users.c.name))).all()
        return [user_from_row(r._mapping) for r in rows]

    async def set_password(self, name: str, password_hash: str) -> bool:
        """Replace an account's password hash (ending its sessions); False if no such account."""
        stmt = sa.update(users).where(users.c.name == name).values(password_hash=password_hash)
        with storage_errors("changing a password"):
            async with self._engine.begin() as conn:
                return bool((await conn.execute(stmt)).rowcount)

    async def end_sessions(self, name: str, at: datetime) -> bool:
        """End every session of an account (it signed out); False if no such account."""
        stmt = sa.update(users).where(users.c.name == name).values(signed_out_at=at)
        with storage_errors("signing out"):
            async with self._engine.begin() as conn:
                return bool((await conn.execute(stmt)).rowcount)

    async def set_preferences(self, name: str, language: str, timezone: str) -> bool:
        """An account's language and time zone ('' for the default); False if no such
        account."""
        stmt = sa.update(users).where(users.c.name == name)
        with storage_errors("saving preferences"):
            async with self._engine.begin() as conn:
                result = await conn.execute(stmt.values(language=language, timezone=timezone))
        return bool(result.rowcount)

    async def remove_user(self, name: str) -> bool:
        with storage_errors("removing an account"):
            async with self._engine.begin() as conn:
                result = await conn.execute(sa.delete(users).where(users.c.name == name))
        return bool(result.rowcount)
