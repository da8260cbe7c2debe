"""The engine's figures in Prometheus's text format, for ``/metrics`` wherever a
Moderator serves (the dashboard, the API): counts, never case contents."""

from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from core.cases import CaseFilter
from core.engine.metrics import Histogram
from core.engine.moderator import Moderator
from core.model import CaseState
from core.ports import CaseStore, Clock

__all__ = ["CONTENT_TYPE", "exposition"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_OPEN = (CaseState.OPEN, CaseState.ESCALATED)


async def exposition(store: CaseStore, moderator: Moderator, clock: Clock) -> bytes:
    _, queue = await store.page_cases(CaseFilter(states=_OPEN), limit=0)
    _, overdue = await store.page_cases(CaseFilter(states=_OPEN, overdue_at=clock.now()), limit=0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(moderator, queue, overdue))
    return generate_latest(registry)


class _Snapshot:
    """A collector over numbers read once per scrape."""

    def __init__(self, moderator: Moderator, queue: int, overdue: int) -> None:
        self._moderator, self._queue, self._overdue = moderator, queue, overdue

    def collect(self) -> Iterator[Metric]:
        moderator = self._moderator
        events = moderator.stats.events
        yield _counter("blockfirst_messages", "Messages checked.", events["messages"])
        yield _counter("blockfirst_matches", "Messages that matched a bank.", events["matches"])
        yield _by_bank("blockfirst_bank_matches", "Matches by bank.", moderator.stats.bank_matches)
        yield _by_bank(
            "blockfirst_quarantines",
            "Entries quarantined for matching too often, by bank.",
            moderator.stats.quarantines,
        )
        yield _by_bank(
            "blockfirst_shadow_matches",
            "Matches of banks in shadow (recorded, not acted on), by bank.",
            moderator.stats.shadow_matches,
        )
        effects = CounterMetricFamily(
            "blockfirst_effects", "Platform actions by kind and ending.", labels=["kind", "result"]
        )
        failures = CounterMetricFamily(
            "blockfirst_failures", "Failed platform actions by kind.", labels=["kind"]
        )
        for key, count in sorted(moderator.counts.items()):
            kind, _, result = key.partition(":")
            effects.add_metric([kind, result], count)
            if result == "failed":
                failures.add_metric([kind], count)
        yield effects
        yield failures
        hashing = CounterMetricFamily(
            "blockfirst_hashing_problems",
            "Hashing jobs past their deadline (timeout), lost with a dead worker"
            " (worker_died), and worker pools replaced (restart).",
            labels=["kind"],
        )
        for kind in ("timeout", "worker_died", "restart"):
            hashing.add_metric([kind], moderator.hashing_problems.get(kind, 0))
        yield hashing
        yield _counter(
            "blockfirst_deletions", "Messages deleted.", moderator.counts.get("delete:done", 0)
        )
        yield GaugeMetricFamily("blockfirst_queue_size", "Open and escalated cases.", self._queue)
        yield GaugeMetricFamily("blockfirst_overdue_cases", "Open cases past due.", self._overdue)
        yield _histogram(
            "blockfirst_hashing_seconds", "Decode and hash time.", moderator.stats.hashing
        )
        yield _histogram(
            "blockfirst_matching_seconds", "Index lookup time.", moderator.stats.matching
        )


def _counter(name: str, text: str, value: int) -> CounterMetricFamily:
    return CounterMetricFamily(name, text, value=value)


def _by_bank(name: str, text: str, counts: Mapping[str, int]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, text, labels=["bank"])
    for bank, count in sorted(counts.items()):
        family.add_metric([bank], count)
    return family


def _histogram(name: str, text: str, histogram: Histogram) -> HistogramMetricFamily:
    buckets: list[Any] = [(bound, float(count)) for bound, count in histogram.cumulative()]
    return HistogramMetricFamily(name, text, buckets=buckets, sum_value=histogram.total)
