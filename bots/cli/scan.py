"""``blockfirst scan``: match files and directories against the enabled banks.

Hashing is CPU-bound, so a large scan spreads it over a process pool (one
worker per core); matching stays in this process, where the index lives.
"""

import json
import os
import signal
import sys
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bots.cli.common import CliState, progress, run
from core.errors import InputError
from core.matching.loader import load_matcher
from core.matching.matcher import Matcher
from core.media.hashing import hash_file
from core.media.pool import stop_workers
from core.model import Match, MediaSignals

__all__ = ["scan"]

# Below this many files, starting worker processes costs more than it saves.
_POOL_MIN_FILES = 8


@dataclass(frozen=True, slots=True)
class _Hashed:
    path: str
    media: MediaSignals | None
    error: str | None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Hashing processes (default: cores).",
)
@click.pass_obj
def scan(state: CliState, paths: tuple[Path, ...], as_json: bool, workers: int | None) -> None:
    """Match PATHS (files, directories recursively); exit 1 on any match.

    Exit 2 if nothing matched but some input could not be read.
    """

    async def load() -> Matcher:
        async with state.store() as store:
            return await load_matcher(store)

    matcher = run(load)
    # The scan itself runs outside the event loop, where Ctrl-C interrupts at once
    # (asyncio.run would only cancel its task, after every file was hashed).
    files, missing = _collect(paths)
    matched = errors = False
    for path in missing:
        _emit(_Hashed(str(path), None, f"{path}: no such file or directory"), [], as_json)
        errors = True
    hashing = closing(_hash_all(files, workers or os.cpu_count() or 1))
    with progress(len(files), "file", "scanning") as bar, hashing as results:
        for hashed in results:
            bar.update()
            matches = matcher.match(hashed.media.queries) if hashed.media else []
            _emit(hashed, matches, as_json)
            matched |= bool(matches)
            errors |= hashed.error is not None
    sys.exit(1 if matched else 2 if errors else 0)


def _collect(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(_walk(path))
        elif path.exists():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name


def _hash_all(files: list[Path], workers: int) -> Generator[_Hashed, None, None]:
    if workers < 2 or len(files) < _POOL_MIN_FILES:
        yield from map(_hash_one, files)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_leave_interrupts_to_parent)
    try:
        yield from pool.map(_hash_one, files, chunksize=4)
    except BaseException:  # Ctrl-C (or the consumer gone): stop now, not after every file
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _leave_interrupts_to_parent() -> None:
    """Workers ignore Ctrl-C (the terminal sends it to all): the parent stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _hash_one(path: Path) -> _Hashed:
    """Runs in a worker: read (bounded), hash in memory, return only the hashes."""
    try:
        media = hash_file(path)
    except InputError as exc:
        return _Hashed(str(path), None, str(exc))
    error = f"{path}: {media.error}; matched on exact hashes only" if media.error else None
    return _Hashed(str(path), media, error)


def _emit(hashed: _Hashed, matches: list[Match], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_json(hashed, matches), sort_keys=False))
        return
    for m in matches:
        click.echo(
            f"{hashed.path}: MATCH bank={m.bank} signal={m.signal_type} "
            f"distance={m.distance} band={m.band.value} action={m.action.value}"
        )
    if hashed.error:
        click.echo(f"{hashed.path}: error: {hashed.error.removeprefix(hashed.path + ': ')}")
    elif not matches:
        click.echo(f"{hashed.path}: no match")


def _json(hashed: _Hashed, matches: list[Match]) -> dict[str, Any]:
    signals = {s.signal_type: s.value for s in hashed.media.signals} if hashed.media else {}
    return {
        "path": hashed.path,
        "signals": signals,
        "matches": [
            {
                "bank": m.bank,
                "signal_type": m.signal_type,
                "distance": m.distance,
                "action": m.action.value,
                "band": m.band.value,
                "entry_id": m.entry_id,
            }
            for m in matches
        ],
        "error": hashed.error,
    }
