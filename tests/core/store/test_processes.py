"""Several bot processes on one PostgreSQL store: bank changes reach each within
seconds, one sweeper at a time (a successor takes over after kill -9), an update
delivered to two processes yields one case, one action, one audit entry, and
concurrent writers keep one valid audit chain."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.audit import verify
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.media.hashing import hash_media
from core.store import open_store
from tests.core.engine_helpers import BANNED
from tests.pg import PostgresServer
from tests.scale_worker import Workers


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    yield pool
    pool.close()


@pytest.fixture
async def url(postgres: PostgresServer) -> str:
    db_url = postgres.new_database()
    async with open_store(db_url) as store:
        await store.create_bank(Bank("ncii"))
        media = hash_media(BANNED)
        await store.add_entries("ncii", entries_for_media(media, source="t", added_by="t"))
    return db_url


async def test_a_bank_change_reaches_every_process(url: str, workers: Workers) -> None:
    probe = "ab" * 16
    followers = [workers.start("follow", url, probe) for _ in range(2)]
    for follower in followers:
        workers.expect(follower, "ready")
    async with open_store(url) as cli:  # what `blockfirst hashes import` does
        added_at = time.time()
        await cli.add_entries("ncii", [Entry("md5", probe)])
    for follower in followers:
        seen = float(workers.expect(follower, "seen", timeout=10).split()[1])
        assert seen - added_at < 10


def test_the_sweeper_fails_over_after_kill_9(url: str, workers: Workers) -> None:
    first = workers.start("sweep", url)
    workers.expect(first, "leader")
    second = workers.start("sweep", url)
    workers.expect(second, "ready")
    time.sleep(1)  # it keeps asking; the lock is held
    assert second.stdout is not None
    os.set_blocking(second.stdout.fileno(), False)
    assert second.stdout.readline() == ""
    os.set_blocking(second.stdout.fileno(), True)
    first.send_signal(signal.SIGKILL)
    workers.expect(second, "leader", timeout=10)


async def test_one_update_in_two_processes_is_handled_once(
    url: str, workers: Workers, tmp_path: Path
) -> None:
    count = 12
    journal, go = tmp_path / "deletions.txt", tmp_path / "go"
    pair = [workers.start("handle", url, str(journal), str(count), str(go)) for _ in range(2)]
    for worker in pair:
        workers.expect(worker, "ready")
    go.touch()
    opened = [int(workers.expect(w, "cases").split()[1]) for w in pair]
    assert sum(opened) == count  # each message opened a case in exactly one process
    deletions = journal.read_text().splitlines()
    assert len(deletions) == len(set(deletions)) == count
    async with open_store(url) as store:
        cases = await store.list_cases()
        entries = [e async for e in store.iter_audit()]
    # One picture: its posts are one case's copies, each counted once; two processes
    # that open its first case at the same moment may each open one.
    assert sum(c.copies for c in cases) == count
    assert 1 <= len(cases) <= 2
    # one entry per bank entry matched (its signal), written by one process only
    matched = [(e.record.message_id, e.record.reason) for e in entries if e.record.kind == "match"]
    assert len(matched) == len(set(matched))
    assert {m for m, _ in matched} == {str(i) for i in range(count)}
    assert len(matched) % count == 0
    assert verify(entries).ok


async def test_concurrent_writers_keep_one_valid_chain(
    url: str, workers: Workers, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    writers = [workers.start("audit", url, "200", str(go)) for _ in range(3)]
    for worker in writers:
        workers.expect(worker, "ready")
    go.touch()
    for worker in writers:
        workers.expect(worker, "done")
    async with open_store(url) as store:
        entries = [e async for e in store.iter_audit()]
    assert [e.seq for e in entries] == list(range(1, 601))
    assert verify(entries).ok
