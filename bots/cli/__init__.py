"""The ``blockfirst`` command line: one group, its subcommands in sibling modules.

Exit codes: 0 fine; 1 ``scan`` found a match; 2 a usage error or bad input
(and any other blockfirst error, after one ``error:`` line on stderr).
"""

import click

from bots.cli.audit import audit, report
from bots.cli.banks import banks
from bots.cli.cases import cases, reviewers
from bots.cli.common import DB_OPTION_HELP, CliState
from bots.cli.config_cmd import config
from bots.cli.db_cmd import db
from bots.cli.hashes import hash_files, hashes
from bots.cli.links import links
from bots.cli.run_cmd import run_command
from bots.cli.scan import scan
from bots.cli.web_cmd import users, web
from core.store import DEFAULT_URL

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.option(
    "--db", envvar="BLOCKFIRST_DB", default=DEFAULT_URL, show_default=True, help=DB_OPTION_HELP
)
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """blockfirst: match images against hash banks, block first, review later."""
    ctx.obj = CliState(db_url=db)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


cli.add_command(banks)
cli.add_command(hashes)
cli.add_command(hash_files)
cli.add_command(scan)
cli.add_command(links)
cli.add_command(cases)
cli.add_command(reviewers)
cli.add_command(audit)
cli.add_command(report)
cli.add_command(config)
cli.add_command(run_command)
cli.add_command(web)
cli.add_command(users)
cli.add_command(db)


def main() -> None:
    cli(prog_name="blockfirst")
