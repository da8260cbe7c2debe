"""The ``blockfirst`` command line: one group, its subcommands in sibling modules.

Exit codes: 0 fine; 1 ``scan`` found a match (``audit verify``: tampering);
2 a usage error or bad input (and any other blockfirst error); 70 an
unexpected error (a bug: one line, the traceback only with BLOCKFIRST_DEBUG=1);
130 interrupted (Ctrl-C). Every failure is one ``error:`` line on stderr,
click's usage errors included, and no secret is ever part of it.
"""

import importlib
import os
import sys
import traceback
import warnings

import click

from bots.cli.common import (
    DB_OPTION_HELP,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliState,
    fail,
)
from bots.logs import LEVELS
from bots.secrets import redact
from core.errors import BlockfirstError
from core.storage_url import DEFAULT_URL

__all__ = ["COMMANDS", "cli", "main"]

# Each command's module is imported only when the command runs: `banks list` need
# not load the dashboard, the chat libraries or the hashing stack. The short help
# shown by --help is kept here (a test holds it equal to the command's own).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "api": (
        "bots.cli.api_cmd",
        "api",
        "Serve the HTTP API for platforms alone, until SIGINT or SIGTERM.",
    ),
    "audit": ("bots.cli.audit", "audit", "The tamper-evident audit log."),
    "banks": ("bots.cli.banks", "banks", "Banks: named hash lists with an action and thresholds."),
    "cases": ("bots.cli.cases", "cases", "Review cases: list, show, decide."),
    "config": ("bots.cli.config_cmd", "config", "The deployment's TOML configuration."),
    "db": ("bots.cli.db_cmd", "db", "The store itself: migrations, moving to another database."),
    "hash": (
        "bots.cli.hashes",
        "hash_files",
        "Print '<signal_type> <hash>' for every signal of each FILE.",
    ),
    "hashes": ("bots.cli.hashes", "hashes", "Add, import, export and remove a bank's hashes."),
    "links": (
        "bots.cli.links",
        "links",
        "Link rules: URLs, domains (with their subdomains), invite...",
    ),
    "report": ("bots.cli.audit", "report", "Reports for regulators."),
    "text": (
        "bots.cli.text",
        "text",
        "Text rules: phrases that advertise illegal filming and...",
    ),
    "reviewers": (
        "bots.cli.cases",
        "reviewers",
        "Who may decide cases (ids such as telegram:12345, or names...",
    ),
    "run": ("bots.cli.run_cmd", "run_command", "Run the configured bots until SIGINT or SIGTERM."),
    "scan": (
        "bots.cli.scan",
        "scan",
        "Match PATHS (files, directories recursively); exit 1 on any...",
    ),
    "tokens": (
        "bots.cli.tokens",
        "tokens",
        "API tokens: made, listed and revoked here; each client is...",
    ),
    "users": (
        "bots.cli.web_cmd",
        "users",
        "Dashboard accounts: auditors read, reviewers decide, admins...",
    ),
    "web": (
        "bots.cli.web_cmd",
        "web",
        "Serve the reviewers' dashboard alone, until SIGINT or SIGTERM.",
    ),
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported when used (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attr, _ = found
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)
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
