"""Review cases: the state machine, deadlines and alerts (pure).

    open ──confirm──▶ confirmed          (final)
      │  ──overturn─▶ overturned         (final)
      └──escalate──▶ escalated ──confirm──▶ confirmed
                          └─────overturn──▶ overturned

Only an authorised reviewer moves a case. The same decision twice is a no-op
(a double-click, a redelivered button press); a different decision after a
final state is refused, except when an appeal reverses it (``overrule``). An
appeal case (an objection) is decided by someone other than whoever made the
decision it contests. One case exists per offending message or album: its
``target`` key says which, and later reports on it join the case. Alerts go
out at 50, 80 and 100 % of the deadline, each once.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.errors import AuthorisationError, InputError, Said
from core.model import CaseKind, CaseState, Decision, Match, Message, Signal
from core.signals import SIGNAL_TYPES
from core.signals.pdq import Pdq

__all__ = [
    "ALERT_LEVELS",
    "Appeal",
    "Case",
    "CaseFilter",
    "apply_decision",
    "case_facts",
    "due_alerts",
    "item_keys",
    "platform_of",
    "target_of",
]

ALERT_LEVELS = (0.5, 0.8, 1.0)

_FINAL = (CaseState.CONFIRMED, CaseState.OVERTURNED, CaseState.SHADOW)
_RESULT = {
    Decision.CONFIRM: CaseState.CONFIRMED,
    Decision.OVERTURN: CaseState.OVERTURNED,
    Decision.ESCALATE: CaseState.ESCALATED,
}


@dataclass(frozen=True, slots=True)
class Appeal:
    """What an appeal case contests: the case, who objects (the removed message's
    sender, or a reporter whose report was overturned), in which language they
    are answered, what they say, and who made the contested decision ("" for an
    automatic removal not yet reviewed)."""

    case_id: str
    objector: str
    role: str  # "sender" or "reporter"
    language: str
    text: str
    contested_by: str = ""
    contested_state: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    kind: CaseKind
    target: str
    opened_at: datetime
    deadline: datetime
    state: CaseState = CaseState.OPEN
    category: str = "other"
    message: Message | None = None  # for restoring an overturned removal; no media bytes
    signals: tuple[Signal, ...] = ()
    matches: tuple[Match, ...] = ()
    reasons: tuple[str, ...] = ()
    removed: bool = False
    dry_run: bool = False
    reports: int = 0
    alerts_sent: int = 0
    card_ref: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    note: str = ""
    appeal: Appeal | None = None  # set on an appeal case
    # The posts the case covers (its item and the copies that joined it while it
    # was open: ``CaseCopy``), and in how many chats.
    copies: int = 1
    copy_chats: int = 1

    @property
    def platform(self) -> str:
        return platform_of(self.target)

    @property
    def is_open(self) -> bool:
        return self.state not in _FINAL

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now >= self.deadline


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases a queue shows; empty fields do not filter."""

    states: tuple[CaseState, ...] = ()
    platform: str = ""
    chat: str = ""  # the chat's id on its platform
    bank: str = ""  # matched this bank
    category: str = ""
    overdue_at: datetime | None = None  # only open cases past their deadline then
    opened: tuple[datetime | None, datetime | None] = (None, None)  # [from, to)


def case_facts(case: Case) -> dict[str, Any]:
    """A case's facts as JSON, as the dashboard's export and the API show them."""
    return {
        "id": case.id,
        "kind": case.kind.value,
        "state": case.state.value,
        "category": case.category,
        "opened_at": case.opened_at.isoformat(),
        "deadline": case.deadline.isoformat(),
        "removed": case.removed,
        "dry_run": case.dry_run,
        "decided_by": case.decided_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
    }


def platform_of(target: str) -> str:
    """The platform a case's target is on: its first part, or its first two for an
    API client's (``api:<client>``, the one platform name with a colon)."""
    head, _, rest = target.partition(":")
    return f"api:{rest.partition(':')[0]}" if head == "api" else head


def target_of(message: Message) -> str:
    """The key shared by every case-worthy event about one message or album."""
    where = f"{message.chat.platform}:{message.chat.id}"
    if message.album_id:
        return f"{where}:album:{message.album_id}"
    return f"{where}:message:{message.message_id}"


def apply_decision(
    case: Case,
    decision: Decision,
    reviewer: str,
    reviewers: frozenset[str],
    now: datetime,
    *,
    note: str = "",
    overrule: bool = False,
) -> tuple[Case, bool]:
    """The case after ``decision`` and whether it changed; raises if not allowed.
    ``overrule``: an appeal reverses a final decision."""
    if reviewer not in reviewers:
        raise AuthorisationError(
            f"{reviewer or 'anonymous'} is not an authorised reviewer", said=Said("not_reviewer")
        )
    if case.appeal is not None and reviewer == case.appeal.contested_by:
        raise AuthorisationError(
            f"{reviewer} made the decision case {case.id} contests; another reviewer decides it",
            said=Said("appeal_same_reviewer"),
        )
    if case.state is CaseState.SHADOW:
        raise InputError(
            f"case {case.id} is what a bank in shadow would have opened; nothing to decide",
            said=Said("case_shadow", {"case_id": case.id}),
        )
    target = _RESULT[decision]
    if case.state is target:
        return case, False
    if case.state in _FINAL and not overrule:
        raise InputError(
            f"case {case.id} is already {case.state.value} by {case.decided_by}; "
            f"it cannot be {target.value} now",
            said=Said(
                "case_already_decided",
                {"case_id": case.id, "state": Said(f"state_{case.state.value}")},
            ),
        )
    decided = replace(
        case, state=target, decided_by=reviewer, decided_at=now, note=note or case.note
    )
    return decided, True


def due_alerts(case: Case, now: datetime) -> list[float]:
    """Alert levels reached and not yet sent (an empty list for a decided case)."""
    if not case.is_open:
        return []
    span = (case.deadline - case.opened_at).total_seconds()
    elapsed = (now - case.opened_at).total_seconds()
    reached = [level for level in ALERT_LEVELS if elapsed >= level * span]
    return reached[case.alerts_sent :]


def item_keys(signals: Iterable[Signal]) -> tuple[tuple[str, str], ...]:
    """What a later copy of an item is found by (one case per item): its exact
    values (file key, hashes) and its PDQ hash if good enough to trust."""
    keys = []
    for signal in signals:
        signal_type = SIGNAL_TYPES.get(signal.signal_type)
        if signal_type is None or not signal_type.reaches_back:
            continue
        if signal_type.exact:
            keys.append((signal.signal_type, signal.value))
        elif signal.signal_type == "pdq" and (signal.quality or 0) >= Pdq.min_quality:
            keys.append(("pdq", signal.value))
    return tuple(dict.fromkeys(keys))
