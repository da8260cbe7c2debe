"""(b) Two bot processes and a CLI writer on one PostgreSQL store (run through
``python -m bench.bench_scale processes``).

Every message is a banned photo: matched, deleted, a case opened, every step
audited in the one chain. All messages carry the same file, so it is hashed
once and what is measured is the store path (claims, cases, outbox, audit)
rather than image decoding. Baseline: one process alone, same run.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from core.audit import verify
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.media.hashing import hash_media
from core.store import open_store
from tests.core.engine_helpers import BANNED
from tests.pg import PostgresServer, postgres_or_skip
from tests.scale_worker import Workers

ROOT = Path(__file__).resolve().parents[1]
_WORKERS = Workers()
_start, _expect = _WORKERS.start, Workers.expect


async def _prepare(url: str) -> None:
    async with open_store(url) as store:
        await store.create_bank(Bank("ncii"))
        await store.add_entries(
            "ncii", entries_for_media(hash_media(BANNED), source="b", added_by="b")
        )


async def _audit_ok(url: str) -> tuple[int, bool]:
    async with open_store(url) as store:
        entries = [e async for e in store.iter_audit()]
    return len(entries), verify(entries).ok


def _run(url: str, tmp: Path, processes: int, messages: int, writer: bool) -> float:
    go = tmp / f"go-{processes}-{time.monotonic_ns()}"
    workers = [
        _start("handle", url, str(tmp / "journal"), str(messages), str(go),
               str(1_000_000 * (p + 1) + processes * 10_000), "one-file")
        for p in range(processes)
    ]  # fmt: skip
    for worker in workers:
        _expect(worker, "ready")
    cli = subprocess.Popen(
        [sys.executable, "-c", _WRITER, url], cwd=ROOT
    ) if writer else None  # fmt: skip
    started = time.perf_counter()
    go.touch()
    for worker in workers:
        _expect(worker, "cases")
    elapsed = time.perf_counter() - started
    if cli is not None:
        cli.terminate()
        cli.wait()
    for worker in workers:
        worker.wait()
    return processes * messages / elapsed


_WRITER = """
import asyncio, sys, itertools
from core.banks import Entry
from core.store import open_store
async def main(url):
    async with open_store(url) as store:
        for i in itertools.count():
            await store.add_entries("ncii", [Entry("md5", f"{i:032x}")])
            await asyncio.sleep(0.2)
asyncio.run(main(sys.argv[1]))
"""


async def _add(url: str, md5: str) -> float:
    async with open_store(url) as store:
        at = time.time()
        await store.add_entries("ncii", [Entry("md5", md5)])
        return at


def _propagation(url: str, trials: int = 5) -> list[float]:
    import asyncio

    delays = []
    for trial in range(trials):
        probe = f"{trial + 7:x}" * 32
        followers = [_start("follow", url, probe, "2") for _ in range(2)]
        for follower in followers:
            _expect(follower, "ready")

        added = asyncio.run(_add(url, probe))
        seen = [float(_expect(f, "seen").split()[1]) for f in followers]
        delays.append(max(seen) - added)
        for follower in followers:
            follower.wait()
    return delays


def bench_processes(messages: int) -> None:
    import asyncio

    server = PostgresServer(postgres_or_skip())
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = server.new_database()
            asyncio.run(_prepare(url))
            one = _run(url, Path(tmp), 1, messages, writer=False)
            two = _run(url, Path(tmp), 2, messages, writer=True)
            entries, ok = asyncio.run(_audit_ok(url))
            print(f"one process:  {one:.0f} banned-photo messages/s (each deleted, case, audit)")
            print(f"two processes + a CLI writer: {two:.0f} messages/s together ({two / one:.2f}x)")
            print(f"audit chain: {entries} entries, {'valid' if ok else 'BROKEN'}")
            delays = _propagation(url)
            print(
                f"bank change reaching both processes (bots follow every 2 s): median "
                f"{statistics.median(delays):.2f} s, worst {max(delays):.2f} s of {len(delays)}"
            )
    finally:
        _WORKERS.close()
        server.stop()
