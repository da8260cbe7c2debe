"""Index snapshots: a matcher mapped back from a file, plus the changes since, is the
matcher a load from the store makes; a snapshot that is not this store's, or is
damaged, is not used."""

import logging
from pathlib import Path

import numpy as np
import pytest

from core.banks import Bank, Entry, EntryStatus
from core.engine.config import EngineConfig
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.matching.matcher import Matcher
from core.matching.snapshot import (
    IndexSnapshots,
    SnapshotError,
    load_matcher_mapped,
    read_snapshot,
    serving_matcher,
)
from core.store import SqlStore, open_store
from tests.fakes import FakeClock

RNG = np.random.default_rng(3)
PDQ = [bytes(row).hex() for row in RNG.integers(0, 256, size=(9000, 32), dtype=np.uint8)]


def _near(value: str, bits: int) -> str:
    raw = bytearray(bytes.fromhex(value))
    for bit in range(bits):
        raw[bit] ^= 1
    return raw.hex()


QUERIES = {
    "pdq": [PDQ[0], _near(PDQ[4100], 9), _near(PDQ[8999], 20), PDQ[7000], PDQ[8500], PDQ[1]],
    "md5": [f"{i:032x}" for i in range(6)],
    "text": ["buy deepfakes here", "hello"],
    "domain": ["bad.example"],
}


def _answers(matcher: Matcher) -> list[list[tuple[str, int, str, int]]]:
    """What the matcher finds for each query alone (an allow hit clears only its item)."""
    return [
        [(m.bank, m.entry_id, m.signal_type, m.distance) for m in matcher.match({kind: [value]})]
        for kind, values in QUERIES.items()
        for value in values
    ]


async def _banks(store: SqlStore) -> None:
    await store.create_bank(Bank("big"))
    await store.add_entries("big", [Entry("pdq", v) for v in PDQ[:8000]])
    await store.add_entries("big", [Entry("md5", f"{i:032x}") for i in range(4)])
    await store.create_bank(Bank("words"))
    await store.add_entries("words", [Entry("text", "deepfake"), Entry("domain", "bad.example")])
    await store.add_entries("words", [Entry("pdq", PDQ[1], allow=True)])
    await store.create_bank(Bank("later", enabled=False))
    await store.add_entries("later", [Entry("md5", f"{5:032x}")])
    await store.set_entry_status("big", "md5", [f"{2:032x}"], EntryStatus.DISABLED, by="t")


async def _changes_since(store: SqlStore) -> None:
    await store.add_entries("big", [Entry("pdq", v) for v in PDQ[8000:]])
    await store.set_entry_status("big", "pdq", [PDQ[7000]], EntryStatus.REMOVED, by="t")
    await store.set_entry_status("big", "md5", [f"{2:032x}"], EntryStatus.ACTIVE, by="t")
    await store.set_bank_enabled("later", True)
    await store.add_entries("words", [Entry("md5", f"{3:032x}")])


async def test_a_mapped_snapshot_and_the_changes_since_match_as_a_fresh_load(
    store: SqlStore, tmp_path: Path
) -> None:
    await _banks(store)
    path = tmp_path / "index.bfi"
    written = await load_matcher(store)
    assert await IndexSnapshots(store, path).save(written) > 32 * 8000
    await _changes_since(store)

    mapped, used = await load_matcher_mapped(store, path)
    fresh = await load_matcher(store)
    assert used
    assert mapped.version == fresh.version
    assert _answers(mapped) == _answers(fresh)
    # The queries do find things (and not others), so the comparison says something:
    # pdq removed since and allowed find nothing; md5 2 enabled again, 3 in two
    # banks, 5 in a bank enabled since.
    assert [len(a) for a in _answers(fresh)][:12] == [1, 1, 1, 0, 1, 0, 1, 1, 1, 2, 0, 1]

    # The mapped arrays are read-only; adding goes on into new ones.
    await store.add_entries("big", [Entry("pdq", _near(v, 1)) for v in PDQ[:5000]])
    await store.set_entry_status("big", "pdq", [PDQ[0]], EntryStatus.DISABLED, by="t")
    from core.matching.loader import follow_changes

    await follow_changes(store, mapped)
    assert _answers(mapped) == _answers(await load_matcher(store))


