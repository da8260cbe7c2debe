"""``blockfirst run``: start the configured bots."""

import logging
import os
from pathlib import Path

import click

from bots.cli.common import CliState, run
from bots.config import load_config
from bots.run import run_bots
from bots.secrets import install_redaction

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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "telegram.ext", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_redaction()

    async def body() -> None:
        await run_bots(load_config(config_path, os.environ, storage_url=state.db_override))

    run(body)
