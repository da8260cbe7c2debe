"""The SQL store: one code path (SQLAlchemy Core) for every backend.

``SqlStore`` implements ``core.ports.Store``; its table groups live in sibling
modules so each stays one job.
"""

from sqlalchemy.ext.asyncio import AsyncEngine

from core.ports import Clock
from core.store.audit_sql import AuditTables
from core.store.banks_sql import BankTables
from core.store.cases_sql import CaseTables
from core.store.settings_sql import SettingsTables
from core.store.users_sql import UserTables

__all__ = ["SqlStore"]


class SqlStore(BankTables, CaseTables, AuditTables, SettingsTables, UserTables):
    """Implements ``core.ports.Store`` over an SQLAlchemy async engine."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
