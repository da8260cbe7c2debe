import io

import pytest
from PIL import Image

from core.banks import Bank, EntryStatus
from core.catalog import entries_for_media, import_rows, load_matcher
from core.errors import InputError
from core.formats import ListFormat, read_hash_list
from core.hashing import hash_media
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
