from datetime import UTC, datetime, timedelta

import pytest

from core.cases import Case, apply_decision, due_alerts, target_of
from core.errors import AuthorisationError, InputError
from core.model import CaseKind, CaseState, Decision
from tests.core.engine_helpers import photo

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CASE = Case("K1", CaseKind.MATCH_REVIEW, "fake:-100:message:1", T0, T0 + timedelta(hours=24))
ALLOWED = frozenset({"alice"})


@pytest.mark.parametrize(
    ("start", "decision", "end"),
    [
        (CaseState.OPEN, Decision.CONFIRM, CaseState.CONFIRMED),
        (CaseState.OPEN, Decision.OVERTURN, CaseState.OVERTURNED),
        (CaseState.OPEN, Decision.ESCALATE, CaseState.ESCALATED),
        (CaseState.ESCALATED, Decision.CONFIRM, CaseState.CONFIRMED),
        (CaseState.ESCALATED, Decision.OVERTURN, CaseState.OVERTURNED),
    ],
)
def test_allowed_transitions(start: CaseState, decision: Decision, end: CaseState) -> None:
    from dataclasses import replace

    case, changed = apply_decision(
        replace(CASE, state=start), decision, "alice", ALLOWED, T0, note="n"
    )
    assert (case.state, changed, case.decided_by, case.decided_at, case.note) == (
        end,
        True,
        "alice",
        T0,
        "n",
    )


@pytest.mark.parametrize(
    ("start", "decision"),
    [
        (CaseState.CONFIRMED, Decision.OVERTURN),
        (CaseState.CONFIRMED, Decision.ESCALATE),
        (CaseState.OVERTURNED, Decision.CONFIRM),
        (CaseState.OVERTURNED, Decision.ESCALATE),
    ],
)
def test_final_states_refuse_a_different_decision(start: CaseState, decision: Decision) -> None:
    from dataclasses import replace

    with pytest.raises(InputError, match=f"already {start.value}"):
        apply_decision(replace(CASE, state=start), decision, "alice", ALLOWED, T0)


@pytest.mark.parametrize("state", [CaseState.CONFIRMED, CaseState.ESCALATED])
def test_the_same_decision_again_changes_nothing(state: CaseState) -> None:
    from dataclasses import replace

    decision = Decision.CONFIRM if state is CaseState.CONFIRMED else Decision.ESCALATE
    case = replace(CASE, state=state)
    assert apply_decision(case, decision, "alice", ALLOWED, T0) == (case, False)


@pytest.mark.parametrize("reviewer", ["mallory", ""])
def test_only_authorised_reviewers_decide(reviewer: str) -> None:
    with pytest.raises(AuthorisationError, match="not an authorised reviewer"):
        apply_decision(CASE, Decision.CONFIRM, reviewer, ALLOWED, T0)


@pytest.mark.parametrize(
    ("hours", "sent", "due"),
    [
        (11, 0, []),
        (12, 0, [0.5]),
        (20, 1, [0.8]),
        (24, 1, [0.8, 1.0]),
        (30, 3, []),
        (25, 0, [0.5, 0.8, 1.0]),
    ],
)
def test_due_alerts(hours: int, sent: int, due: list[float]) -> None:
    from dataclasses import replace

    case = replace(CASE, alerts_sent=sent)
    assert due_alerts(case, T0 + timedelta(hours=hours)) == due


def test_overdue_and_targets() -> None:
    assert CASE.overdue(T0 + timedelta(hours=24))
    assert not CASE.overdue(T0 + timedelta(hours=23))
    assert target_of(photo("5")) == "fake:-100:message:5"
    assert target_of(photo("5", album="A")) == "fake:-100:album:A"
