"""What every collaborator of the Moderator shares: the store, the clock, the batched
writer, the matcher and the configuration (one record, built once)."""

from dataclasses import dataclass

from core.engine_config import EngineConfig
from core.journal import GroupCommit
from core.matcher import Matcher
from core.ports import Clock, Store

__all__ = ["EngineParts"]


@dataclass(frozen=True, slots=True)
class EngineParts:
    store: Store
    clock: Clock
    journal: GroupCommit
    matcher: Matcher
    config: EngineConfig
