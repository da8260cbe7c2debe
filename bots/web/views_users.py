"""Signing in and out, the accounts page (admins), and each account's own language
and time zone."""

from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.responses import Response
from starlette.routing import Route

from bots.web.context import Ctx, safe_next, view
from bots.web.security import MIN_PASSWORD, Session, check_password, hash_password
from core.accounts import Permission, Role, User, valid_name
from core.audit import AuditRecord
from core.errors import InputError, Said
from core.policy import LANGUAGES

__all__ = ["routes"]


@view(None)
async def login_page(ctx: Ctx) -> Response:
    target = safe_next(ctx.request.query_params.get("next", "/"))
    return ctx.render("login.html", next=target, error="")


@view(None)
async def login(ctx: Ctx) -> Response:
    name = ctx.field("name").strip().lower()[:64]
    target = safe_next(ctx.field("next", "/"))
    client = f"ip:{ctx.request.client.host if ctx.request.client else '?'}"
    throttle = ctx.state.throttle
    wait = throttle.retry_after(client, f"user:{name}")
    if wait:
        message = ctx.say("web_too_many_attempts", minutes=wait // 60 + 1)
        response = ctx.render("login.html", 429, next=target, error=message)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await ctx.store.get_user(name)
    if not await check_password(user.password_hash if user else None, ctx.field("password")):
        throttle.failed(client, f"user:{name}")
        return ctx.render("login.html", 401, next=target, error=ctx.say("web_wrong_password"))
    assert user is not None
    throttle.succeeded(f"user:{name}")
    ctx.new_session = Session(Session.fresh_csrf(), user.name, user.epoch)  # no fixation
    await ctx.state.live.moderator.note(AuditRecord(kind="login", actor=user.actor))
    return ctx.redirect(target)


@view(None)
async def logout(ctx: Ctx) -> Response:
    """Sign out: this account's sessions end everywhere (a copied cookie too)."""
    if ctx.user is not None:
        await ctx.store.end_sessions(ctx.user.name, ctx.now)
        await ctx.state.live.moderator.note(AuditRecord(kind="logout", actor=ctx.user.actor))
    ctx.new_session = Session(Session.fresh_csrf())
    return ctx.redirect("/login", ctx.say("web_signed_out"))


@view(Permission.MANAGE_USERS)
async def users_page(ctx: Ctx) -> Response:
    users = await ctx.store.list_users()
    return ctx.render("users.html", users=users, roles=[r.value for r in Role])


def _password(ctx: Ctx) -> str:
    password = ctx.field("password")
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"password: at least {MIN_PASSWORD} characters",
            said=Said("web_password_short", {"count": MIN_PASSWORD}),
        )
    return password


@view(Permission.MANAGE_USERS)
async def add_user(ctx: Ctx) -> Response:
    name = valid_name(ctx.field("name").strip())
    try:
        role = Role(ctx.field("role"))
    except ValueError as exc:
        raise InputError(f"role: {exc}") from exc
    password_hash = await hash_password(_password(ctx))
    await ctx.store.add_user(User(name, role, password_hash, ctx.now, ctx.me.actor))
    record = AuditRecord(kind="user_added", actor=ctx.me.actor, reason=f"{name} as {role.value}")
    await ctx.state.live.moderator.note(record)
    role_name = ctx.say(f"web_role_{role.value}")
    return ctx.redirect("/users", ctx.say("web_account_created", name=name, role=role_name))


@view(Permission.MANAGE_USERS)
async def remove_user(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    if name == ctx.me.name:
        raise InputError("you cannot remove your own account", said=Said("web_own_account"))
    if not await ctx.store.remove_user(name):
        raise _no_account(name)
    await ctx.state.live.moderator.note(
        AuditRecord(kind="user_removed", actor=ctx.me.actor, reason=name)
    )
    return ctx.redirect("/users", ctx.say("web_account_removed", name=name))


@view(Permission.MANAGE_USERS)
async def set_password(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    password_hash = await hash_password(_password(ctx))
    if not await ctx.store.set_password(name, password_hash):
        raise _no_account(name)
    await ctx.state.live.moderator.note(
        AuditRecord(kind="password_changed", actor=ctx.me.actor, reason=name)
    )
    return ctx.redirect("/users", ctx.say("web_password_changed", name=name))


def _no_account(name: str) -> InputError:
    return InputError(f"no account {name[:64]!r}", said=Said("web_no_account", {"name": name[:64]}))


@view(Permission.READ)
async def preferences_page(ctx: Ctx) -> Response:
    return ctx.render(
        "preferences.html", default_zone=ctx.state.settings.timezone, zones=_COMMON_ZONES
    )


@view(Permission.READ)
async def save_preferences(ctx: Ctx) -> Response:
    """The signed-in account's own language and time zone (any role may set its own)."""
    language = ctx.field("language").strip()
    if language not in ("", *LANGUAGES):
        raise InputError("language: one of ko, en", said=Said("web_unknown_language"))
    zone = ctx.field("timezone").strip()[:64]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                f"time zone: unknown {zone!r}", said=Said("web_unknown_zone", {"zone": zone})
            ) from None
    await ctx.store.set_preferences(ctx.me.name, language, zone)
    ctx.user = replace(ctx.me, language=language, timezone=zone)  # this answer already
    return ctx.redirect("/preferences", ctx.say("web_preferences_saved"))


# Offered as suggestions; any IANA name is accepted.
_COMMON_ZONES = ("Asia/Seoul", "UTC", "Asia/Tokyo", "Europe/London", "America/New_York")


routes = [
    Route("/login", login_page),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/users", users_page),
    Route("/users/new", add_user, methods=["POST"]),
    Route("/users/{name:str}/remove", remove_user, methods=["POST"]),
    Route("/users/{name:str}/password", set_password, methods=["POST"]),
    Route("/preferences", preferences_page),
    Route("/preferences", save_preferences, methods=["POST"]),
]
