"""API tokens in SQL: only their hashes; and their use a minute, shared by every
process on the store."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from core.api_tokens import ApiToken
from core.errors import InputError
from core.store import dialect
from core.store.base import storage_errors
from core.store.codec import token_from_row, token_row
from core.store.schema import api_tokens, api_usage

__all__ = ["TokenTables"]


class TokenTables:
    """The API-token part of ``SqlStore``."""

    _engine: AsyncEngine

    async def add_token(self, token: ApiToken) -> None:
        """Keep a new token; a name in use (even revoked: names stay in the audit log
        and on cases) is refused."""
        with storage_errors("adding an API token"):
            async with self._engine.begin() as conn:
                taken = await conn.scalar(
                    sa.select(api_tokens.c.name).where(api_tokens.c.name == token.name)
                )
                if taken is not None:
                    raise InputError(f"a token named {token.name!r} exists (names are not reused)")
                await conn.execute(sa.insert(api_tokens), [token_row(token)])

    async def token_by_hash(self, token_hash: str) -> ApiToken | None:
        query = sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        with storage_errors("reading an API token"):
            async with self._engine.connect() as conn:
                row = (await conn.execute(query)).first()
        return token_from_row(row._mapping) if row else None

    async def list_tokens(self) -> list[ApiToken]:
        with storage_errors("listing API tokens"):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(sa.select(api_tokens).order_by("name"))).all()
        return [token_from_row(r._mapping) for r in rows]

    async def revoke_token(self, name: str, at: datetime) -> bool:
        """Revoke a token at once; False if there is no such live token."""
        stmt = (
            sa.update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        with storage_errors("revoking an API token"):
            async with self._engine.begin() as conn:
                return bool((await conn.execute(stmt)).rowcount)

    async def add_use(self, token: str, minute: int, uses: int) -> int:
        """Add ``uses`` to ``token``'s count for ``minute`` (Unix time // 60); the count
        now, across every process. Minutes before the last are dropped as it goes."""
        with storage_errors("counting API use"):
            async with self._engine.begin() as conn:
                row = {"token": token, "minute": minute, "uses": uses}
                stmt = dialect.upsert(conn, api_usage).values(row)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["token", "minute"],
                    set_={"uses": api_usage.c.uses + stmt.excluded.uses},
                ).returning(api_usage.c.uses)
                count = int((await conn.execute(stmt)).scalar_one())
                await conn.execute(
                    sa.delete(api_usage).where(
                        api_usage.c.token == token, api_usage.c.minute < minute - 1
                    )
                )
        return count
