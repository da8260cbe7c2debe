"""The reviewers' dashboard: an ASGI app (Starlette, server-rendered templates).

``create_app`` either shares a running Moderator (``blockfirst run``: decisions
are performed at once and bank changes reach the bots' matcher) or opens its
own store and Moderator (``blockfirst web`` alone: platform effects such as a
chat card's update are queued for the bot process, which performs them on its
next round).
"""

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bots.web import ops, views_audit, views_banks, views_cases, views_compliance, views_users
from bots.web.context import TEMPLATES, Services, WebSettings, WebState
from bots.web.security import Sessions, new_secret
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.matching.matcher import Matcher
from core.ports import Platform, SystemClock
from core.store import open_store

__all__ = ["create_app"]

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


def _left(deadline: datetime, now: datetime) -> str:
    """'3h 05m left' or 'overdue 1h 10m' (the page's script keeps it ticking)."""
    seconds = int((deadline - now).total_seconds())
    span = abs(seconds)
    text = f"{span // 3600}h {span % 3600 // 60:02d}m {span % 60:02d}s"
    return f"{text} left" if seconds > 0 else f"overdue {text}"


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    env.filters["left"] = _left
    env.filters["utc"] = lambda value: value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""
    return Jinja2Templates(env=env)


def create_app(
    settings: WebSettings,
    *,
    services: Services | None = None,
    db_url: str | None = None,
    platforms: Mapping[str, Platform] | None = None,
) -> Starlette:
    """The dashboard over ``services``, or over its own store at ``db_url``."""
    if services is None and db_url is None:
        raise ValueError("create_app needs services or a db_url")
    secret = settings.secret
    if not secret:
        secret = new_secret()
        log.warning(
            "BLOCKFIRST_WEB_SECRET is not set: sessions end when this process stops "
            "and are not shared with other dashboard processes"
        )
    state = WebState(
        settings, services, Sessions(secret, settings.session_hours * 3600), _templates()
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if state.services is None:
                assert db_url is not None
                store = await stack.enter_async_context(open_store(db_url))
                # Chat platforms here (tests) need the banks; decisions alone do not.
                matcher = await load_matcher(store) if platforms else Matcher([])
                moderator = Moderator(store, platforms or {}, matcher)
                await stack.enter_async_context(moderator)
                state.services = Services(store, moderator, SystemClock(), bool(platforms))
            yield
            if services is None:
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
