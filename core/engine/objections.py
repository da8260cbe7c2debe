"""Objections: the people a decision affects contest it.

The sender of a removed message, and a reporter whose report was overturned,
may object once to each decision about it, in bounded words, a few times an
hour. An objection opens an appeal case of its own (its own deadline, its own
card) that someone other than the contested decision's maker decides
(``core.cases.apply_decision``); ``Reviews`` carries the outcome over to the
contested case and tells the objector, in their language.
"""

import time
from collections import deque

from cachetools import LRUCache

from core.audit import AuditRecord
from core.cases import Appeal, Case
from core.effects import replies, verdict_effects
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.errors import AuthorisationError, InputError, Said
from core.ids import new_id
from core.model import CaseKind, CaseState, Verdict
from core.texts import say
from core.writes import Audit, Op, OpenCase

__all__ = ["MAX_OBJECTION", "Objections"]

MAX_OBJECTION = 2000  # characters of an objection kept
_PER_HOUR = 5  # objections a person may file an hour (this process)
_KEPT = 10_000  # people whose recent objections are remembered


class Objections:
    def __init__(self, parts: EngineParts, outbox: Outbox) -> None:
        self._store = parts.store
        self._clock = parts.clock
        self._commit = parts.commit
        self._config = parts.config
        self._outbox = outbox
        self._recent: LRUCache[str, deque[float]] = LRUCache(_KEPT)

    async def on_objection(self, case_id: str, objector: str, text: str, language: str) -> Case:
        """Open the appeal case of ``objector``'s objection to case ``case_id``."""
        words = " ".join(text.split())[:MAX_OBJECTION]
        if not words:
            raise InputError("an objection needs its reasons", said=Said("objection_empty"))
        contested = await self._store.get_case(case_id)
        role = await self._standing(contested, objector)
        self._within_limit(objector)
        stamp = contested.decided_at.isoformat() if contested.decided_at else "removal"
        when = int(contested.decided_at.timestamp()) if contested.decided_at else 0
        person = objector.rpartition(":")[2]
        # One appeal case per person per decision (a later decision is a new target).
        target = f"{contested.platform}:appeal:{contested.id}:{when}:{person}"
        earlier = await self._store.cases_about(target)
        if earlier:
            raise InputError(
                f"{objector} already objected to this decision on case {contested.id}",
                said=Said("objection_once", {"case_id": earlier[0].id}),
            )
        now = self._clock.now()
        appeal = Case(
            id=new_id(),
            kind=CaseKind.APPEAL,
            target=target,
            opened_at=now,
            deadline=self._config.deadlines.due(CaseKind.APPEAL, now),
            category=contested.category,
            message=contested.message,
            reasons=(f"objection by the {role} to case {contested.id}: {words}",),
            appeal=Appeal(
                contested.id, objector, role, language, words, contested.decided_by, stamp
            ),
        )
        ack = lambda lang: say("objection_ack", lang, case_id=appeal.id)  # noqa: E731
        effects = verdict_effects(appeal, None, Verdict(), self._config.default_settings, now)
        effects += replies(appeal, [(objector, language)], ack, now)
        record = AuditRecord(
            kind="objection",
            platform=contested.platform,
            actor=objector,
            case_id=appeal.id,
            reason=f"{role} contests case {contested.id} ({stamp}): {words[:300]}",
        )
        ops: list[Op] = [
            OpenCase(appeal),
            *self._outbox.enqueue(effects, opening=True),
            Audit(record),
        ]
        written = await self._commit.submit(ops)
        assert written.case is not None
        await self._outbox.perform(written.queued, written.case)
        return written.case

    async def _standing(self, case: Case, objector: str) -> str:
        """Whether ``objector`` may contest ``case``: as the sender of what it removed,
        or as a reporter whose report it overturned."""
        if case.kind is CaseKind.APPEAL:
            raise InputError("an appeal's outcome is final", said=Said("objection_final"))
        message = case.message
        sender = f"{message.chat.platform}:{message.sender.id}" if message else ""
        if objector == sender and (case.removed or case.state is CaseState.CONFIRMED):
            return "sender"
        if case.state is CaseState.OVERTURNED:
            history = await self._store.case_history(case.id)
            if any(r["reporter"] == objector for r in history["reports"]):
                return "reporter"
        raise AuthorisationError(
            f"{objector} may not object to case {case.id}",
            said=Said("objection_not_yours", {"case_id": case.id}),
        )

    def _within_limit(self, objector: str) -> None:
        now = time.monotonic()
        recent = self._recent.get(objector) or deque()
        while recent and now - recent[0] > 3600:
            recent.popleft()
        if len(recent) >= _PER_HOUR:
            raise InputError(
                f"{objector} objected {_PER_HOUR} times in the last hour",
                said=Said("objection_too_many", {"limit": _PER_HOUR}),
            )
        recent.append(now)
        self._recent[objector] = recent
