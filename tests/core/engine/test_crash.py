"""kill -9 in the middle of a burst loses no performed deletion and no case."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.audit import verify
from core.bank_lists import entries_for_media
from core.banks import Bank
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.store import open_store
from tests.core.crash_worker import burst_message
from tests.core.engine_helpers import BANNED, CHAT
from tests.fakes import FakePlatform

COUNT = 200
ROOT = Path(__file__).resolve().parents[3]


async def test_kill_9_mid_burst_then_restart_loses_nothing(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    journal = tmp_path / "platform-deletions.txt"
    async with open_store(db_url) as store:
        await store.create_bank(Bank("ncii"))
        await store.add_entries(
            "ncii", entries_for_media(hash_media(BANNED), source="t", added_by="t")
        )

    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.core.crash_worker", db_url, str(journal), str(COUNT)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not journal.exists() or len(journal.read_text().splitlines()) < 30:
        assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_after = len(journal.read_text().splitlines())
    assert killed_after < COUNT, "the burst finished before the kill"

    # Restart: the platform still knows what it deleted; updates not acknowledged are redelivered.
    platform = FakePlatform(journal=journal)
    platform.deleted = {tuple(line.split()) for line in journal.read_text().splitlines()}  # type: ignore[misc]
    platform.files.update({f"file-{i}": BANNED for i in range(COUNT)})
    async with open_store(db_url) as store:
        matcher = await load_matcher(store)
        with ThreadPoolExecutor(2) as pool:
            async with Moderator(store, {"fake": platform}, matcher, executor=pool) as moderator:
                for i in range(COUNT):
                    await moderator.on_message(burst_message(i))  # type: ignore[arg-type]
        entries = [e async for e in store.iter_audit()]
        cases = await store.list_cases(limit=10 * COUNT)
        copies = await store.case_copies(cases[0].id)

    performed = Counter(line for line in journal.read_text().splitlines())
    assert set(performed) == {f"{CHAT.id} {i}" for i in range(COUNT)}
    assert max(performed.values()) == 1, "a message was deleted twice"
    audited = Counter(
        e.record.message_id
        for e in entries
        if e.record.action == "delete" and e.record.kind == "action"
    )
    assert set(audited) == {str(i) for i in range(COUNT)}, (
        "a performed deletion is missing from the audit log"
    )
    assert max(audited.values()) == 1, "a deletion was audited twice"
    # One picture, posted 200 times: one case covering every post, each once.
    [case] = cases
    assert (case.copies, case.removed) == (COUNT, True)
    posts = [case.target.split(":")[-1], *(m.message_id for m in copies)]
    assert sorted(posts, key=int) == [str(i) for i in range(COUNT)], "a post counted twice"
    assert verify(entries).ok
