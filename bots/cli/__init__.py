"""The ``blockfirst`` command line: one group, its subcommands in sibling modules.

Exit codes: 0 fine; 1 ``scan`` found a match (``audit verify``: tampering);
2 a usage error or bad input (and any other blockfirst error); 70 an
unexpected error (a bug: one line, the traceback only with BLOCKFIRST_DEBUG=1);
130 interrupted (Ctrl-C). Every failure is one ``error:`` line on stderr,
click's usage errors included, and no secret is ever part of it.
"""

import os
import sys
import traceback
import warnings

import click

from bots.cli.audit import audit, report
from bots.cli.banks import banks
from bots.cli.cases import cases, reviewers
from bots.cli.common import (
    DB_OPTION_HELP,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliState,
    fail,
)
from bots.cli.config_cmd import config
from bots.cli.db_cmd import db
from bots.cli.hashes import hash_files, hashes
from bots.cli.links import links
from bots.cli.run_cmd import run_command
from bots.cli.scan import scan
from bots.cli.web_cmd import users, web
from bots.logs import LEVELS
from bots.secrets import redact
from core.errors import BlockfirstError
from core.store import DEFAULT_URL

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.option(
    "--db", envvar="BLOCKFIRST_DB", default=DEFAULT_URL, show_default=True, help=DB_OPTION_HELP
)
@click.option(
    "--log-level",
    envvar="BLOCKFIRST_LOG_LEVEL",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    help="For run and web (env BLOCKFIRST_LOG_LEVEL).",
)
@click.option(
    "--log-format",
    envvar="BLOCKFIRST_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object a line (env BLOCKFIRST_LOG_FORMAT).",
)
@click.version_option(package_name="blockfirst", prog_name="blockfirst")
@click.pass_context
def cli(ctx: click.Context, db: str, log_level: str, log_format: str) -> None:
    """blockfirst: match images against hash banks, block first, review later."""
    given = ctx.get_parameter_source("db") is not click.core.ParameterSource.DEFAULT
    ctx.obj = CliState(db, given, log_level.upper(), log_format)
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
    """The entry point: the one place an error becomes a line and an exit code."""
    warnings.simplefilter("ignore")  # library notes (Pillow, libtiff) are not for the user
    try:
        code = cli.main(prog_name="blockfirst", standalone_mode=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "blockfirst"
        fail(f"{exc.format_message()} (see '{where} --help')", EXIT_USAGE)
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except BrokenPipeError:  # the reader of our output went away (| head): not an error
        sys.exit(0)
    except (KeyboardInterrupt, click.exceptions.Abort):
        fail("interrupted", EXIT_INTERRUPTED)
    except BlockfirstError as exc:
        fail(redact(str(exc)), EXIT_USAGE)
    except MemoryError:
        fail("out of memory: try smaller inputs or fewer --workers", EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 -- a bug: one line (never a secret), not a traceback
        if os.environ.get("BLOCKFIRST_DEBUG"):
            traceback.print_exc()
        detail = redact(str(exc).strip().splitlines()[0][:300]) if str(exc).strip() else ""
        fail(
            f"unexpected {type(exc).__name__}: {detail} (a bug: please report it; "
            "BLOCKFIRST_DEBUG=1 shows where)",
            EXIT_BUG,
        )
    sys.exit(code if isinstance(code, int) else 0)
