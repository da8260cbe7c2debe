"""Scale-out numbers on a private PostgreSQL server (and SQLite, for comparison).

    python -m bench.bench_scale import [--lines 10000000] [--backends postgresql sqlite]
    python -m bench.bench_scale processes [--messages 300]

(c) ``import``: a generated N-line PDQ list imported by ``blockfirst hashes
import`` in a child process (time, peak RSS); the baseline is parsing the same
file alone in this process. Then a fresh process loads every bank into its
index and says when it is ready to serve (time from spawn, peak RSS); its
baseline is the same process reading the rows without indexing them. That
process writes the index snapshot, and a third maps it and applies the changes
since (none): time to serve, RSS, and 1,000 searches (half near-duplicates)
against the same searches in the process that built its index in memory.

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
from pathlib import Path
import numpy as np
from core.matching.loader import load_matcher
from core.matching.snapshot import IndexSnapshots, load_matcher_mapped
from core.store import open_store

def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) // 1024 for l in status if l.startswith("VmRSS:"))

def search(matcher):
    rng = np.random.default_rng(7)  # the list's first rows, as write_list made them
    stored = rng.integers(0, 256, size=(500, 32), dtype=np.uint8)
    queries = list(np.random.default_rng(8).integers(0, 256, size=(500, 32), dtype=np.uint8))
    for row in stored:
        bits = np.unpackbits(row)
        bits[:20] ^= 1
        queries.append(np.packbits(bits))
    started = time.perf_counter()
    found = sum(len(matcher.match({"pdq": [q.tobytes().hex()]})) for q in queries)
    took = time.perf_counter() - started
    print(f"search {len(queries) / took:.0f} {found} {rss()}", flush=True)

async def main(url, mode, snapshot):
    async with open_store(url) as store:
        if mode == "rows":
            rows = 0
            for name in await store.bank_names():
                async for batch in store.iter_entry_rows(name):
                    rows += len(batch)
            print(f"ready {rows} {rss()}", flush=True)
            return
        if mode == "mapped":
            matcher, used = await load_matcher_mapped(store, Path(snapshot))
            assert used
        else:
            matcher = await load_matcher(store)
        print(f"ready {len(matcher)} {rss()}", flush=True)
        if mode == "write":
            started = time.perf_counter()
            size = await IndexSnapshots(store, Path(snapshot)).save(matcher)
            print(f"wrote {size} {time.perf_counter() - started:.1f}", flush=True)
        else:
            search(matcher)
asyncio.run(main(*sys.argv[1:]))
"""


def _search_line(out: str) -> str:
    qps, found, rss = out.split("search ")[1].split()
    return f"1,000 searches at {int(qps):,} q/s ({found} found), RSS after them {rss} MiB"


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
            snapshot = str(Path(tmp) / f"{backend}.index")
            loader = [sys.executable, "-c", _LOADER, url]
            read, read_rss, _ = run_child([*loader, "rows", snapshot], "ready")
            ready, ready_rss, out = run_child([*loader, "index", snapshot], "ready")
            memory_qps = _search_line(out)
            print(f"{backend}: a new process serves after {ready:.1f} s with "
                  f"{out.split()[1]} entries indexed, peak RSS {ready_rss:.0f} MiB "
                  f"(reading the rows alone: {read:.1f} s, {read_rss:.0f} MiB; "
                  f"{ready / read:.2f}x); {memory_qps}")  # fmt: skip
            _, _, out = run_child([*loader, "write", snapshot])
            size, took = out.split("wrote ")[1].split()
            print(f"{backend}: snapshot written in {took} s, {int(size) / 2**20:,.0f} MiB")
            mapped, mapped_rss, out = run_child([*loader, "mapped", snapshot], "ready")
            at_ready = out.split("ready ")[1].split()[1]
            print(f"{backend}: a new process mapping the snapshot serves after {mapped:.2f} s "
                  f"({read / mapped:.0f}x faster than reading the rows alone), RSS {at_ready} "
                  f"MiB when ready, peak {mapped_rss:.0f} MiB; {_search_line(out)}")  # fmt: skip
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
