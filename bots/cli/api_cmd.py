"""``blockfirst api``: the HTTP API alone (``blockfirst run`` serves it beside the
bots when ``[api] enabled``)."""

import os
from dataclasses import replace
from pathlib import Path

import click

from adapters.api.app import create_api, standalone_api
from bots.cli.common import CliState, fail, run
from bots.config import load_config
from bots.logs import setup_logging
from bots.web.server import serve_until_signalled
from core.errors import BlockfirstError

__all__ = ["api"]


@click.command("api")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="blockfirst.toml: its [storage], [limits] and [api] apply.",
)
@click.option("--bind", default=None, help="HOST:PORT (default from [api] bind, 127.0.0.1:8090).")
@click.pass_obj
def api(state: CliState, config_path: Path | None, bind: str | None) -> None:
    """Serve the HTTP API for platforms alone, until SIGINT or SIGTERM.

    Clients authenticate with tokens from 'blockfirst tokens add'; bank changes
    made anywhere reach this process within seconds.
    """
    setup_logging(state.log_level, state.log_format)
    try:
        config = load_config(config_path, os.environ, tokens=False, storage_url=state.db_override)
    except BlockfirstError as exc:
        fail(str(exc))
    settings = replace(config.api, bind=bind or config.api.bind)
    db_url, engine = config.storage_url, config.engine

    app = create_api(settings, lambda: standalone_api(db_url, engine))
    run(lambda: serve_until_signalled(app, settings.bind, "api.bind", "API"))
