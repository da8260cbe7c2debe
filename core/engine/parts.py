"""What every collaborator of the Moderator shares: the store, the clock, the batched
writer, the matcher and the configuration (one record, built once)."""

from dataclasses import dataclass

from core.engine.config import EngineConfig
from core.engine.group_commit import GroupCommit
from core.matching.matcher import Matcher
from core.ports import Clock, Store

__all__ = ["EngineParts"]


@dataclass(frozen=True, slots=True)
class EngineParts:
    store: Store
    clock: Clock
    commit: GroupCommit
    matcher: Matcher
    config: EngineConfig
