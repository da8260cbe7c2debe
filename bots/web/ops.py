"""``/healthz`` (the process answers), ``/readyz`` (the store answers and the
indexes are loaded) and ``/metrics`` (Prometheus text format).

These three need no account, as scrapers and orchestrators have none; they
reveal counts, never case contents. Keep the dashboard on loopback or behind
a proxy that limits who reaches them.
"""

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bots.web.context import Services, WebState
from core.cases import CaseFilter
from core.engine.metrics import Histogram
from core.errors import StorageError
from core.model import CaseState

__all__ = ["routes"]

_OPEN = (CaseState.OPEN, CaseState.ESCALATED)
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state: WebState = request.app.state.web
    services = state.services
    if services is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        _, queue = await services.store.page_cases(CaseFilter(states=_OPEN), limit=0)
    except StorageError as exc:
        return JSONResponse({"status": "store unreachable", "error": str(exc)}, status_code=503)
    indexes = f"{services.moderator.indexed} entries" if services.hosts_bots else "not used here"
    return JSONResponse({"status": "ready", "queue": queue, "indexes": indexes})


class _Snapshot:
    """A collector over numbers read once per scrape."""

    def __init__(self, services: Services, queue: int, overdue: int) -> None:
        self._services, self._queue, self._overdue = services, queue, overdue

    def collect(self) -> Iterator[Metric]:
        moderator = self._services.moderator
        events = moderator.stats.events
        yield _counter("blockfirst_messages", "Messages checked.", events["messages"])
        yield _counter("blockfirst_matches", "Messages that matched a bank.", events["matches"])
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


def _histogram(name: str, text: str, histogram: Histogram) -> HistogramMetricFamily:
    buckets: list[Any] = [(bound, float(count)) for bound, count in histogram.cumulative()]
    return HistogramMetricFamily(name, text, buckets=buckets, sum_value=histogram.total)


async def metrics(request: Request) -> Response:
    state: WebState = request.app.state.web
    services = state.live
    _, queue = await services.store.page_cases(CaseFilter(states=_OPEN), limit=0)
    overdue_filter = CaseFilter(states=_OPEN, overdue_at=services.clock.now())
    _, overdue = await services.store.page_cases(overdue_filter, limit=0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(services, queue, overdue))
    return PlainTextResponse(generate_latest(registry), media_type=_CONTENT_TYPE)


routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
