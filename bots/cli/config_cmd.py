"""``blockfirst config check``: validate a configuration file without starting anything."""

import os
from pathlib import Path

import click

from bots.cli.common import CliState, run
from bots.config import load_config
from bots.web.server import exposure_warning

__all__ = ["config"]


@click.group()
def config() -> None:
    """The deployment's TOML configuration."""


@config.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def check(state: CliState, file: Path) -> None:
    """Validate FILE (and the secrets it needs from the environment); exit 2 naming the key."""

    async def body() -> None:
        loaded = load_config(file, os.environ, storage_url=state.db_override)
        click.echo(f"ok: storage {loaded.storage_url}")
        if loaded.telegram is not None:
            tg = loaded.telegram
            click.echo(
                f"telegram: review chat {tg.review_chat_id}, {len(tg.reviewers)} reviewers, "
                f"api {tg.api_url or 'https://api.telegram.org'} (token from the environment)"
            )
        warning = exposure_warning(loaded.web.bind) if loaded.web.enabled else None
        if warning:
            click.echo(f"warning: {warning}", err=True)
        settings = loaded.engine.default_settings
        block_first = ", ".join(sorted(settings.block_first)) or "none"
        click.echo(
            f"policy: {settings.mode.value}, language {settings.language}, "
            f"sanction {settings.sanction.value}, block first: {block_first}"
        )

    run(body)
