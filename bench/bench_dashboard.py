"""How the review queue pages scale: the same requests against 1,000 and 100,000
cases in a real SQLite file, through the whole ASGI app (session, query, count,
template).

    python -m bench.bench_dashboard [--cases 100000] [--repeat 20]

The baseline is the same request against 1,000 cases in the same run; the
ratio says what a 100x larger queue costs a reviewer per page.
"""

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from bots.web.app import create_app
from bots.web.context import Services
from bots.web.settings import WebSettings
from core.accounts import Role, User
from core.engine.moderator import Moderator
from core.matching.matcher import Matcher
from core.store import open_store
from core.writes import OpenCase
from tests.factories import make_case
from tests.fakes import FakeClock

PASSWORD = "benchmark password"
REQUESTS = {
    "first page": "/?per=50",
    "page 10": "/?per=50&page=10",
    "bank filter": "/?bank=b7&per=50",
    "chat filter": "/?platform=discord&chat=55&per=50",
    "case page": "/cases/{first}",
}


async def _seed(db_url: str, cases: int, clock: FakeClock) -> None:
    async with open_store(db_url, clock) as store:
        await store.add_user(
            User("bench", Role.AUDITOR, PasswordHasher().hash(PASSWORD), clock.now())
        )
        for start in range(0, cases, 5000):
            batch = [
                make_case(
                    clock, f"c{i:07}", hours=1 + i % 72, banks=(f"b{i % 10}",),
                    platform="discord" if i % 4 == 0 else "telegram",
                    chat="55" if i % 4 == 0 else "-100",
                    with_message=True,
                )
                for i in range(start, min(cases, start + 5000))
            ]  # fmt: skip
            await store.apply([OpenCase(c) for c in batch])


async def _measure(db_url: str, clock: FakeClock, repeat: int) -> dict[str, float]:
    async with open_store(db_url, clock) as store, Moderator(store, {}, Matcher([])) as moderator:
        app = create_app(WebSettings(secret="b" * 32), Services(store, moderator, clock))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            login = await client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
            await client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": csrf})
            first = re.search(r'name="case" value="([^"]+)"', (await client.get("/")).text).group(1)  # type: ignore[union-attr]
            timings = {}
            for name, path in REQUESTS.items():
                samples = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await client.get(path.format(first=first))
                    samples.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                timings[name] = statistics.median(samples)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    clock = FakeClock(datetime.now(UTC))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (1_000, args.cases):
            db_url = f"sqlite:///{Path(tmp) / f'{count}.db'}"
            started = time.perf_counter()
            asyncio.run(_seed(db_url, count, clock))
            print(f"seeded {count:,} cases in {time.perf_counter() - started:.1f} s")
            results[count] = asyncio.run(_measure(db_url, clock, args.repeat))
    print(f"\n{'request':<14}{'1,000 cases':>14}{f'{args.cases:,} cases':>16}{'ratio':>8}")
    for name in REQUESTS:
        small, large = results[1_000][name], results[args.cases][name]
        print(f"{name:<14}{small * 1000:>11.1f} ms{large * 1000:>13.1f} ms{large / small:>7.1f}x")


if __name__ == "__main__":
    main()
