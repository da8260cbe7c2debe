"""The reviewers' dashboard: an ASGI app (Starlette, server-rendered templates).

``create_app`` either shares a running Moderator (``blockfirst run``: decisions
are performed at once and bank changes reach the bots' matcher) or opens its
services for its lifetime (``blockfirst web`` alone: ``standalone(db_url)``, its
own store and a Moderator without platforms, so platform effects such as a
chat card's update are queued for the bot process, which performs them on its
next round).
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bots.web import ops, views_audit, views_banks, views_cases, views_compliance, views_users
from bots.web.context import TEMPLATES, Services, WebState
from bots.web.security import Sessions, new_secret
from bots.web.settings import WebSettings
from core.engine.moderator import Moderator
from core.matching.matcher import Matcher
from core.ports import SystemClock
from core.store import open_store

__all__ = ["ServicesFactory", "create_app", "standalone"]

# Services opened when the app starts and closed when it stops.
ServicesFactory = Callable[[], AbstractAsyncContextManager[Services]]

log = logging.getLogger("blockfirst.web")

STATIC = Path(__file__).parent / "static"
# No image is ever shown or fetched (img-src 'none'): the dashboard never displays media.
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'none'; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make Origin "null"
    (b"cache-control", b"no-store"),
]
# Over TLS (directly, or from a trusted proxy): browsers stay on https for a year.
_HSTS = [(b"strict-transport-security", b"max-age=31536000")]


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        extra = [*_HEADERS, *(_HSTS if scope.get("scheme") == "https" else [])]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self._app(scope, receive, with_headers)


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    return Jinja2Templates(env=env)


@asynccontextmanager
async def standalone(db_url: str) -> AsyncIterator[Services]:
    """The dashboard alone: its own store, and a Moderator with no platform and no
    banks loaded (decisions queue their effects for the bot process)."""
    async with open_store(db_url) as store, Moderator(store, {}, Matcher([])) as moderator:
        yield Services(store, moderator, SystemClock())


def create_app(settings: WebSettings, services: Services | ServicesFactory) -> Starlette:
    """The dashboard over ``services``, shared or opened for the app's lifetime."""
    secret = settings.secret
    if not secret:
        secret = new_secret()
        log.warning(
            "BLOCKFIRST_WEB_SECRET is not set: sessions end when this process stops "
            "and are not shared with other dashboard processes"
        )
    shared = services if isinstance(services, Services) else None
    state = WebState(
        settings, shared, Sessions(secret, settings.session_hours * 3600), _templates()
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if isinstance(services, Services):
            yield
            return
        async with services() as opened:
            state.services = opened
            try:
                yield
            finally:
                state.services = None

    routes = [
        *views_cases.routes,
        *views_banks.routes,
        *views_audit.routes,
        *views_compliance.routes,
        *views_users.routes,
        *ops.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, max_body_size=settings.max_upload_bytes)
    app.state.web = state
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts())
    return app
