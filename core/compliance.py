"""The compliance report (pure): what a regulator asks of a period's cases.

Counts by kind, by category and outcome; deadlines met, missed and still
running; the share of authority deletion requests answered within their
deadline; the median time from opening to decision.
"""

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from core.cases import Case
from core.model import CaseKind

__all__ = ["ComplianceReport", "summarise"]


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    period_from: datetime | None
    period_to: datetime | None
    cases: int
    by_kind: dict[str, int] = field(default_factory=dict)
    by_category_outcome: dict[str, int] = field(default_factory=dict)  # "category/state"
    deadlines_met: int = 0
    deadlines_missed: int = 0
    deadlines_running: int = 0
    deletion_requests: int = 0
    deletion_requests_on_time: int = 0
    median_hours_to_decision: float | None = None

    def rows(self) -> list[tuple[str, str]]:
        """``(metric, value)`` pairs, in a stable order, for CSV and text."""
        rate = (
            f"{self.deletion_requests_on_time / self.deletion_requests:.1%}"
            if self.deletion_requests
            else "n/a"
        )
        median = self.median_hours_to_decision
        rows = [
            ("period_from", self.period_from.isoformat() if self.period_from else ""),
            ("period_to", self.period_to.isoformat() if self.period_to else ""),
            ("cases", str(self.cases)),
            *((f"kind/{k}", str(v)) for k, v in sorted(self.by_kind.items())),
            *((f"outcome/{k}", str(v)) for k, v in sorted(self.by_category_outcome.items())),
            ("deadlines_met", str(self.deadlines_met)),
            ("deadlines_missed", str(self.deadlines_missed)),
            ("deadlines_running", str(self.deadlines_running)),
            ("deletion_requests", str(self.deletion_requests)),
            ("deletion_requests_answered_in_time", str(self.deletion_requests_on_time)),
            ("deletion_requests_on_time_rate", rate),
            ("median_hours_to_decision", "n/a" if median is None else f"{median:.2f}"),
        ]
        return rows


def _deadline_state(case: Case, now: datetime) -> str:
    if case.decided_at is not None:
        return "met" if case.decided_at <= case.deadline else "missed"
    return "missed" if now > case.deadline else "running"


def summarise(
    cases: Iterable[Case], now: datetime, period: tuple[datetime | None, datetime | None]
) -> ComplianceReport:
    items = list(cases)
    deadlines = Counter(_deadline_state(c, now) for c in items)
    requests = [c for c in items if c.kind is CaseKind.DELETION_REQUEST]
    hours = [
        (c.decided_at - c.opened_at).total_seconds() / 3600
        for c in items
        if c.decided_at is not None
    ]
    return ComplianceReport(
        period_from=period[0],
        period_to=period[1],
        cases=len(items),
        by_kind=dict(Counter(c.kind.value for c in items)),
        by_category_outcome=dict(Counter(f"{c.category}/{c.state.value}" for c in items)),
        deadlines_met=deadlines["met"],
        deadlines_missed=deadlines["missed"],
        deadlines_running=deadlines["running"],
        deletion_requests=len(requests),
        deletion_requests_on_time=sum(_deadline_state(c, now) == "met" for c in requests),
        median_hours_to_decision=statistics.median(hours) if hours else None,
    )
