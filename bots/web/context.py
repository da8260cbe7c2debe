"""What every dashboard view shares: its services, the signed-in account, the
form it was sent, and the ``view`` decorator that checks all three."""

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bots.web.security import LoginThrottle, Session, Sessions
from bots.web.settings import WebSettings
from core.accounts import Permission, User
from core.audit import ChainVerifier
from core.engine.moderator import Moderator
from core.errors import AuthorisationError, InputError, StorageError
from core.policy import LANGUAGES
from core.ports import Clock, Store
from core.texts import category_name, person_language, refusal, say, when

__all__ = ["Ctx", "Services", "WebState", "safe_next", "view"]

log = logging.getLogger("blockfirst.web")

TEMPLATES = Path(__file__).parent / "templates"
_MAX_FIELDS = 600  # a bulk decision names up to 500 cases
_MAX_FIELD_BYTES = 64 * 1024


@dataclass(slots=True)
class Services:
    store: Store
    moderator: Moderator
    clock: Clock
    hosts_bots: bool = False  # the Moderator serves chat platforms in this process


@dataclass(slots=True)
class ChainCheck:
    """A verifier fed every entry so far: each audit page view feeds only the new ones."""

    verifier: ChainVerifier
    full_at: float  # monotonic time of the last check from the first entry
    checked_at: datetime


@dataclass(slots=True)
class WebState:
    settings: WebSettings
    services: Services | None
    sessions: Sessions
    templates: Jinja2Templates
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    chain: "ChainCheck | None" = None  # the audit chain's running verification

    @property
    def live(self) -> Services:
        assert self.services is not None, "the app's lifespan has not started"
        return self.services


@dataclass(slots=True)
class Ctx:
    request: Request
    state: WebState
    session: Session
    user: User | None
    form: FormData | None = None
    new_session: Session | None = None  # set to replace the cookie

    @property
    def store(self) -> Store:
        return self.state.live.store

    @property
    def now(self) -> datetime:
        return self.state.live.clock.now()

    @property
    def me(self) -> User:
        assert self.user is not None
        return self.user

    @property
    def language(self) -> str:
        """The reader's choice, else the first of ours their browser asks for, else the
        deployment's."""
        if self.user is not None and self.user.language in LANGUAGES:
            return self.user.language
        return browser_language(
            self.request.headers.get("accept-language", ""), self.state.settings.language
        )

    @property
    def zone(self) -> ZoneInfo:
        chosen = self.user.timezone if self.user is not None else ""
        return ZoneInfo(chosen or self.state.settings.timezone)

    def say(self, key: str, **fields: object) -> str:
        return say(key, self.language, **fields)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return value if isinstance(value, str) else default

    def render(
        self, template: str, status: int = 200, *, language: str = "", **context: Any
    ) -> Response:
        """``template`` in the reader's language (or ``language``, for a document made
        in a given one)."""
        session = self.new_session or self.session
        flash = session.flash
        if flash:
            self.new_session = replace(session, flash="")
        language, zone, now = language or self.language, self.zone, self.now
        base = {
            "user": self.user,
            "csrf": session.csrf,
            "flash": flash,
            "now": now,
            "lang": language,
            "zone": zone,
            "t": lambda key, **fields: say(key, language, **fields),
            "when": lambda moment: when(moment, zone) if moment else "",
            "left": lambda deadline: time_left(deadline, now, language),
            "category": lambda name: category_name(name, language),
        }
        return self.state.templates.TemplateResponse(
            self.request, template, {**base, **context}, status_code=status
        )

    def redirect(self, url: str, flash: str = "") -> Response:
        if flash:
            self.new_session = replace(self.new_session or self.session, flash=flash)
        return RedirectResponse(url, status_code=303)


def browser_language(header: str, fallback: str) -> str:
    """The first of our languages an ``Accept-Language`` header asks for (by weight)."""
    wanted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        wanted.append((-weight, position, tag))
    for _, _, tag in sorted(wanted):
        language = person_language(tag, "")
        if language:
            return language
    return fallback


def time_left(deadline: datetime, now: datetime, language: str) -> str:
    """``3h 05m 09s left`` (or overdue by it), as the page's countdown ticks it."""
    seconds = int((deadline - now).total_seconds())
    span = abs(seconds)
    text = f"{span // 3600}h {span % 3600 // 60:02d}m {span % 60:02d}s"
    return say("web_left" if seconds > 0 else "web_overdue_by", language, time=text)


def safe_next(url: str, default: str = "/") -> str:
    """A local path to go back to: never another site (``//host``, ``https://...``)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url[1:2] in ("/", "\\"):
        return default
    return url


Handler = Callable[[Ctx], Awaitable[Response]]


def view(permission: Permission | None = Permission.READ) -> Callable[[Handler], Any]:
    """Wrap a handler: session, account (``permission`` None: anyone), CSRF on POST."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            state: WebState = request.app.state.web
            session = state.sessions.read(request)
            ctx = Ctx(request, state, session or Sessions.anonymous(), None)
            if session is None:
                ctx.new_session = ctx.session
            ctx.user = await _account(ctx)
            response = await _guarded(ctx, handler, permission)
            if ctx.new_session is not None:
                state.sessions.write(request, response, ctx.new_session)
            return response

        return endpoint

    return wrap


async def _account(ctx: Ctx) -> User | None:
    if not ctx.session.user:
        return None
    user = await ctx.store.get_user(ctx.session.user)
    if user is None or user.epoch != ctx.session.epoch:  # removed, or a new password
        ctx.new_session = Session(ctx.session.csrf)
        return None
    return user


async def _guarded(ctx: Ctx, handler: Handler, permission: Permission | None) -> Response:
    request = ctx.request
    if permission is not None and ctx.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return ctx.redirect("/login?" + urlencode({"next": target}))
    if request.method == "POST":
        ctx.form = await request.form(
            max_files=1, max_fields=_MAX_FIELDS, max_part_size=_MAX_FIELD_BYTES
        )
        if not ctx.session.csrf_ok(ctx.field("csrf")) or not _same_origin(request):
            return ctx.render("error.html", 403, message=ctx.say("web_form_expired"))
    if permission is not None and not ctx.me.may(permission):
        return ctx.render("error.html", 403, message=_refusal(ctx, permission))
    try:
        return await handler(ctx)
    except AuthorisationError as exc:
        return ctx.render("error.html", 403, message=refusal(exc, ctx.language))
    except InputError as exc:
        return ctx.render("error.html", 400, message=refusal(exc, ctx.language))
    except StorageError as exc:
        log.error("dashboard: %s", exc)
        return ctx.render("error.html", 503, message=ctx.say("web_database_down"))


def _refusal(ctx: Ctx, permission: Permission) -> str:
    me = ctx.me
    role = ctx.say(f"web_role_{me.role.value}")
    action = ctx.say(f"web_permission_{permission.value}")
    return ctx.say("web_may_not", name=me.name, role=role, action=action)


def _same_origin(request: Request) -> bool:
    """A browser's Origin header, when sent, must name this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.url.netloc
