"""Messages per second through ``Moderator.on_message``: a fake platform, the real
SQLite store (WAL, every case, effect and audit entry committed before and after
acting), a bank of 100k PDQ hashes.

    python -m bench.bench_engine [--images 400] [--texts 4000] [--concurrency 32] [--compare-log]

Baselines measured in the same run: hashing alone for the same JPEGs in the
same process pool (the ceiling for image messages), and an empty coroutine per
text message. Latency is from ``on_message`` being called to the platform's
delete call, for the messages that matched. ``--compare-log``: the same messages
with the recent-content log off and on, in alternating rounds (every message
that matched is counted against its entry either way: counting is part of the
case's write and has no switch).
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from core.bank_lists import entries_for_media
from core.banks import Bank
from core.engine.config import EngineConfig
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.model import Chat, ChatKind, MediaRef, Message, Sender
from core.store import open_store
from tests.conftest import PHOTO_NAMES, encode, load_photo
from tests.fakes import FakePlatform

CHAT = Chat("fake", "-1", ChatKind.SUPERGROUP, "bench")


class TimedPlatform(FakePlatform):
    """Records when each message's delete call arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted_at: dict[str, float] = {}

    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None:
        now = time.perf_counter()
        for message_id in message_ids:
            self.deleted_at.setdefault(message_id, now)
        await super().delete_messages(chat, message_ids)


def photos_1280() -> list[bytes]:
    out = []
    for name in PHOTO_NAMES[:6]:
        photo = load_photo(name)
        height = round(photo.height * 1280 / photo.width)
        out.append(encode(photo.resize((1280, height), Image.Resampling.LANCZOS), quality=90))
    return out


async def drive(count: int, concurrency: int, make: Callable[[int], Awaitable[object]]) -> float:
    """Run ``make(i)`` for i < count, ``concurrency`` at a time; messages per second."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await make(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - start)


async def one_round(
    moderator: Moderator,
    platform: TimedPlatform,
    tag: str,
    *,
    images: int,
    texts: int,
    concurrency: int,
    started: dict[str, float],
) -> tuple[float, float, float]:
    """Image messages, text messages with links and empty coroutines per second;
    message ids start with ``tag`` (each round's are new)."""

    async def image_message(i: int) -> None:
        size = len(platform.files[f"f{i}"])
        ref = MediaRef("photo", f"key{tag}{i}", f"f{i}", "image/jpeg", size)
        started[f"{tag}{i}"] = time.perf_counter()
        await moderator.on_message(Message(CHAT, f"{tag}{i}", Sender(f"u{i}"), media=(ref,)))

    async def text_message(i: int) -> None:
        text = f"see https://example.com/{tag}{i} and t.me/+invite{i}"
        await moderator.on_message(Message(CHAT, f"t{tag}{i}", Sender("u"), text=text))

    async def nothing(i: int) -> None:
        await asyncio.sleep(0)

    return (
        await drive(images, concurrency, image_message),
        await drive(texts, concurrency, text_message),
        await drive(texts, concurrency, nothing),
    )


async def bench(images: int, texts: int, concurrency: int, compare_log: bool) -> None:
    jpegs = photos_1280()
    banned = jpegs[0]
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(workers) as pool:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        async with open_store(url) as store:
            await store.create_bank(Bank("big"))
            rng = np.random.default_rng(0)
            randoms = [
                f"pdq {bytes(row).hex()}"
                for row in rng.integers(0, 256, (100_000, 32), dtype=np.uint8)
            ]
            from core.banks import Entry

            await store.add_entries("big", (Entry("pdq", line.split()[1]) for line in randoms))
            await store.add_entries(
                "big", entries_for_media(hash_media(banned), source="b", added_by="b")
            )
            platform = TimedPlatform()
            platform.files = {
                f"f{i}": (banned if i % 2 == 0 else jpegs[1 + i % 5]) for i in range(images)
            }
            matcher = await load_matcher(store)
            loop = asyncio.get_running_loop()
            await asyncio.gather(
                *(loop.run_in_executor(pool, hash_media, j) for j in jpegs)
            )  # warm up
            hash_rate = await drive(
                images,
                concurrency,
                lambda i: loop.run_in_executor(pool, hash_media, platform.files[f"f{i}"]),
            )
            started: dict[str, float] = {}
            rates: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
            runs = [False, True] * (2 if compare_log else 0) + [True]
            for rounds, logged in enumerate(runs):
                config = EngineConfig(recent_days=7 if logged else 0)
                async with Moderator(
                    store, {"fake": platform}, matcher, executor=pool, config=config
                ) as moderator:
                    rates[logged].append(
                        await one_round(
                            moderator,
                            platform,
                            f"{rounds}-",
                            images=images,
                            texts=texts,
                            concurrency=concurrency,
                            started=started,
                        )
                    )
            image_rate, text_rate, empty_rate = rates[True][-1]
            last = f"{len(runs) - 1}-"
            latencies = sorted(
                at - started[k] for k, at in platform.deleted_at.items() if k.startswith(last)
            )
            audit = [e async for e in store.iter_audit()]
            logged_messages = await store.recent_count()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{workers} hashing processes, {concurrency} messages in flight, bank of 100,001 PDQ hashes"
    )
    print(
        f"image messages (1280 px JPEG, half of them banned): {image_rate:,.0f}/s = {image_rate / workers:,.0f}/s per core"
    )
    print(
        f"  hashing alone, same pool (the ceiling):          {hash_rate:,.0f}/s ({image_rate / hash_rate:.0%} of it)"
    )
    print(
        f"  message -> delete call, {len(latencies)} deletions: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"  audit entries written: {len(audit)}")
    print(f"text messages with links: {text_rate:,.0f}/s (an empty coroutine: {empty_rate:,.0f}/s)")
    print(f"  messages in the recent-content log: {logged_messages:,}")
    if compare_log:
        on = [statistics.median(r[k] for r in rates[True][:-1]) for k in (0, 1)]
        off = [statistics.median(r[k] for r in rates[False]) for k in (0, 1)]
        print(
            f"with the recent-content log on, against off (alternating rounds, medians): "
            f"images {on[0] / off[0]:.0%} ({on[0]:,.0f}/s vs {off[0]:,.0f}/s), "
            f"texts with links {on[1] / off[1]:.0%} ({on[1]:,.0f}/s vs {off[1]:,.0f}/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--compare-log",
        action="store_true",
        help="Also run with the recent-content log off, alternating, and give the ratio.",
    )
    args = parser.parse_args()
    asyncio.run(bench(args.images, args.texts, args.concurrency, args.compare_log))


if __name__ == "__main__":
    main()