async def test_a_snapshot_of_another_store_is_not_used(
    store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _banks(store)
    path = tmp_path / "index.bfi"
    await IndexSnapshots(store, path).save(await load_matcher(store))
    async with open_store(f"sqlite:///{tmp_path / 'other.db'}", FakeClock()) as other:
        await other.create_bank(Bank("big"))
        await other.add_entries("big", [Entry("pdq", PDQ[5])])
        with caplog.at_level(logging.WARNING):
            matcher, used = await load_matcher_mapped(other, path)
        assert not used
        assert "not of this database" in caplog.text
        assert _answers(matcher) == _answers(await load_matcher(other))


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "other-format", "bad-offsets"],
)
async def test_a_damaged_snapshot_is_not_used(
    store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    await _banks(store)
    path = tmp_path / "index.bfi"
    await IndexSnapshots(store, path).save(await load_matcher(store))
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x89PNG" + data[4:])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other-format":
        path.write_bytes(data.replace(b'"format":1', b'"format":9', 1))
    else:  # a bucket boundary out of order in the first table
        snapshot = read_snapshot(path)
        index = snapshot.state.indexes[0].index
        offsets = index.parts()[0][0].offsets  # type: ignore[attr-defined]
        at = data.index(offsets[:4096].tobytes())
        broken = bytearray(data)
        broken[at + 4 * 100 : at + 4 * 101] = (2**31).to_bytes(4, "little")
        path.write_bytes(bytes(broken))
    with pytest.raises(SnapshotError):
        read_snapshot(path)
    with caplog.at_level(logging.WARNING):
        matcher, used = await load_matcher_mapped(store, path)
    assert not used
    assert "not used" in caplog.text
    assert _answers(matcher) == _answers(await load_matcher(store))


async def test_no_snapshot_loads_from_the_store(store: SqlStore, tmp_path: Path) -> None:
    await _banks(store)
    matcher, used = await load_matcher_mapped(store, tmp_path / "none.bfi")
    assert not used
    assert len(matcher) == len(await load_matcher(store))


async def test_the_snapshot_is_written_again_once_enough_changed(
    store: SqlStore, tmp_path: Path
) -> None:
    path = tmp_path / "deep" / "index.bfi"
    snapshots = IndexSnapshots(store, path)
    matcher = await load_matcher(store)
    assert not snapshots.due(matcher)  # no bank change yet: nothing to stamp
    await _banks(store)
    matcher = await load_matcher(store)
    assert snapshots.due(matcher)  # none on disk
    snapshots.refresh(matcher)
    await snapshots.wait()
    assert read_snapshot(path).stamp.version == matcher.version
    assert not snapshots.due(matcher)

    from core.matching.loader import follow_changes

    await store.add_entries("big", [Entry("md5", f"{i:032x}") for i in range(100, 200)])
    await follow_changes(store, matcher)
    assert not snapshots.due(matcher)  # a little changed
    await store.add_entries("big", [Entry("md5", f"{i:032x}") for i in range(1000, 11_000)])
    await follow_changes(store, matcher)
    assert snapshots.due(matcher)  # 10,000 more entries
    snapshots.refresh(matcher)
    await snapshots.wait()
    mapped, used = await load_matcher_mapped(store, path)
    assert used
    assert len(mapped) == len(matcher)

    # Another process (its own IndexSnapshots) sees the file is current.
    assert not IndexSnapshots(store, path).due(matcher)


async def test_a_snapshot_that_cannot_be_written_is_logged_and_serving_goes_on(
    store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _banks(store)
    (tmp_path / "file").write_text("")
    snapshots = IndexSnapshots(store, tmp_path / "file" / "index.bfi")  # not a directory
    matcher = await load_matcher(store)
    with caplog.at_level(logging.WARNING):
        snapshots.refresh(matcher)
        await snapshots.wait()
    assert "not written" in caplog.text
    assert not snapshots.due(matcher)  # not again at once
    assert not list(tmp_path.glob("**/.index.bfi.*"))  # no temporary file left


async def test_a_serving_process_writes_the_snapshot_and_the_next_one_maps_it(
    store: SqlStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _banks(store)
    path = tmp_path / "index.bfi"
    config = EngineConfig(index_snapshot=str(path))
    with caplog.at_level(logging.INFO):
        matcher = await serving_matcher(store, config.index_snapshot)
        assert "read from the store" in caplog.text
        async with Moderator(store, {}, matcher, config=config) as moderator:
            await moderator.follow_banks()  # its first round writes the snapshot
        assert read_snapshot(path).stamp.version == matcher.version

        caplog.clear()
        again = await serving_matcher(store, config.index_snapshot)
        assert f"mapped from {path}" in caplog.text
    assert _answers(again) == _answers(matcher)
    assert len(await serving_matcher(store, "")) == len(matcher)  # none: from the store
