"""Scale-out numbers on a private PostgreSQL server (and SQLite, for comparison).

    python -m bench.bench_scale import [--lines 10000000] [--backends postgresql sqlite]
    python -m bench.bench_scale processes [--messages 300]

(c) ``import``: a generated N-line PDQ list imported by ``blockfirst hashes
import`` in a child process (time, peak RSS); the baseline is parsing the same
file alone in this process. Then a fresh process loads every bank into its
index and says when it is ready to serve (time from spawn, peak RSS); its
baseline is the same process reading the rows without indexing them.

(b) ``processes``: two bot processes on one PostgreSQL store, each handling
banned-photo messages with full audit, while a CLI process keeps adding bank
entries; throughput against one process alone in the same run, and how long a
bank change takes to reach both processes.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from core.formats import ListFormat, read_hash_list
from tests.pg import PostgresServer, postgres_or_skip

BLOCKFIRST = str(Path(sys.executable).parent / "blockfirst")
ROOT = Path(__file__).resolve().parents[1]


def write_list(path: Path, lines: int) -> None:
    rng = np.random.default_rng(7)
    with path.open("w") as out:
        for start in range(0, lines, 1_000_000):
            count = min(1_000_000, lines - start)
            raw = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
            out.writelines(f"pdq {row.tobytes().hex()}\n" for row in raw)


def parse_only(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as stream:
        rows = sum(1 for _ in read_hash_list(stream, ListFormat.LINES))
    assert rows > 0
    return time.perf_counter() - started


def run_child(args: list[str], ready: str | None = None) -> tuple[float, float, str]:
    """Seconds until the child printed ``ready`` (or exited), its peak RSS in MiB, output."""
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    output, at = [], None
    for line in child.stdout:
        output.append(line)
        if ready is not None and at is None and line.startswith(ready):
            at = time.perf_counter() - started
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, "".join(output)
    elapsed = at if at is not None else time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, "".join(output)


_LOADER = """
import asyncio, sys, time
from core.matching.loader import load_matcher
from core.store import open_store
async def main(url, index):
    async with open_store(url) as store:
        if index:
            matcher = await load_matcher(store)
            print(f"ready {len(matcher)}", flush=True)
        else:
            rows = 0
            for name in await store.bank_names():
                async for batch in store.iter_entry_rows(name):
                    rows += len(batch)
            print(f"ready {rows}", flush=True)
asyncio.run(main(sys.argv[1], sys.argv[2] == "index"))
"""


def bench_import(lines: int, backends: list[str]) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        listing = Path(tmp) / "pdq.txt"
        started = time.perf_counter()
        write_list(listing, lines)
        print(f"generated {lines:,} PDQ lines ({listing.stat().st_size / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        parsed = parse_only(listing)
        print(f"baseline: parsing the list alone {parsed:.1f} s")
        server = None
        for backend in backends:
            if backend == "postgresql":
                server = server or PostgresServer(postgres_or_skip())
                if not hasattr(server, "_started"):
                    server.start()
                    server._started = True  # type: ignore[attr-defined]
                url = server.new_database()
            else:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            subprocess.run([BLOCKFIRST, "--db", url, "banks", "create", "big"],
                           check=True, capture_output=True)  # fmt: skip
            took, rss, out = run_child(
                [BLOCKFIRST, "--db", url, "hashes", "import", "big", str(listing)]
            )
            print(f"{backend}: import {took:.0f} s ({took / parsed:.1f}x parsing), "
                  f"peak RSS {rss:.0f} MiB; {out.strip().splitlines()[0]}")  # fmt: skip
            loader = [sys.executable, "-c", _LOADER, url]
            read, read_rss, _ = run_child([*loader, "rows"], "ready")
            ready, ready_rss, out = run_child([*loader, "index"], "ready")
            print(f"{backend}: a new process serves after {ready:.1f} s with "
                  f"{out.split()[1]} entries indexed, peak RSS {ready_rss:.0f} MiB "
                  f"(reading the rows alone: {read:.1f} s, {read_rss:.0f} MiB; "
                  f"{ready / read:.2f}x)")  # fmt: skip
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("--lines", type=int, default=10_000_000)
    imp.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    proc = sub.add_parser("processes")
    proc.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    if args.what == "import":
        bench_import(args.lines, args.backends)
    else:
        from bench.bench_processes import bench_processes

        bench_processes(args.messages)


if __name__ == "__main__":
    main()
