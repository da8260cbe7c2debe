"""What the CLI commands share: state, the async runner, error reporting, file reading."""

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from tqdm import tqdm

from core.errors import BlockfirstError, InputError

__all__ = ["DB_OPTION_HELP", "CliState", "fail", "progress", "read_file", "run", "whoami"]

T = TypeVar("T")

DB_OPTION_HELP = "Store URL (env BLOCKFIRST_DB)."
EXIT_USAGE = 2


@dataclass(frozen=True, slots=True)
class CliState:
    db_url: str


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run one async command body; a blockfirst error becomes one line and exit 2."""
    try:
        return asyncio.run(_await(coro_fn))
    except BlockfirstError as exc:
        fail(str(exc))


async def _await(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return await coro_fn()


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def read_file(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, refusing anything over ``max_bytes`` before reading it.

    Devices and FIFOs are refused before opening (opening a FIFO would block).
    """
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > max_bytes:
                raise InputError(f"{path}: {stat.st_size} bytes, over the {max_bytes}-byte limit")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise InputError(f"{path}: over the {max_bytes}-byte limit")
    return data


def progress(total: int | None, unit: str, desc: str) -> "tqdm[Any]":
    """A progress bar on stderr when it is a terminal; silent when piped."""
    return tqdm(total=total, unit=unit, desc=desc, disable=None, file=sys.stderr, leave=False)


def whoami() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"
