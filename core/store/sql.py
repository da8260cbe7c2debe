"""The SQL store: one code path (SQLAlchemy Core) for every backend.

``SqlStore`` implements ``core.ports.Store``; its table groups live in sibling
modules so each stays one job.
"""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.ports import Clock
from core.store.audit_sql import AuditTables
from core.store.bank_follow_sql import BankFollowing
from core.store.banks_sql import BankTables
from core.store.base import storage_errors
from core.store.cases_sql import CaseTables
from core.store.entry_stats_sql import EntryStatsTables
from core.store.leases_sql import LeaseTables
from core.store.recent_sql import RecentTables
from core.store.settings_sql import SettingsTables
from core.store.tokens_sql import TokenTables
from core.store.transactions import Transactions
from core.store.users_sql import UserTables

__all__ = ["SqlStore"]


class SqlStore(
    BankTables,
    EntryStatsTables,
    BankFollowing,
    CaseTables,
    AuditTables,
    SettingsTables,
    UserTables,
    TokenTables,
    LeaseTables,
    RecentTables,
):
    """Implements ``core.ports.Store`` over an SQLAlchemy async engine."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._leases: dict[str, AsyncConnection] = {}
        self._transactions = Transactions(engine)

    async def close(self) -> None:
        await super().close()  # the leases
        await self._transactions.close()

    async def schema_revision(self) -> str:
        """The Alembic revision the database is at."""
        with storage_errors("reading the schema revision"):
            async with self._engine.connect() as conn:
                query = sa.text("SELECT version_num FROM alembic_version")
                return str(await conn.scalar(query))
