"""The Platform API over real HTTP: ``blockfirst api`` as its own process on loopback,
``bench.loadgen`` (prebuilt requests on kept-alive connections, as wrk) as the
client in this one.

    python -m bench.bench_api [--uploads 200] [--lookups 5000] [--bank 1000000]

Baselines measured in the same run: hashing the same 1280-px JPEGs in a
process pool of the same size (the ceiling for ``POST /m/lookup`` and content
intake), and the matcher queried directly in this process (the ceiling for
``/m/raw_lookup``: what HTTP, JSON and the token check cost on top).
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from bench.bench_engine import photos_1280
from bench.loadgen import drive, get, post_form
from core.api_tokens import ApiToken, Scope, new_token
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.store import open_store
from tests.conftest import encode
from tests.fakes import FakeClock
from tests.net import free_port, wait_until_answering

CONCURRENCY = 16


async def _seed(url: str, bank_size: int, banned: bytes) -> tuple[str, list[str]]:
    secret, digest = new_token()
    rng = np.random.default_rng(0)
    queries = []
    async with open_store(url) as store:
        await store.create_bank(Bank("big"))
        batch = 100_000
        for start in range(0, bank_size, batch):
            rows = rng.integers(0, 256, (min(batch, bank_size - start), 32), dtype=np.uint8)
            values = [bytes(r).hex() for r in rows]
            queries += values[:50] if start == 0 else []
            await store.add_entries("big", (Entry("pdq", v) for v in values))
        await store.add_entries(
            "big", entries_for_media(hash_media(banned), source="b", added_by="b")
        )
        await store.add_token(ApiToken("bench", frozenset(Scope), digest, FakeClock().now()))
    return secret, queries


async def _drive(count: int, make: Callable[[int], Awaitable[None]]) -> tuple[float, list[float]]:
    """``count`` calls, ``CONCURRENCY`` at a time: per second, and each call's seconds."""
    gate = asyncio.Semaphore(CONCURRENCY)
    took: list[float] = []

    async def one(i: int) -> None:
        async with gate:
            started = time.perf_counter()
            await make(i)
            took.append(time.perf_counter() - started)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - start), sorted(took)


async def _direct(url: str, queries: list[dict[str, tuple[str]]]) -> tuple[float, list[float]]:
    """The matcher queried in this process, without HTTP (then dropped)."""
    async with open_store(url) as store:
        matcher = await load_matcher(store)

    async def direct(i: int) -> None:
        matcher.match(queries[i], act_only=True)

    return await _drive(len(queries), direct)


@contextlib.contextmanager
def _served(url: str, folder: str) -> Iterator[tuple[str, int]]:
    """``blockfirst api`` on a free loopback port, until the block ends."""
    config = Path(folder) / "bench.toml"
    config.write_text("[api]\nrequests_per_minute = 1000000\nmax_body_mb = 32\n")
    bind = f"127.0.0.1:{free_port()}"
    command = [str(Path(sys.executable).parent / "blockfirst"), "--db", url, "--log-level", "ERROR"]
    server = subprocess.Popen([*command, "api", "--config", str(config), "--bind", bind])
    try:
        wait_until_answering(server, f"http://{bind}/openapi.json", timeout=60)
        yield "127.0.0.1", int(bind.rpartition(":")[2])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def _p(took: list[float], q: float) -> float:
    return took[min(len(took) - 1, int(len(took) * q))] * 1000


def _distinct(count: int) -> list[bytes]:
    """``count`` different 1280-px JPEGs (a pixel differs), so no answer comes from the
    file-key cache: every request is hashed."""
    photos = [Image.open(io.BytesIO(j)).convert("RGB") for j in photos_1280()]
    out = []
    for i in range(count):
        image = photos[i % len(photos)].copy()
        image.putpixel((i % 1280, 0), (i % 256, 0, 0))
        out.append(encode(image, quality=90))
    return out


async def bench(uploads: int, lookups: int, bank_size: int) -> None:
    jpegs = _distinct(uploads * 2 + 8)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        token, randoms = await _seed(url, bank_size, jpegs[0])
        with ProcessPoolExecutor(workers) as pool:
            loop = asyncio.get_running_loop()
            await asyncio.gather(*(loop.run_in_executor(pool, hash_media, j) for j in jpegs))

            async def hash_alone(i: int) -> None:
                await loop.run_in_executor(pool, hash_media, jpegs[i])

            ceiling, _ = await _drive(uploads, hash_alone)
        queries = [{"pdq": (randoms[i % len(randoms)],)} for i in range(lookups)]
        direct_rate, direct_took = await _direct(url, queries)
        with _served(url, folder) as (host, port):
            auth = {"Authorization": f"Bearer {token}"}
            uploads_ = [
                post_form("/m/lookup", auth, {}, {"photo": ("p.jpg", "image/jpeg", j)})
                for j in jpegs[:uploads]
            ]
            items = [
                post_form(
                    "/v1/items",
                    auth,
                    {"item": json.dumps({"item_id": f"i{i}", "room": "r", "uploader": "u"})},
                    {"media": ("p.jpg", "image/jpeg", jpegs[uploads + i])},
                )
                for i in range(uploads)
            ]
            raws = [
                get(
                    f"/m/raw_lookup?signal_type=pdq&signal={q['pdq'][0]}&include_distance=true",
                    auth,
                )
                for q in queries
            ]
            warm = [
                post_form("/m/lookup", auth, {}, {"photo": ("p.jpg", "image/jpeg", j)})
                for j in jpegs[uploads * 2 + 4 :]
            ]
            await drive(host, port, warm, CONCURRENCY)  # the server's pool started
            lookup_rate, lookup_took = await drive(host, port, uploads_, CONCURRENCY)
            item_rate, item_took = await drive(host, port, items, CONCURRENCY)
            raw_rate, raw_took = await drive(host, port, raws, CONCURRENCY)
    print(f"{workers} hashing processes, {CONCURRENCY} requests in flight, {bank_size:,} PDQ")
    print(f"hashing alone, same pool size (the ceiling): {ceiling:,.1f}/s")
    for name, rate, took in (
        ("POST /m/lookup (1280-px JPEG)", lookup_rate, lookup_took),
        ("POST /v1/items (1280-px JPEG)", item_rate, item_took),
    ):
        print(
            f"  {name}: {rate:,.1f}/s = {rate / ceiling:.0%} of the ceiling; "
            f"p50 {_p(took, 0.5):.0f} ms, p99 {_p(took, 0.99):.0f} ms"
        )
    print(
        f"GET /m/raw_lookup: {raw_rate:,.0f}/s, p50 {_p(raw_took, 0.5):.1f} ms, "
        f"p99 {_p(raw_took, 0.99):.1f} ms"
    )
    print(
        f"  the matcher directly: {direct_rate:,.0f}/s (p99 {_p(direct_took, 0.99):.2f} ms); "
        f"over HTTP: {raw_rate / direct_rate:.1%} of it, median {statistics.median(raw_took) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--bank", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(bench(args.uploads, args.lookups, args.bank))


if __name__ == "__main__":
    main()
