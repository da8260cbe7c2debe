"""Reading a local file in bounded chunks (a file too large to hold is digested
as it is read). Only regular files: a device (``/dev/zero``) or a FIFO would
never end, or block."""

import asyncio
import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import InputError

__all__ = ["CHUNK", "iter_file", "read_chunks"]

CHUNK = 1 << 20


def iter_file(path: Path, max_bytes: int) -> Iterator[bytes]:
    """The file's bytes in chunks; ``InputError`` for a non-regular file, one that
    cannot be read, or once more than ``max_bytes`` have been read."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO would block
            raise InputError(f"{path}: not a regular file")
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InputError(f"{path}: not a regular file")
        total = 0
        while chunk := _read(handle, path):
            total += len(chunk)
            if total > max_bytes:
                raise InputError(f"{path}: over the {max_bytes}-byte limit")
            yield chunk


def _read(handle: BinaryIO, path: Path) -> bytes:
    try:
        return handle.read(CHUNK)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc


async def read_chunks(path: Path, max_bytes: int) -> AsyncIterator[bytes]:
    """``iter_file`` off the event loop, a chunk at a time."""
    chunks = iter_file(path, max_bytes)
    while chunk := await asyncio.to_thread(next, chunks, b""):
        yield chunk
