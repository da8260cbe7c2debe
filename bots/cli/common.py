"""What the CLI commands share: state, the async runner, error reporting, file reading."""

import getpass
import os
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from bots.secrets import redact
from core.errors import BlockfirstError

# The database, hashing and progress stacks are imported by the commands that use
# them, not by this module: `blockfirst --help` starts at once.
if TYPE_CHECKING:
    from tqdm import tqdm

    from core.banks import Entry
    from core.ports import Store
    from core.store import SqlStore

__all__ = [
    "DB_OPTION_HELP",
    "EXIT_BUG",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CliState",
    "add_on_purpose",
    "audited",
    "fail",
    "progress",
    "run",
    "whoami",
    "write_out",
]

T = TypeVar("T")

DB_OPTION_HELP = "Store URL (env BLOCKFIRST_DB)."
EXIT_USAGE = 2
EXIT_BUG = 70  # sysexits' EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


@dataclass(frozen=True, slots=True)
class CliState:
    db_url: str
    db_given: bool = False  # by --db or BLOCKFIRST_DB: outranks a config file's [storage]
    log_level: str = "INFO"  # for the long-running commands (run, web)
    log_format: str = "text"

    @property
    def db_override(self) -> str | None:
        """The store to use instead of a config file's, if one was named."""
        return self.db_url if self.db_given else None

    def store(self, *, create: bool = False) -> "AbstractAsyncContextManager[SqlStore]":
        """The store (--db). Only commands that set a deployment up create one: any
        other, given a path with no database, says so instead of making an empty one."""
        from core.store import open_store

        return open_store(self.db_url, create=create)


async def add_on_purpose(store: "Store", bank: str, entries: "Sequence[Entry]") -> str:
    """Add ``entries`` named on the command line (restoring removed ones), audited;
    returns what happened, to print."""
    from core import bank_lists

    done = await bank_lists.add_on_purpose(store, bank, list(entries), f"cli:{whoami()}")
    await audited(store, "entries_added", bank=bank, reason=done.reason)
    restored = f", restored {done.restored} removed or disabled earlier" if done.restored else ""
    return f"added {done.result.added} (already present {done.result.duplicates}{restored})"


async def write_out(chunks: AsyncGenerator[str, None]) -> bool:
    """Stream ``chunks`` to standard output; False if the reader stopped early
    (``| head``): the stream is closed and the rest of the output dropped quietly."""
    async with aclosing(chunks) as stream:
        try:
            async for chunk in stream:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        except BrokenPipeError:
            _drop_stdout()
            return False
    return True


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so Python's own flush at exit cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


async def audited(store: "Store", kind: str, *, bank: str = "", reason: str = "") -> None:
    """Audit a change made from the command line (a bank, its entries, who decides),
    as the dashboard and the bots audit theirs; the actor is ``cli:<user>``."""
    from core.audit import AuditRecord
    from core.writes import Audit

    record = AuditRecord(kind=kind, bank=bank, actor=f"cli:{whoami()}", reason=reason[:500])
    await store.apply([Audit(record)])


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run one async command body; a blockfirst error becomes one line and exit 2,
    Ctrl-C exit 130."""
    import asyncio

    try:
        return asyncio.run(_await(coro_fn))
    except BlockfirstError as exc:
        fail(redact(str(exc)))
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)


async def _await(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return await coro_fn()


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def progress(total: int | None, unit: str, desc: str) -> "tqdm[Any]":
    """A progress bar on stderr when it is a terminal; silent when piped."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=None, file=sys.stderr, leave=False)


def whoami() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"
