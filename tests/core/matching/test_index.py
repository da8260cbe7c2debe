import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.matching.index import ExactIndex, HammingIndex


def brute_force(rows: np.ndarray, query: np.ndarray, radius: int) -> list[tuple[int, int]]:
    distances = np.unpackbits(rows ^ query, axis=1).sum(axis=1)
    return sorted(((int(d), i) for i, d in enumerate(distances) if d <= radius))


def as_pairs(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted((d, i) for i, d in found)


def near(rng: np.random.Generator, row: np.ndarray, flips: int) -> np.ndarray:
    bits = np.unpackbits(row)
    bits[rng.choice(bits.size, size=min(flips, bits.size), replace=False)] ^= 1
    return np.packbits(bits)


@st.composite
def index_cases(draw: st.DrawFn) -> tuple[int, np.ndarray, list[int], np.ndarray, int]:
    """Hashes (with near-duplicate clusters), batch sizes, a query and a radius."""
    bits = draw(st.sampled_from([64, 256]))
    nbytes = bits // 8
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    for i in range(1, n):  # clusters: some rows are near an earlier one
        if rng.random() < 0.4:
            base[i] = near(rng, base[rng.integers(i)], int(rng.integers(0, bits // 4)))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=4)))
    sizes = np.diff([0, *cuts, n]).tolist()
    if draw(st.booleans()):
        query = near(rng, base[draw(st.integers(0, n - 1))], draw(st.integers(0, bits // 3)))
    else:
        query = draw(hnp.arrays(np.uint8, nbytes))
    radius = draw(st.integers(0, bits))
    return bits, base, sizes, query, radius


@settings(max_examples=300, deadline=None)
@given(index_cases())
def test_radius_search_equals_brute_force(
    case: tuple[int, np.ndarray, list[int], np.ndarray, int],
) -> None:
    bits, rows, sizes, query, radius = case
    index = HammingIndex(bits)
    start = 0
    for size in sizes:
        assert list(index.add(rows[start : start + size])) == list(range(start, start + size))
        start += size
    assert as_pairs(index.search(query, radius)) == brute_force(rows, query, radius)


@pytest.mark.parametrize("bits", [64, 256])
@pytest.mark.parametrize("radius", [0, 8, 12, 31, 45, 63])
def test_sealed_segments_and_pending_rows_all_answer(bits: int, radius: int) -> None:
    """Enough rows to seal and merge several segments, added in uneven batches."""
    rng = np.random.default_rng(bits + radius)
    rows = rng.integers(0, 256, size=(20_000, bits // 8), dtype=np.uint8)
    index = HammingIndex(bits)
    for chunk in np.array_split(rows, [3, 5000, 5001, 9000, 17_000]):
        index.add(chunk)
    for _ in range(25):
        query = near(rng, rows[rng.integers(len(rows))], int(rng.integers(0, radius + 4)))
        assert as_pairs(index.search(query, radius)) == brute_force(rows, query, radius)


@pytest.mark.parametrize("bits", [64, 256])
@pytest.mark.parametrize("radius", [0, 12, 31, 63])
def test_queries_searched_together_answer_as_each_alone(bits: int, radius: int) -> None:
    """search_many over segments and pending rows: per query, the brute-force
    answer in search's order (near-duplicates, random queries, a repeated query)."""
    rng = np.random.default_rng(bits * radius + 1)
    rows = rng.integers(0, 256, size=(12_000, bits // 8), dtype=np.uint8)
    index = HammingIndex(bits)
    for chunk in np.array_split(rows, [4096, 9000, 11_990]):
        index.add(chunk)
    picks = rng.integers(len(rows), size=7)
    queries = [near(rng, rows[i], int(rng.integers(0, radius + 4))) for i in picks]
    queries += [rng.integers(0, 256, bits // 8, dtype=np.uint8), queries[0]]
    answers = index.search_many(np.stack(queries), radius)
    assert len(answers) == len(queries)
    for query, answer in zip(queries, answers, strict=True):
        assert answer == index.search(query, radius)
        assert as_pairs(answer) == brute_force(rows, query, radius)
    assert index.search_many(np.zeros((0, bits // 8), np.uint8), radius) == []


def test_results_are_nearest_first_then_by_id() -> None:
    index = HammingIndex(64)
    rows = np.array([[0, 0, 0, 0, 0, 0, 0, 7], [0] * 8, [0, 0, 0, 0, 0, 0, 0, 1]], dtype=np.uint8)
    index.add(rows)
    index.add(rows[1:2])
    assert index.search(np.zeros(8, np.uint8), 3) == [(1, 0), (3, 0), (2, 1), (0, 3)]


@pytest.mark.parametrize(
    ("bits", "hashes", "message"),
    [
        (64, np.zeros((2, 32), np.uint8), "shape"),
        (64, np.zeros(8, np.uint8), "shape"),
        (100, None, "multiple of 64"),
    ],
)
def test_bad_shapes_are_refused(bits: int, hashes: np.ndarray | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HammingIndex(bits).add(hashes if hashes is not None else np.zeros((1, 8), np.uint8))


def test_query_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        HammingIndex(256).search(np.zeros(8, np.uint8), 3)


def test_empty_index_and_negative_radius_find_nothing() -> None:
    index = HammingIndex(256)
    assert index.search(np.zeros(32, np.uint8), 31) == []
    index.add(np.zeros((1, 32), np.uint8))
    assert index.search(np.zeros(32, np.uint8), -1) == []


def test_memory_is_96_bytes_per_256_bit_hash_plus_bucket_offsets() -> None:
    """32 (the hash) + 16 tables x 4: 10M hashes in ~916 MiB (and the bucket offsets)."""
    n = 200_000
    index = HammingIndex(256)
    index.add(np.random.default_rng(0).integers(0, 256, (n, 32), dtype=np.uint8))
    offsets = 16 * (65536 + 1) * 4  # per segment, independent of its size
    assert index.nbytes == n * 96 + offsets


def test_exact_index() -> None:
    index = ExactIndex()
    assert index.add(["a", "b", "a"]) == [0, 1, 2]
    assert index.search("a") == [0, 2]
    assert index.search("zzz") == []
    assert len(index) == 3


def test_a_stored_hash_reads_back_as_added() -> None:
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 256, size=(5, 32), dtype=np.uint8)
    index = HammingIndex(256)
    index.add(rows)
    assert [index.hex(i) for i in range(5)] == [row.tobytes().hex() for row in rows]


def test_a_bulk_load_sealed_at_the_end_answers_like_one_sealed_as_it_goes() -> None:
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 256, size=(20_000, 32), dtype=np.uint8)
    streamed, bulk = HammingIndex(256), HammingIndex(256)
    for start in range(0, len(rows), 3000):
        streamed.add(rows[start : start + 3000])
        bulk.add(rows[start : start + 3000], seal=False)
    probes = rows[rng.integers(0, len(rows), 20)] ^ np.uint8(1)
    before = [bulk.search(q, 31) for q in probes]  # unsealed: found by brute force
    bulk.seal()
    for query, unsealed in zip(probes, before, strict=True):
        assert bulk.search(query, 31) == streamed.search(query, 31) == unsealed


def test_hex_hashes_searched_together_keep_each_values_hits_in_order() -> None:
    """HammingHashes.search: every value's hits, value by value (a picture's
    orientations at once), and a value of the wrong length is refused, not
    read across its neighbour."""
    from core.signals.hamming import HammingHashes
    from core.signals.indexes import IndexHit

    rng = np.random.default_rng(3)
    rows = rng.integers(0, 256, size=(5000, 32), dtype=np.uint8)
    hashes = HammingHashes(256)
    hashes.add([bytes(row).hex() for row in rows])
    values = [bytes(near(rng, rows[i], 5)).hex() for i in (10, 20, 10)]
    expected = [
        IndexHit(i, d)
        for value in values
        for d, i in brute_force(rows, np.frombuffer(bytes.fromhex(value), np.uint8), 31)
    ]
    assert hashes.search(values, 31) == expected
    assert hashes.search([], 31) == []
    with pytest.raises(ValueError, match="32 bytes"):
        hashes.search([values[0][:-2], values[1] + "00"], 31)
