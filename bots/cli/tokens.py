"""``blockfirst tokens``: API tokens for platforms that call blockfirst over HTTP."""

from datetime import UTC, datetime

import click

from bots.cli.common import CliState, audited, fail, run, whoami
from core.api_tokens import ApiToken, Scope, new_token, parse_scopes, valid_token_name
from core.errors import InputError

__all__ = ["tokens"]


@click.group()
def tokens() -> None:
    """API tokens: made, listed and revoked here; each client is platform api:NAME."""


@tokens.command("add")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help=f"What the token may do: {', '.join(s.value for s in Scope)} (repeat, or a,b).",
)
@click.pass_obj
def add(state: CliState, name: str, scopes: tuple[str, ...]) -> None:
    """Make a token NAME and print it once: only its hash is kept."""
    try:
        valid_token_name(name)
        granted = parse_scopes(scopes)
    except InputError as exc:
        fail(str(exc))
    secret, digest = new_token()

    async def body() -> None:
        actor = f"cli:{whoami()}"
        async with state.store(create=True) as store:
            await store.add_token(ApiToken(name, granted, digest, datetime.now(UTC), actor))
            listed = ",".join(sorted(s.value for s in granted))
            await audited(store, "token_added", reason=f"api:{name} scopes {listed}")
        click.echo(f"token api:{name} ({listed}) made; it is shown this once:", err=True)
        click.echo(secret)

    run(body)


@tokens.command("list")
@click.pass_obj
def list_tokens(state: CliState) -> None:
    """Every token, revoked ones too (never the secret)."""

    async def body() -> None:
        async with state.store() as store:
            for token in await store.list_tokens():
                scopes = ",".join(sorted(s.value for s in token.scopes))
                ended = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
                made = f"made {token.created_at:%Y-%m-%d} by {token.created_by}"
                click.echo(f"{token.name}\t{scopes}\t{ended}\t{made}")

    run(body)


@tokens.command("revoke")
@click.argument("name")
@click.pass_obj
def revoke(state: CliState, name: str) -> None:
    """Revoke NAME at once (every process refuses it from its next request)."""

    async def body() -> None:
        async with state.store() as store:
            if not await store.revoke_token(name, datetime.now(UTC)):
                fail(f"no live token {name!r} (see 'blockfirst tokens list')")
            await audited(store, "token_revoked", reason=f"api:{name}")
        click.echo(f"token api:{name} revoked")

    run(body)
