"""(b) PDQ radius search: HammingIndex against faiss, in the same run.

    python -m bench.bench_index [--sizes 100000 1000000 10000000] [--queries 1000]
    python -m bench.bench_index --memory 10000000     # RSS of our index alone
    python -m bench.bench_index --review [--sizes ...]  # a picture's 8 orientations at 45 bits

Random 256-bit hashes; half the queries are a stored hash with 1-31 bits
flipped, half are random. Radius 31 (PDQ's act threshold). faiss runs on one
thread, like our index; ``IndexBinaryMultiHash(256, 16, 16)`` with nflip=1 is
what HMA uses, ``IndexBinaryFlat`` is brute force. Every answer of ours is
checked against IndexBinaryFlat's.

``--review``: what an image message costs the index, a picture's eight
orientations searched at PDQ's review threshold (45 bits), one query at a time
against all eight at once (``search_many``); pictures per second.
"""

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.matching.index import HammingIndex, Segment

RADIUS = 31


def queries(rows: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    out = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
    for i in range(0, count, 2):
        bits = np.unpackbits(rows[rng.integers(len(rows))])
        bits[rng.choice(256, size=int(rng.integers(1, RADIUS + 1)), replace=False)] ^= 1
        out[i] = np.packbits(bits)
    return out


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_second(
    search: Callable[[np.ndarray], object], qs: np.ndarray
) -> tuple[float, list[object]]:
    seconds, answers = timed(lambda: [search(q) for q in qs])
    assert isinstance(answers, list)
    return len(qs) / seconds, answers


def faiss_search(index: object, q: np.ndarray) -> list[tuple[int, int]]:
    limits, distances, ids = index.range_search(q[None, :], RADIUS + 1)  # type: ignore[attr-defined]
    found = slice(limits[0], limits[1])
    return sorted(zip(ids[found].tolist(), distances[found].tolist(), strict=True))


def run_size(n: int, n_queries: int, rng: np.random.Generator) -> None:
    import faiss

    faiss.omp_set_num_threads(1)
    rows = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    qs = queries(rows, n_queries, rng)
    build_ours, ours = timed(lambda: _ours(rows))
    build_mh, multihash = timed(lambda: _faiss_multihash(faiss, rows))
    flat = faiss.IndexBinaryFlat(256)
    flat.add(rows)
    ours_qps, ours_answers = per_second(lambda q: sorted(ours.search(q, RADIUS)), qs)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        mapped = _mapped(ours, Path(tmp))  # type: ignore[arg-type]
        mapped_qps, mapped_answers = per_second(lambda q: sorted(mapped.search(q, RADIUS)), qs)
    assert mapped_answers == ours_answers, "the mapped index answers differently"
    mh_qps, _ = per_second(lambda q: faiss_search(multihash, q), qs)
    flat_qs = qs[: max(20, n_queries // max(1, n // 100_000))]
    flat_qps, flat_answers = per_second(lambda q: faiss_search(flat, q), flat_qs)
    assert ours_answers[: len(flat_qs)] == flat_answers, "results differ from brute force"
    hits = sum(len(a) for a in ours_answers)  # type: ignore[arg-type]
    print(
        f"{n:>10,} | ours {ours_qps:>8,.0f} q/s | MultiHash {mh_qps:>7,.0f} q/s "
        f"({ours_qps / mh_qps:4.1f}x) | Flat {flat_qps:>6,.0f} q/s ({ours_qps / flat_qps:5.1f}x) | "
        f"build ours {build_ours:5.1f}s, MultiHash {build_mh:5.1f}s | "
        f"{ours.nbytes / n:.1f} B/hash | {hits} hits, exact"  # type: ignore[attr-defined]
    )
    print(
        f"{'':>10} | mapped from files: {mapped_qps:>8,.0f} q/s "
        f"({mapped_qps / mh_qps:4.1f}x MultiHash, {mapped_qps / ours_qps:.2f}x in memory)"
    )


def _mapped(index: HammingIndex, folder: Path) -> HammingIndex:
    """``index`` written to files and mapped back read-only, as a snapshot is."""
    segments, pending = index.parts()
    mapped = []
    for i, seg in enumerate(segments):
        arrays = []
        for name in ("rows", "tables", "offsets"):
            path = folder / f"{i}-{name}.npy"
            np.save(path, getattr(seg, name))
            arrays.append(np.load(path, mmap_mode="r"))
        mapped.append(Segment(seg.start, seg.stop, *arrays))
    return HammingIndex.from_parts(index.bits, mapped, pending)


def _ours(rows: np.ndarray) -> HammingIndex:
    index = HammingIndex(256)
    index.add(rows)
    return index


def _faiss_multihash(faiss: object, rows: np.ndarray) -> object:
    index = faiss.IndexBinaryMultiHash(256, 16, 16)  # type: ignore[attr-defined]
    index.nflip = RADIUS // 16
    index.add(rows)
    return index


def memory_only(n: int) -> None:
    """Build only our index over ``n`` hashes and report what the process holds."""
    rng = np.random.default_rng(1)
    before = _rss_mib()
    index = HammingIndex(256)
    step = 1_000_000
    for start in range(0, n, step):  # stream in, as an import would
        index.add(rng.integers(0, 256, size=(min(step, n - start), 32), dtype=np.uint8))
    rss = _rss_mib()
    print(
        f"{n:,} hashes: index arrays {index.nbytes / 2**20:,.0f} MiB; process RSS "
        f"{rss:,.0f} MiB, of which {rss - before:,.0f} MiB added by the index"
    )
    print(
        f"peak RSS during the build {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def review(sizes: list[int]) -> None:
    print("a picture's 8 orientations (unrelated hashes) at 45 bits, pictures/s")
    for n in sizes:
        rng = np.random.default_rng(n)
        index = HammingIndex(256)
        index.add(rng.integers(0, 256, size=(n, 32), dtype=np.uint8), seal=False)
        index.seal()
        pictures = [rng.integers(0, 256, size=(8, 32), dtype=np.uint8) for _ in range(300)]
        one, _ = timed(lambda: [[index.search(q, 45) for q in qs] for qs in pictures])  # noqa: B023
        many, _ = timed(lambda: [index.search_many(qs, 45) for qs in pictures])  # noqa: B023
        print(
            f"{n:>11,} | one at a time {len(pictures) / one:,.0f} | "
            f"all eight at once {len(pictures) / many:,.0f} ({one / many:.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--memory", type=int, default=None, metavar="N")
    parser.add_argument("--review", action="store_true", help="see the module's help")
    args = parser.parse_args()
    if args.review:
        review(args.sizes)
        return
    if args.memory:
        memory_only(args.memory)
        return
    rng = np.random.default_rng(0)
    print(f"radius {RADIUS}, {args.queries} queries (half near-duplicates), one thread each")
    for n in args.sizes:
        run_size(n, args.queries, rng)


if __name__ == "__main__":
    main()
