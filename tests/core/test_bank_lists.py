import io

import pytest
from PIL import Image

from core.bank_lists import entries_for_media, import_rows
from core.banks import Bank, EntryStatus
from core.errors import InputError
from core.formats import ListFormat, read_hash_list
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.store import SqlStore
from tests.conftest import encode

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"
LIST = f"pdq {PDQ}\nmd5 nothex\nmd5 {MD5}\nmd5 {MD5}\n".encode()


def rows(data: bytes = LIST) -> object:
    return read_hash_list(io.BytesIO(data), ListFormat.LINES, source="list.txt")


async def test_import_reports_every_outcome(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    ticks = []
    report = await import_rows(
        store, "a", rows(), added_by="alice", progress=lambda: ticks.append(1)
    )  # type: ignore[arg-type]
    assert (report.added, report.duplicates, report.bad, report.skipped) == (2, 1, 1, 0)
    assert [str(r) for r in report.bad_examples] == [
        "line 2: md5 hash must be 32 hex digits, got 6"
    ]
    assert len(ticks) == 4
    entries = [e async for e in store.iter_entries("a")]
    assert {(e.source, e.added_by) for e in entries} == {("list.txt", "alice")}
    assert "bad rows skipped 1" in report.summary()


async def test_strict_import_aborts_with_nothing_added(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    with pytest.raises(InputError, match=r"line 2.*nothing was imported"):
        await import_rows(store, "a", rows(), strict=True)  # type: ignore[arg-type]
    assert [e async for e in store.iter_entries("a")] == []


async def test_reimport_does_not_revive_removed_entries(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    await import_rows(store, "a", rows())  # type: ignore[arg-type]
    await store.set_entry_status("a", "pdq", [PDQ], EntryStatus.REMOVED, by="bob")
    report = await import_rows(store, "a", rows())  # type: ignore[arg-type]
    assert (report.added, report.tombstoned, report.duplicates) == (0, 1, 2)


async def test_matcher_sees_enabled_banks_and_active_entries_only(store: SqlStore) -> None:
    for name in ("on", "off"):
        await store.create_bank(Bank(name))
        await import_rows(store, name, rows())  # type: ignore[arg-type]
    await store.set_bank_enabled("off", False)
    await store.set_entry_status("on", "md5", [MD5], EntryStatus.REMOVED, by="bob")
    matcher = await load_matcher(store)
    found = matcher.match({"pdq": [PDQ], "md5": [MD5]})
    assert [(m.bank, m.signal_type) for m in found] == [("on", "pdq")]


def test_media_entries_leave_out_untrusted_perceptual_hashes() -> None:
    flat = hash_media(encode(Image.new("RGB", (300, 300), (10, 200, 30)), "PNG"))
    types = [e.signal_type for e in entries_for_media(flat, source="image", added_by="a")]
    assert types == ["sha256", "md5"]


def _md5(i: int) -> str:
    return f"{i:032x}"


def _hits(matcher: object, *values: str) -> list[str]:
    found = [m.value for v in values for m in matcher.match({"md5": [v]})]  # type: ignore[attr-defined]
    return sorted(found)


async def test_a_matcher_follows_changes_made_by_another_writer(
    store: SqlStore, db_url: str
) -> None:
    """Another process (its own store, engine and connections) changes the banks; the
    matcher follows the change log, without a rebuild."""
    from core.banks import Entry
    from core.matching.loader import follow_changes
    from core.store import open_store

    await store.create_bank(Bank("a"))
    await store.add_entries("a", [Entry("md5", _md5(1))])
    matcher = await load_matcher(store)
    assert _hits(matcher, _md5(1), _md5(2)) == [_md5(1)]
    async with open_store(db_url) as other:
        await other.add_entries("a", [Entry("md5", _md5(2)), Entry("md5", _md5(3))])
        assert await follow_changes(store, matcher) == 1
        assert _hits(matcher, _md5(2), _md5(3)) == [_md5(2), _md5(3)]

        await other.set_entry_status("a", "md5", [_md5(1)], EntryStatus.DISABLED, by="t")
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(1)) == []
        await other.set_entry_status("a", "md5", [_md5(1)], EntryStatus.ACTIVE, by="t")
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(1)) == [_md5(1)]  # live again, one copy

        await other.set_bank_enabled("a", False)
        await other.add_entries("a", [Entry("md5", _md5(4))])  # while disabled
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(1), _md5(4)) == []
        await other.set_bank_enabled("a", True)
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(1), _md5(4)) == [_md5(1), _md5(4)]

        await other.create_bank(Bank("b", enabled=False))
        await other.add_entries("b", [Entry("md5", _md5(5))])
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(5)) == []
        await other.set_bank_enabled("b", True)  # never loaded: loaded whole now
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(5)) == [_md5(5)]

        # Added and disabled before this process followed, then enabled: it matches.
        await other.add_entries("a", [Entry("md5", _md5(6))])
        await other.set_entry_status("a", "md5", [_md5(6)], EntryStatus.DISABLED, by="t")
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(6)) == []
        await other.set_entry_status("a", "md5", [_md5(6)], EntryStatus.ACTIVE, by="t")
        await follow_changes(store, matcher)
        assert _hits(matcher, _md5(6)) == [_md5(6)]
    assert await follow_changes(store, matcher) == 0
    assert matcher.version == await store.bank_version()
