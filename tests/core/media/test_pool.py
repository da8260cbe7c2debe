"""The hashing pool on real worker processes: a job past its deadline, a worker
that dies once, a worker that dies every time (issue 13, items 4 and 5)."""

import asyncio
import hashlib
import os
import signal
import time
from pathlib import Path

from core.media.decode import MediaLimits
from core.media.hashing import hash_media
from core.media.pool import HashingPool
from core.model import MediaSignals
from tests.conftest import encode, load_photo

PHOTO = encode(load_photo("coffee"))


def _hangs(data: bytes, limits: MediaLimits) -> MediaSignals:
    if data == b"hang":
        time.sleep(3600)  # inside native code, say: nothing in the worker stops it
    return hash_media(data, limits)


def _slow(data: bytes, limits: MediaLimits) -> MediaSignals:
    time.sleep(1.0)
    return hash_media(data, limits)


def _dies_once(data: bytes, limits: MediaLimits) -> MediaSignals:
    """``data`` is a marker file's path, a NUL, then the photo."""
    path, _, photo = data.partition(b"\0")
    mark = Path(path.decode())
    if not mark.exists():
        mark.touch()
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return hash_media(photo, limits)


def _always_dies(data: bytes, limits: MediaLimits) -> MediaSignals:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


async def test_a_job_past_its_deadline_is_an_error_with_its_digests_and_the_pool_goes_on() -> None:
    # Deadlines roomy enough for a cold worker on a loaded machine: only "hang" hits them.
    pool = HashingPool(MediaLimits(max_hash_seconds=2), workers=1, job=_hangs, grace=4)
    try:
        stalled = await pool.hash(b"hang")
        assert stalled.queries["sha256"] == (hashlib.sha256(b"hang").hexdigest(),)
        assert stalled.error == "hashing took over 6 s"
        assert pool.counts["timeout"] == 1
        after = await pool.hash(PHOTO)  # a new pool serves the next item
        assert after.error is None
        assert "pdq" in after.queries
    finally:
        pool.close()


async def test_a_dead_worker_is_replaced_and_its_job_retried_once(tmp_path: Path) -> None:
    pool = HashingPool(MediaLimits(), workers=1, job=_dies_once)
    try:
        media = await pool.hash(str(tmp_path / "died").encode() + b"\0" + PHOTO)
        assert media.error is None
        assert "pdq" in media.queries
        assert (pool.counts["worker_died"], pool.counts["restart"]) == (1, 1)
    finally:
        pool.close()


async def test_a_file_that_kills_every_worker_gets_its_digests_and_an_error() -> None:
    pool = HashingPool(MediaLimits(), workers=1, job=_always_dies)
    try:
        media = await pool.hash(PHOTO)
        assert media.queries["md5"] == (hashlib.md5(PHOTO).hexdigest(),)
        assert media.error == "the hashing worker died twice on this file"
        assert pool.counts["worker_died"] == 2
        pool_after = await pool.hash(b"")  # still serving (with a new pool)
        assert pool_after.error == "the hashing worker died twice on this file"
    finally:
        pool.close()


async def test_a_job_waiting_behind_others_is_not_counted_against_its_deadline() -> None:
    """Five one-second jobs on one worker with a 3.5 s deadline: the last waits four
    seconds, but its deadline starts when it runs (a busy pool must not be killed)."""
    pool = HashingPool(MediaLimits(max_hash_seconds=1), workers=1, job=_slow, grace=2.5)
    try:
        results = await asyncio.gather(*(pool.hash(PHOTO) for _ in range(5)))
        assert [r.error for r in results] == [None] * 5
        assert pool.counts["timeout"] == 0
    finally:
        pool.close()
