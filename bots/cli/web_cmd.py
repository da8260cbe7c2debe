"""``blockfirst web`` (the dashboard alone) and ``blockfirst users`` (its accounts)."""

import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

from bots.cli.common import CliState, fail, run, whoami
from bots.config import load_config
from bots.logs import setup_logging
from bots.web.app import create_app, standalone
from bots.web.security import MIN_PASSWORD, hash_password
from bots.web.server import serve_until_signalled
from core.accounts import Role, User, valid_name
from core.audit import AuditRecord
from core.errors import BlockfirstError, InputError
from core.writes import Audit

__all__ = ["users", "web"]


@click.command("web")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="blockfirst.toml: its [storage] and [web] apply.",
)
@click.option("--bind", default=None, help="HOST:PORT (default from [web] bind, 127.0.0.1:8080).")
@click.pass_obj
def web(state: CliState, config_path: Path | None, bind: str | None) -> None:  # fmt: skip
    """Serve the reviewers' dashboard alone, until SIGINT or SIGTERM.

    Decisions made here queue their chat effects (a card's update, a restore)
    for the running bot, which performs them on its next round.
    """
    setup_logging(state.log_level, state.log_format)
    try:
        config = load_config(config_path, os.environ, tokens=False, storage_url=state.db_override)
    except BlockfirstError as exc:
        fail(str(exc))
    settings = replace(config.web, bind=bind or config.web.bind)
    db_url = config.storage_url

    app = create_app(settings, lambda: standalone(db_url))
    run(lambda: serve_until_signalled(app, settings.bind))


@click.group()
def users() -> None:
    """Dashboard accounts: auditors read, reviewers decide, admins manage banks and accounts."""


def _read_password() -> str:
    """From standard input when it is not a terminal (scripts), else asked twice."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        fail(f"password: at least {MIN_PASSWORD} characters")
    return password


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.pass_obj
def add(state: CliState, name: str, role: str) -> None:
    """Create an account; the password is read from standard input or asked for."""
    try:
        valid_name(name)
    except InputError as exc:
        fail(str(exc))
    password = _read_password()

    async def body() -> None:
        password_hash = await hash_password(password)
        actor = f"cli:{whoami()}"
        async with state.store(create=True) as store:
            await store.add_user(User(name, Role(role), password_hash, datetime.now(UTC), actor))
            record = AuditRecord(kind="user_added", actor=actor, reason=f"{name} as {role}")
            await store.apply([Audit(record)])
        click.echo(f"account {name} ({role}) created")

    run(body)


@users.command("passwd")
@click.argument("name")
@click.pass_obj
def passwd(state: CliState, name: str) -> None:
    """Set an account's password (its sessions end)."""
    password = _read_password()

    async def body() -> None:
        password_hash = await hash_password(password)
        async with state.store() as store:
            if not await store.set_password(name, password_hash):
                fail(f"no account {name!r}")
            record = AuditRecord(kind="password_changed", actor=f"cli:{whoami()}", reason=name)
            await store.apply([Audit(record)])
        click.echo(f"password of {name} changed")

    run(body)


@users.command("list")
@click.pass_obj
def list_users(state: CliState) -> None:
    async def body() -> None:
        async with state.store() as store:
            for user in await store.list_users():
                created = f"created {user.created_at:%Y-%m-%d} by {user.created_by}"
                click.echo(f"{user.name}\t{user.role.value}\t{created}")

    run(body)


@users.command("remove")
@click.argument("name")
@click.pass_obj
def remove(state: CliState, name: str) -> None:
    async def body() -> None:
        async with state.store() as store:
            if not await store.remove_user(name):
                fail(f"no account {name!r}")
            record = AuditRecord(kind="user_removed", actor=f"cli:{whoami()}", reason=name)
            await store.apply([Audit(record)])
        click.echo(f"account {name} removed")

    run(body)
