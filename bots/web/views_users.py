"""Signing in and out, and the accounts page (admins)."""

from starlette.responses import Response
from starlette.routing import Route

from bots.web.context import Ctx, safe_next, view
from bots.web.security import MIN_PASSWORD, Session, check_password, hash_password
from core.accounts import Permission, Role, User, valid_name
from core.audit import AuditRecord
from core.errors import InputError

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
        message = f"Too many failed sign-ins; try again in {wait // 60 + 1} minutes."
        response = ctx.render("login.html", 429, next=target, error=message)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await ctx.store.get_user(name)
    if not await check_password(user.password_hash if user else None, ctx.field("password")):
        throttle.failed(client, f"user:{name}")
        return ctx.render("login.html", 401, next=target, error="Wrong name or password.")
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
    return ctx.redirect("/login", "Signed out.")


@view(Permission.MANAGE_USERS)
async def users_page(ctx: Ctx) -> Response:
    users = await ctx.store.list_users()
    return ctx.render("users.html", users=users, roles=[r.value for r in Role])


def _password(ctx: Ctx) -> str:
    password = ctx.field("password")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password: at least {MIN_PASSWORD} characters")
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
    return ctx.redirect("/users", f"Account {name} ({role.value}) created.")


@view(Permission.MANAGE_USERS)
async def remove_user(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    if name == ctx.me.name:
        raise InputError("you cannot remove your own account")
    if not await ctx.store.remove_user(name):
        raise InputError(f"no account {name[:64]!r}")
    await ctx.state.live.moderator.note(
        AuditRecord(kind="user_removed", actor=ctx.me.actor, reason=name)
    )
    return ctx.redirect("/users", f"Account {name} removed.")


@view(Permission.MANAGE_USERS)
async def set_password(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    password_hash = await hash_password(_password(ctx))
    if not await ctx.store.set_password(name, password_hash):
        raise InputError(f"no account {name[:64]!r}")
    await ctx.state.live.moderator.note(
        AuditRecord(kind="password_changed", actor=ctx.me.actor, reason=name)
    )
    return ctx.redirect("/users", f"Password of {name} changed; their sessions ended.")


routes = [
    Route("/login", login_page),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/users", users_page),
    Route("/users/new", add_user, methods=["POST"]),
    Route("/users/{name:str}/remove", remove_user, methods=["POST"]),
    Route("/users/{name:str}/password", set_password, methods=["POST"]),
]
