"""The compliance report (pure): what a regulator asks of a period's cases.

Counts by kind, by category and outcome; deadlines met, missed and still
running, overall and per kind (``reporter_reply`` is the deadline for
answering a user's report); authority deletion requests answered within
their deadline and within 24 hours; outcome replies delivered to reporters
by their case's deadline; the median time from opening to decision.
"""

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.cases import Case
from core.model import CaseKind, CaseState

__all__ = ["DAY", "ComplianceReport", "ReplyRecord", "summarise"]

DAY = timedelta(hours=24)

# A reply effect: (case id, queued at, state, delivered at).
ReplyRecord = tuple[str, datetime, str, datetime | None]


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    period_from: datetime | None
    period_to: datetime | None
    cases: int
    removed: int = 0
    reports: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_category_outcome: dict[str, int] = field(default_factory=dict)  # "category/state"
    deadlines: dict[str, int] = field(default_factory=dict)  # "kind/met|missed|running"
    deadlines_met: int = 0
    deadlines_missed: int = 0
    deadlines_running: int = 0
    deletion_requests: int = 0
    deletion_requests_on_time: int = 0
    deletion_requests_within_24h: int = 0
    outcome_replies: int = 0
    outcome_replies_on_time: int = 0
    median_hours_to_decision: float | None = None
    objections: int = 0  # appeal cases opened
    objections_reversed: int = 0  # decided for the objector
    median_hours_to_decide_objections: float | None = None

    def rows(self) -> list[tuple[str, str]]:
        """``(metric, value)`` pairs, in a stable order, for CSV, JSON and pages."""
        median = self.median_hours_to_decision
        return [
            ("period_from", self.period_from.isoformat() if self.period_from else ""),
            ("period_to", self.period_to.isoformat() if self.period_to else ""),
            ("cases", str(self.cases)),
            ("removed", str(self.removed)),
            ("reports", str(self.reports)),
            *((f"kind/{k}", str(v)) for k, v in sorted(self.by_kind.items())),
            *((f"outcome/{k}", str(v)) for k, v in sorted(self.by_category_outcome.items())),
            ("deadlines_met", str(self.deadlines_met)),
            ("deadlines_missed", str(self.deadlines_missed)),
            ("deadlines_running", str(self.deadlines_running)),
            *((f"deadlines/{k}", str(v)) for k, v in sorted(self.deadlines.items())),
            ("deletion_requests", str(self.deletion_requests)),
            ("deletion_requests_answered_in_time", str(self.deletion_requests_on_time)),
            ("deletion_requests_on_time_rate", _rate(self.deletion_requests_on_time, self)),
            ("deletion_requests_answered_within_24h", str(self.deletion_requests_within_24h)),
            ("deletion_requests_within_24h_rate", _rate(self.deletion_requests_within_24h, self)),
            ("reporter_outcome_replies", str(self.outcome_replies)),
            ("reporter_outcome_replies_by_deadline", str(self.outcome_replies_on_time)),
            ("median_hours_to_decision", "n/a" if median is None else f"{median:.2f}"),
            ("objections", str(self.objections)),
            ("objections_reversed", str(self.objections_reversed)),
            ("median_hours_to_decide_objections", _hours(self.median_hours_to_decide_objections)),
        ]


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _rate(part: int, report: ComplianceReport) -> str:
    whole = report.deletion_requests
    return f"{part / whole:.1%}" if whole else "n/a"


def _deadline_state(case: Case, now: datetime) -> str:
    if case.decided_at is not None:
        return "met" if case.decided_at <= case.deadline else "missed"
    return "missed" if now > case.deadline else "running"


def _answered_within(case: Case, span: timedelta) -> bool:
    return case.decided_at is not None and case.decided_at - case.opened_at <= span


def _outcome_replies(cases: dict[str, Case], replies: Iterable[ReplyRecord]) -> tuple[int, int]:
    """Replies queued with a decision (not the acknowledgement sent on reporting),
    and how many of them were delivered by the case's deadline."""
    sent = on_time = 0
    for case_id, queued, state, delivered in replies:
        case = cases.get(case_id)
        if case is None or case.decided_at is None or queued <= case.decided_at:
            continue
        sent += 1
        on_time += state == "done" and delivered is not None and delivered <= case.deadline
    return sent, on_time


def summarise(
    cases: Iterable[Case],
    now: datetime,
    period: tuple[datetime | None, datetime | None],
    replies: Iterable[ReplyRecord] = (),
) -> ComplianceReport:
    items = list(cases)
    states = {c.id: _deadline_state(c, now) for c in items}
    deadlines = Counter(states.values())
    requests = [c for c in items if c.kind is CaseKind.DELETION_REQUEST]
    hours = [
        (c.decided_at - c.opened_at).total_seconds() / 3600
        for c in items
        if c.decided_at is not None
    ]
    sent, on_time = _outcome_replies({c.id: c for c in items}, replies)
    appeals = [c for c in items if c.kind is CaseKind.APPEAL]
    appeal_hours = [
        (c.decided_at - c.opened_at).total_seconds() / 3600
        for c in appeals
        if c.decided_at is not None and c.state is not CaseState.ESCALATED
    ]
    return ComplianceReport(
        period_from=period[0],
        period_to=period[1],
        cases=len(items),
        removed=sum(c.removed for c in items),
        reports=sum(c.reports for c in items),
        by_kind=dict(Counter(c.kind.value for c in items)),
        by_category_outcome=dict(Counter(f"{c.category}/{c.state.value}" for c in items)),
        deadlines=dict(Counter(f"{c.kind.value}/{states[c.id]}" for c in items)),
        deadlines_met=deadlines["met"],
        deadlines_missed=deadlines["missed"],
        deadlines_running=deadlines["running"],
        deletion_requests=len(requests),
        deletion_requests_on_time=sum(states[c.id] == "met" for c in requests),
        deletion_requests_within_24h=sum(_answered_within(c, DAY) for c in requests),
        outcome_replies=sent,
        outcome_replies_on_time=on_time,
        median_hours_to_decision=statistics.median(hours) if hours else None,
        objections=len(appeals),
        objections_reversed=sum(c.state is CaseState.OVERTURNED for c in appeals),
        median_hours_to_decide_objections=(
            statistics.median(appeal_hours) if appeal_hours else None
        ),
    )
