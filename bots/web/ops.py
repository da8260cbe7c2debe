"""``/healthz`` (the process answers), ``/readyz`` (the store answers and the
indexes are loaded) and ``/metrics`` (Prometheus text format).

These three need no account, as scrapers and orchestrators have none; they
reveal counts, never case contents. Keep the dashboard on loopback or behind
a proxy that limits who reaches them.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bots.web.context import WebState
from core.cases import CaseFilter
from core.engine.exposition import CONTENT_TYPE, exposition
from core.errors import StorageError
from core.model import CaseState

__all__ = ["routes"]

_OPEN = (CaseState.OPEN, CaseState.ESCALATED)


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


async def metrics(request: Request) -> Response:
    state: WebState = request.app.state.web
    services = state.live
    text = await exposition(services.store, services.moderator, services.clock)
    return PlainTextResponse(text, media_type=CONTENT_TYPE)


routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
