"""One bot process of several on one store, for the multi-process tests.

python -m tests.scale_worker follow DB_URL MD5     ready; "seen" once MD5 matches
python -m tests.scale_worker sweep DB_URL          "leader" once it holds the sweeper
python -m tests.scale_worker handle DB_URL JOURNAL COUNT GO
                                                   ready; at GO (a file), handle the
                                                   same COUNT banned photos as its peers
python -m tests.scale_worker audit DB_URL COUNT GO ready; at GO, COUNT audit notes at once
"""

import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.audit import AuditRecord
from core.engine.moderator import Moderator
from core.matching.loader import follow_changes, load_matcher
from core.matching.matcher import Matcher
from core.store import open_store
from tests.core.engine_helpers import BANNED, photo
from tests.fakes import FakePlatform

ROOT = Path(__file__).resolve().parents[1]


class Workers:
    """The test side: start workers, wait for what they say, kill what is left."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[str]] = []

    def start(self, *args: str) -> subprocess.Popen[str]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.scale_worker", *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.running.append(worker)
        return worker

    @staticmethod
    def expect(worker: subprocess.Popen[str], word: str, timeout: float = 60) -> str:
        assert worker.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if line.startswith(word):
                return line.strip()
            if not line and worker.poll() is not None:
                raise AssertionError(worker.stderr.read() if worker.stderr else "worker died")
        raise AssertionError(f"no {word!r} within {timeout} s")

    def close(self) -> None:
        for worker in self.running:
            if worker.poll() is None:
                worker.kill()
            worker.wait()


def say(text: str) -> None:
    print(text, flush=True)


async def follow(db_url: str, md5: str, every: float) -> None:
    async with open_store(db_url) as store:
        matcher = await load_matcher(store)
        say("ready")
        while not matcher.match({"md5": [md5]}):
            await asyncio.sleep(every)
            await follow_changes(store, matcher)
        say(f"seen {time.time()}")


async def sweep(db_url: str) -> None:
    async with open_store(db_url) as store:
        say("ready")
        while not await store.lead("sweeper"):
            await asyncio.sleep(0.2)
        say("leader")
        await asyncio.sleep(3600)


async def wait_for(go: Path) -> None:
    say("ready")
    while not go.exists():
        await asyncio.sleep(0.01)


async def handle(
    db_url: str, journal: Path, count: int, go: Path, first: int = 0, one_file: bool = False
) -> None:
    platform = FakePlatform(journal=journal)
    ids = range(first, first + count)
    platform.files.update({f"file-{i}": BANNED for i in ids})
    async with open_store(db_url) as store:
        matcher = await load_matcher(store)
        with ThreadPoolExecutor(2) as pool:
            async with Moderator(store, {"fake": platform}, matcher, executor=pool) as moderator:
                messages = [
                    photo(str(i), f"file-{i}", key="one" if one_file else f"key-{i}") for i in ids
                ]
                await wait_for(go)
                handled = await asyncio.gather(*(moderator.on_message(m) for m in messages))
    say(f"cases {sum(h.case is not None and not h.duplicate for h in handled)}")


async def audit(db_url: str, count: int, go: Path) -> None:
    async with open_store(db_url) as store, Moderator(store, {}, Matcher([])) as moderator:
        await wait_for(go)
        notes = [AuditRecord(kind="note", reason=f"{i}") for i in range(count)]
        await asyncio.gather(*(moderator.note(n) for n in notes))
    say("done")


if __name__ == "__main__":
    command, db_url, *rest = sys.argv[1:]
    if command == "follow":
        asyncio.run(follow(db_url, rest[0], float(rest[1]) if len(rest) > 1 else 0.5))
    elif command == "sweep":
        asyncio.run(sweep(db_url))
    elif command == "handle":
        first = int(rest[3]) if len(rest) > 3 else 0
        one_file = len(rest) > 4 and rest[4] == "one-file"
        asyncio.run(handle(db_url, Path(rest[0]), int(rest[1]), Path(rest[2]), first, one_file))
    elif command == "audit":
        asyncio.run(audit(db_url, int(rest[0]), Path(rest[1])))
    else:
        sys.exit(f"unknown command {command}")
