"""``blockfirst run``: start the configured bots."""

import os
from pathlib import Path

import click

from bots.cli.common import CliState, run
from bots.config import load_config
from bots.logs import setup_logging
from bots.run import run_bots

__all__ = ["run_command"]


@click.command("run")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("blockfirst.toml"),
    show_default=True,
)
@click.pass_obj
def run_command(state: CliState, config_path: Path) -> None:
    """Run the configured bots until SIGINT or SIGTERM."""
    setup_logging(state.log_level, state.log_format)

    async def body() -> None:
        await run_bots(load_config(config_path, os.environ, storage_url=state.db_override))

    run(body)
