"""Matches that reach back: newly listed PDQ hashes against a 7-day recent-content
log (``core.engine.retro``).

    python -m bench.bench_retro [--messages 1000000] [--new 1000] [--near 100]
                                [--backend sqlite|postgresql]

A log of N messages is written as the engine writes it (an image's SHA-256, MD5,
PDQ, pHash and dHash each; 1,000 chats; seen over 7 days). Then ``--new`` PDQ
hashes are listed, ``--near`` of them a logged picture's hash with 8 bits
changed, and the process reaches back: every logged message is read, its hashes
indexed, each new hash searched, each message found checked with the live
matcher and acted on (a case, a deletion, the audit). Baseline in the same run:
reading the log's PDQ hashes and building an index of them alone. Also: the
log's bytes per message on disk.
"""

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from core.banks import Bank, Entry
from core.engine.config import EngineConfig
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.model import Chat, ChatKind, Message, Sender
from core.signals.hamming import HammingHashes
from core.store import SqlStore, open_store
from core.writes import LogRecent
from tests.fakes import FakeClock, FakePlatform
from tests.pg import PostgresServer, postgres_or_skip

_BATCH = 20_000
_START = datetime(2026, 12, 1, tzinfo=UTC)


def _hex(rng: np.random.Generator, count: int, nbytes: int) -> list[str]:
    return [bytes(r).hex() for r in rng.integers(0, 256, (count, nbytes), dtype=np.uint8)]


async def fill(store: SqlStore, messages: int, rng: np.random.Generator) -> list[str]:
    """Write ``messages`` to the log; their PDQ hashes."""
    pdqs: list[str] = []
    spread = timedelta(days=7) / messages
    for start in range(0, messages, _BATCH):
        count = min(_BATCH, messages - start)
        pdq = _hex(rng, count, 32)
        columns = zip(
            _hex(rng, count, 32), _hex(rng, count, 16), pdq, _hex(rng, count, 8),
            _hex(rng, count, 8), strict=True,
        )  # fmt: skip
        rows = []
        for i, (sha, md5, p, ph, dh) in enumerate(columns):
            n = start + i
            chat = Chat("fake", f"-{1000 + n % 1000}", ChatKind.SUPERGROUP)
            message = Message(chat, str(n), Sender(f"u{n % 5000}"))
            item = {"sha256": (sha,), "md5": (md5,), "pdq": (p,), "phash": (ph,), "dhash": (dh,)}
            rows.append(LogRecent.of(message, [item], _START + spread * n))
        await store.log_recent(rows)
        pdqs += pdq
    return pdqs


async def log_bytes(store: SqlStore, path: Path | None) -> int:
    async with store._engine.connect() as conn:
        if path is None:
            return int(
                (await conn.exec_driver_sql("SELECT pg_total_relation_size('recent_items')"))
                .scalar_one()
            )  # fmt: skip
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def baseline(store: SqlStore) -> float:
    """Reading the log's PDQ hashes and indexing them, alone."""
    started = time.perf_counter()
    hashes: list[str] = []
    after = 0
    since = _START - timedelta(days=1)
    while page := await store.recent_values(since, after=after, limit=_BATCH):
        after = page[-1][0]
        hashes += [v for _, items in page for item in items for v in item.get("pdq", ())]
    index = HammingHashes(256)
    index.add(hashes)
    assert len(index) == len(hashes)
    return time.perf_counter() - started


def near(value: str, bits: int, rng: np.random.Generator) -> str:
    raw = bytearray(bytes.fromhex(value))
    for bit in rng.choice(256, size=bits, replace=False):
        raw[bit // 8] ^= 1 << (bit % 8)
    return raw.hex()


async def bench(messages: int, new: int, close: int, url: str, path: Path | None) -> None:
    rng = np.random.default_rng(5)
    clock = FakeClock(_START + timedelta(days=7, minutes=1))
    async with open_store(url, clock) as store:
        await store.create_bank(Bank("listed"))
        empty = await log_bytes(store, path)
        started = time.perf_counter()
        pdqs = await fill(store, messages, rng)
        wrote = time.perf_counter() - started
        per_message = (await log_bytes(store, path) - empty) / messages
        print(f"log: {messages:,} messages written in {wrote:.1f} s; {per_message:.0f} bytes each")

        picked = rng.choice(len(pdqs), size=close, replace=False)
        listed = [near(pdqs[i], 8, rng) for i in picked] + _hex(rng, new - close, 32)
        platform = FakePlatform()
        config = EngineConfig(retro_settle=timedelta(0))
        matcher = await load_matcher(store)
        async with Moderator(store, {"fake": platform}, matcher, clock=clock, config=config) as m:
            await store.add_entries("listed", [Entry("pdq", v) for v in listed])
            await m.follow_banks()
            started = time.perf_counter()
            acted = await m.reach_back()
            reached = time.perf_counter() - started
        alone = await baseline(store)
    print(
        f"reaching back with {new:,} new PDQ hashes ({close} near a logged picture): "
        f"{reached:.1f} s, {acted} message(s) acted on, {len(platform.deleted)} deleted"
    )
    print(
        f"baseline, reading the log's PDQ hashes and indexing them alone: {alone:.1f} s "
        f"({reached / alone:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--near", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        if args.backend == "sqlite":
            path = Path(tmp) / "retro.db"
            asyncio.run(bench(args.messages, args.new, args.near, f"sqlite:///{path}", path))
            return
        server = PostgresServer(postgres_or_skip())
        server.start()
        try:
            asyncio.run(bench(args.messages, args.new, args.near, server.new_database(), None))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
