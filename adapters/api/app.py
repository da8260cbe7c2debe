"""The API as an ASGI app (Starlette): ``create_api(settings, services)``.

``services`` are shared with the bots (``blockfirst run``: one Moderator, one
matcher) or opened for the app's lifetime (``standalone``: ``blockfirst api``
alone, its own store and a matcher that follows bank changes). Every answer is
JSON; every error is ``{"message": ...}`` with its status, never a traceback.
"""

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope

from adapters.api.auth import ApiError, Gate
from adapters.api.curation import CURATION
from adapters.api.hma import LOOKUPS, Hma
from adapters.api.intake import INTAKE, Intake
from adapters.api.openapi import document
from adapters.api.platform import Clients
from adapters.api.routing import routes as routes_of
from adapters.api.settings import ApiSettings
from core.api_tokens import Scope
from core.engine.config import EngineConfig
from core.engine.exposition import CONTENT_TYPE, exposition
from core.engine.moderator import Moderator
from core.errors import StorageError
from core.fetch import FetchPolicy, WebFetcher
from core.matching.snapshot import serving_matcher
from core.ports import Clock, Store, SystemClock
from core.store import open_store

__all__ = ["ApiServices", "ApiServicesFactory", "create_api", "standalone_api"]

log = logging.getLogger("blockfirst.api")

_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


@dataclass(slots=True)
class ApiServices:
    store: Store
    moderator: Moderator
    clock: Clock


ApiServicesFactory = Callable[[], AbstractAsyncContextManager[ApiServices]]


@asynccontextmanager
async def standalone_api(
    db_url: str, config: EngineConfig | None = None, follow_every: float = 2.0
) -> AsyncIterator[ApiServices]:
    """The API alone: its own store, the banks loaded, bank changes followed."""
    async with open_store(db_url) as store:
        matcher = await serving_matcher(store, config.index_snapshot if config else "")
        async with Moderator(store, {}, matcher, config=config) as moderator:
            loops = [
                asyncio.create_task(moderator.follow(follow_every), name="bf-api-follow"),
                asyncio.create_task(moderator.maintain(30), name="bf-api-maintain"),
            ]  # bank changes followed; deadlines swept and webhooks retried
            try:
                yield ApiServices(store, moderator, SystemClock())
            finally:
                for loop in loops:
                    loop.cancel()
                await asyncio.gather(*loops, return_exceptions=True)


class _Limits:
    """Bounds every request body (a declared length over the limit is refused before
    it is read, a streamed one when it passes) and adds the API's headers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self._max:
            await _too_large(self._max)(scope, receive, send)
            return
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self._max:
                raise ApiError(413, f"the body is over the {self._max}-byte limit")
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self._app(scope, bounded, with_headers)


def _too_large(limit: int) -> Response:
    return JSONResponse({"message": f"the body is over the {limit}-byte limit"}, 413)


def create_api(
    settings: ApiSettings,
    services: ApiServices | ApiServicesFactory,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The API over ``services``, shared or opened for the app's lifetime.
    ``webhook_transport``: how webhooks leave (httpx's own unless given)."""
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if isinstance(services, ApiServices):
                opened = services
            else:
                opened = await stack.enter_async_context(services())
            fetcher = None
            if settings.fetch_urls:
                fetcher = WebFetcher(FetchPolicy(max_bytes=settings.max_body_bytes))
                stack.push_async_callback(fetcher.aclose)
            gate = Gate(opened.store, opened.clock, settings.requests_per_minute)
            clients = Clients(opened.moderator, settings.webhooks, webhook_transport)
            stack.push_async_callback(clients.aclose)
            for token in await opened.store.list_tokens():  # effects a restart left pending
                if token.revoked_at is None:
                    clients.platform(token.name)
            state["hma"] = Hma(gate, opened.moderator, opened.store, fetcher)
            state["intake"] = Intake(gate, opened.moderator, opened.store, clients)
            state["services"] = opened
            yield
            state.clear()

    routes = [
        *routes_of(_merged(LOOKUPS, CURATION), lambda: state["hma"]),
        *routes_of(INTAKE, lambda: state["intake"]),
        Route("/openapi.json", _openapi, methods=["GET"]),
        Route("/metrics", functools.partial(_metrics, state=state), methods=["GET"]),
    ]
    handlers = {
        ApiError: _api_error,
        HTTPException: _http_error,
        StorageError: _storage_error,
        Exception: _bug,
    }
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.add_middleware(_Limits, max_bytes=settings.max_body_bytes)
    return app


def _merged(*tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Route tables joined path by path (``/c/banks`` reads and creates)."""
    merged: dict[str, dict[str, Any]] = {}
    for table in tables:
        for path, views in table.items():
            merged.setdefault(path, {}).update(views)
    return merged


async def _metrics(request: Request, state: dict[str, Any]) -> Response:
    """The engine's figures for a scraper with a token (any scope): webhook endings
    (``blockfirst_effects{result="failed"}``) among them."""
    services: ApiServices = state["services"]
    await state["intake"].gate.admit_any(request, *Scope)
    text = await exposition(services.store, services.moderator, services.clock)
    return Response(text, media_type=CONTENT_TYPE)


async def _openapi(request: Request) -> Response:
    return JSONResponse(document())


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"message": exc.message}, exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"message": str(exc.detail)}, exc.status_code, headers=exc.headers)


async def _storage_error(request: Request, exc: Exception) -> Response:
    log.error("api: %s", exc)
    return JSONResponse({"message": "the database is not reachable; try again"}, 503)


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("api: unexpected %s on %s", type(exc).__name__, request.url.path, exc_info=exc)
    return JSONResponse({"message": "unexpected error (a bug: please report it)"}, 500)
