"""A Moderator working through a burst of banned photos, to be killed -9 by a test.

    python -m tests.core.crash_worker DB_URL PLATFORM_JOURNAL COUNT

The fake platform appends every deletion to PLATFORM_JOURNAL (synced), which
stands for what the real platform did whatever happens to this process.
"""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.store import open_store
from tests.core.engine_helpers import BANNED, photo
from tests.fakes import FakePlatform

BURST = 20


def burst_message(i: int) -> object:
    return photo(str(i), f"file-{i}", key=f"key-{i}")


async def main(db_url: str, journal: Path, count: int) -> None:
    platform = FakePlatform(journal=journal)
    platform.files.update({f"file-{i}": BANNED for i in range(count)})
    async with open_store(db_url) as store:
        matcher = await load_matcher(store)
        with ThreadPoolExecutor(2) as pool:
            async with Moderator(store, {"fake": platform}, matcher, executor=pool) as moderator:
                for start in range(0, count, BURST):
                    batch = range(start, min(count, start + BURST))
                    await asyncio.gather(*(moderator.on_message(burst_message(i)) for i in batch))  # type: ignore[arg-type]
                    print(f"done {batch[-1]}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
