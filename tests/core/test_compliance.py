"""The compliance report's arithmetic, case by case."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.cases import Case
from core.compliance import summarise
from core.model import CaseKind, CaseState

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def case(
    case_id: str,
    kind: CaseKind,
    deadline_h: float,
    decided_h: float | None,
    state: CaseState = CaseState.CONFIRMED,
    **extra: object,
) -> Case:
    decided = T0 + timedelta(hours=decided_h) if decided_h is not None else None
    return replace(
        Case(case_id, kind, f"t:1:message:{case_id}", T0, T0 + timedelta(hours=deadline_h)),
        state=state if decided else CaseState.OPEN,
        decided_at=decided,
        **extra,  # type: ignore[arg-type]
    )


CASES = [
    case("d1", CaseKind.DELETION_REQUEST, 48, 20, category="deepfake", removed=True),
    case("d2", CaseKind.DELETION_REQUEST, 48, 30, category="deepfake", removed=True),
    case("d3", CaseKind.DELETION_REQUEST, 24, None),
    case("r1", CaseKind.REPORTER_REPLY, 24, 10, CaseState.OVERTURNED, reports=2),
    case("r2", CaseKind.REPORTER_REPLY, 24, 30, reports=1),
    case("m1", CaseKind.MATCH_REVIEW, 24, 2, removed=True),
]
NOW = T0 + timedelta(hours=40)


def test_every_metric() -> None:
    h = lambda hours: T0 + timedelta(hours=hours)  # noqa: E731
    replies = [
        ("r1", h(0), "done", h(0)),  # the acknowledgement: not an outcome reply
        ("r1", h(10.001), "done", h(10.01)),  # outcome, delivered by the deadline
        ("r1", h(10.001), "failed", None),  # outcome to the second reporter: never delivered
        ("r2", h(30.001), "done", h(30.01)),  # outcome after the deadline
        ("zz", h(1), "done", h(1)),  # another period's case
    ]
    report = summarise(CASES, NOW, (T0, None), replies)
    rows = dict(report.rows())
    assert rows["cases"] == "6"
    assert rows["removed"] == "3"
    assert rows["reports"] == "3"
    assert rows["kind/deletion_request"] == "3"
    assert rows["outcome/deepfake/confirmed"] == "2"
    assert rows["outcome/other/overturned"] == "1"
    assert (rows["deadlines_met"], rows["deadlines_missed"], rows["deadlines_running"]) == (
        "4",
        "2",
        "0",
    )
    assert rows["deadlines/reporter_reply/met"] == "1"
    assert rows["deadlines/reporter_reply/missed"] == "1"
    assert rows["deadlines/deletion_request/missed"] == "1"  # d3: 40 h open, 24 h deadline
    assert rows["deletion_requests"] == "3"
    assert rows["deletion_requests_answered_in_time"] == "2"
    assert rows["deletion_requests_on_time_rate"] == "66.7%"
    assert rows["deletion_requests_answered_within_24h"] == "1"
    assert rows["deletion_requests_within_24h_rate"] == "33.3%"
    assert rows["reporter_outcome_replies"] == "3"
    assert rows["reporter_outcome_replies_by_deadline"] == "1"
    assert rows["median_hours_to_decision"] == "20.00"  # 2, 10, 20, 30, 30


def test_an_empty_period() -> None:
    rows = dict(summarise([], NOW, (None, None)).rows())
    assert rows["cases"] == "0"
    assert rows["deletion_requests_on_time_rate"] == "n/a"
    assert rows["deletion_requests_within_24h_rate"] == "n/a"
    assert rows["median_hours_to_decision"] == "n/a"


def test_objections_are_counted_with_their_reversals_and_median_time() -> None:
    appeals = [
        case("a1", CaseKind.APPEAL, 72, 4, CaseState.OVERTURNED),
        case("a2", CaseKind.APPEAL, 72, 10),
        case("a3", CaseKind.APPEAL, 72, 30, CaseState.OVERTURNED),
        case("a4", CaseKind.APPEAL, 72, None),
    ]
    rows = dict(summarise([*CASES, *appeals], NOW, (T0, None)).rows())
    assert (rows["objections"], rows["objections_reversed"]) == ("4", "2")
    assert rows["median_hours_to_decide_objections"] == "10.00"  # 4, 10, 30
    assert dict(summarise(CASES, NOW, (T0, None)).rows())["objections"] == "0"
