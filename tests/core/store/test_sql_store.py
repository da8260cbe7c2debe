"""The store against a real SQLite file (WAL), through the Store port only."""

import asyncio
import gc
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from core.banks import DEFAULT_FLOOD, Bank, Entry, EntryStatus
from core.errors import ConfigError, InputError, StorageError
from core.model import BankAction
from core.signals import Thresholds
from core.store import HEAD_REVISION, SqlStore, driver_url, open_store
from core.writes import MarkProcessed
from tests.core.store.old_schema import OLD_BANK, database_at
from tests.fakes import FakeClock

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"


def md5s(n: int, start: int = 0) -> list[Entry]:
    return [Entry("md5", f"{i:032x}", source="test") for i in range(start, start + n)]


async def test_bank_round_trip(store: SqlStore, clock: FakeClock) -> None:
    bank = Bank("ncii", BankAction.REVIEW, "from StopNCII", True, {"pdq": Thresholds(20, 40)})
    await store.create_bank(bank)
    loaded = await store.get_bank("ncii")
    assert loaded == Bank(
        "ncii", BankAction.REVIEW, "from StopNCII", True, {"pdq": Thresholds(20, 40)}, clock.now()
    )


async def test_duplicate_and_missing_banks_are_input_errors(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    with pytest.raises(InputError, match="already exists"):
        await store.create_bank(Bank("a"))
    with pytest.raises(InputError, match="no bank named 'b'"):
        await store.get_bank("b")
    with pytest.raises(InputError, match="no bank named 'b'"):
        await store.add_entries("b", md5s(1))


async def test_add_counts_new_duplicate_and_tombstoned(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    first = await store.add_entries("a", [*md5s(3), md5s(1)[0]])
    assert (first.added, first.duplicates, first.tombstoned) == (3, 1, 0)
    removed = await store.set_entry_status(
        "a", "md5", [md5s(1)[0].value, "f" * 32], EntryStatus.REMOVED, by="alice"
    )
    assert removed == 1
    again = await store.add_entries("a", md5s(5))
    assert (again.added, again.duplicates, again.tombstoned) == (2, 2, 1)


async def test_same_hash_may_sit_in_two_banks(store: SqlStore) -> None:
    for name in ("a", "b"):
        await store.create_bank(Bank(name))
        assert (await store.add_entries(name, md5s(2))).added == 2


async def test_entries_keep_their_provenance(store: SqlStore, clock: FakeClock) -> None:
    await store.create_bank(Bank("a"))
    entry = Entry("pdq", PDQ, "StopNCII", "ext-9", "alice", "first", ("ncii", "adult"), 87)
    await store.add_entries("a", [entry])
    (loaded,) = [e async for e in store.iter_entries("a")]
    assert loaded == Entry(
        "pdq",
        PDQ,
        "StopNCII",
        "ext-9",
        "alice",
        "first",
        ("ncii", "adult"),
        87,
        clock.now(),
        EntryStatus.ACTIVE,
        loaded.id,
    )


async def test_bare_and_described_entries_of_one_batch_keep_what_each_carries(
    store: SqlStore, clock: FakeClock
) -> None:
    """A bare line and an entry with provenance, a date, a status, an allow flag or
    a value too long for the index are staged differently; each comes out as given."""
    await store.create_bank(Bank("a"))
    stamp = clock.now() - timedelta(days=3)
    long_value = "0" * 64 + ",1.0;" + "f" * 64 * 4  # past the key's 128 characters
    given = [
        Entry("md5", MD5, "list"),
        Entry("pdq", PDQ, "list", quality=90),
        Entry("md5", "1" * 32, "list", "ext-1", "bob", "seen", ("a", "b"), 5, stamp),
        Entry("md5", "2" * 32, "list", status=EntryStatus.DISABLED),
        Entry("md5", "3" * 32, "list", allow=True),
        Entry("vpdq", long_value, "list"),
        Entry("md5", MD5, "again", note="a duplicate of the first"),
    ]
    result = await store.add_entries("a", given, added_by="importer")
    assert (result.added, result.duplicates) == (6, 1)
    loaded = {e.value: e async for e in store.iter_entries("a")}
    expected = [
        replace(e, added_by=e.added_by or "importer", added_at=e.added_at or clock.now())
        for e in given[:6]
        if e.status is EntryStatus.ACTIVE
    ]
    assert [replace(loaded[e.value], id=None) for e in expected] == expected
    assert len(loaded) == 5  # the disabled one is not exported
    again = await store.add_entries("a", [Entry("md5", "2" * 32), Entry("vpdq", long_value)])
    assert (again.added, again.duplicates, again.tombstoned) == (0, 1, 1)


async def test_removed_entries_leave_the_export_but_stay_as_tombstones(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    await store.add_entries("a", md5s(4))
    await store.set_entry_status("a", "md5", [md5s(2)[1].value], EntryStatus.REMOVED, by="bob")
    values = [e.value async for e in store.iter_entries("a")]
    assert values == [e.value for i, e in enumerate(md5s(4)) if i != 1]
    (summary,) = await store.list_banks()
    assert (summary.active, summary.tombstones) == (3, 1)


async def test_a_failing_input_aborts_with_nothing_added(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))

    def rows():  # type: ignore[no-untyped-def]
        yield from md5s(4500)
        raise InputError("line 4501: bad")

    with pytest.raises(InputError, match="4501"):
        await store.add_entries("a", rows())
    assert [e async for e in store.iter_entries("a")] == []


async def test_large_adds_stream_in_batches(store: SqlStore) -> None:
    await store.create_bank(Bank("a"))
    result = await store.add_entries("a", (e for e in md5s(9000)))
    assert result.added == 9000
    count = 0
    async for _ in store.iter_entries("a"):
        count += 1
    assert count == 9000


@pytest.mark.parametrize("fails", [False, True])
async def test_a_large_add_freezes_the_heap_only_while_it_reads(
    store: SqlStore, fails: bool
) -> None:
    """Past one batch the collector leaves the loaded heap alone (full collections
    over it were a third of an import's time); after the add, failed or not, the
    heap is the collector's again."""
    await store.create_bank(Bank("a"))
    seen: list[int] = []

    def rows():  # type: ignore[no-untyped-def]
        for i, entry in enumerate(md5s(45_000)):
            if i % 1000 == 0:
                seen.append(gc.get_freeze_count())
            yield entry
        if fails:
            raise InputError("line 45001: bad")

    if fails:
        with pytest.raises(InputError):
            await store.add_entries("a", rows())
    else:
        assert (await store.add_entries("a", rows())).added == 45_000
    assert seen[0] == 0  # a small add is left as it is
    assert seen[-1] > 0
    assert gc.get_freeze_count() == 0


async def test_bank_writes_wait_for_other_writers_instead_of_failing(store: SqlStore) -> None:
    """The bot writes cases while the CLI or the dashboard adds entries: each waits
    its turn ("database is locked" failed most adds on SQLite before)."""
    await store.create_bank(Bank("busy"))
    done = asyncio.Event()

    async def other_writer() -> None:
        i = 0
        while not done.is_set():
            await store.apply([MarkProcessed(f"update-{i}")])
            i += 1
            await asyncio.sleep(0)

    writing = asyncio.create_task(other_writer())
    try:
        for k in range(60):
            added = await store.add_entries("busy", [Entry("md5", f"{k:032x}")])
            assert added.added == 1
    finally:
        done.set()
        await writing


async def test_enable_disable_and_list(store: SqlStore) -> None:
    await store.create_bank(Bank("b"))
    await store.create_bank(Bank("a"))
    await store.set_bank_enabled("a", False)
    summaries = await store.list_banks()
    assert [(s.bank.name, s.bank.enabled, s.active) for s in summaries] == [
        ("a", False, 0),
        ("b", True, 0),
    ]


async def test_values_of_any_length(store: SqlStore) -> None:
    """A 10-minute vPDQ list is ~45 KiB: stored whole, unique by its digest."""
    frames = ",".join(f'"{i:064x},100,{i}.0"' for i in range(600))
    long_value = f"[{frames}]"
    await store.create_bank(Bank("videos"))
    first = await store.add_entries("videos", [Entry("vpdq", long_value)])
    again = await store.add_entries("videos", [Entry("vpdq", long_value)])
    assert (first.added, again.duplicates) == (1, 1)
    assert [e.value async for e in store.iter_entries("videos")] == [long_value]
    [(entry_id, _, value)] = await store.entry_ids("videos", [("vpdq", long_value)])
    assert value == long_value
    assert entry_id > 0
    removed = await store.set_entry_status(
        "videos", "vpdq", [long_value], EntryStatus.REMOVED, by="t"
    )
    assert removed == 1


async def test_bank_names_without_counting(store: SqlStore) -> None:
    for name in ("b", "a"):
        await store.create_bank(Bank(name))
    assert await store.bank_names() == ["a", "b"]


async def test_data_survives_reopening_and_migrations_run_once(
    db_url: str, clock: FakeClock
) -> None:
    async with open_store(db_url, clock) as store:
        await store.create_bank(Bank("kept"))
        await store.add_entries("kept", md5s(2))
    async with open_store(db_url, clock) as store:
        assert [e.value async for e in store.iter_entries("kept")] == [e.value for e in md5s(2)]
    engine = create_async_engine(driver_url(db_url))
    async with engine.connect() as conn:
        versions = (await conn.execute(sa.text("select version_num from alembic_version"))).all()
        assert [tuple(v) for v in versions] == [(HEAD_REVISION,)]
        if db_url.startswith("sqlite"):
            assert (await conn.execute(sa.text("pragma journal_mode"))).one() == ("wal",)
    await engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("blockfirst.db", "no scheme"),
        ("mysql://x/y", "expected sqlite:///FILE or postgresql://"),
        ("sqlite://x.db", "sqlite:///"),
    ],
)
async def test_bad_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        async with open_store(url):
            pass


async def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "not.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot open store"):
        async with open_store(f"sqlite:///{path}"):
            pass


@pytest.mark.parametrize(
    ("steps", "final", "changed"),
    [
        ([EntryStatus.DISABLED], "disabled", [1]),
        ([EntryStatus.DISABLED, EntryStatus.ACTIVE], "active", [1, 1]),
        # a re-import skips a removed value; restoring it by name is an operator's choice
        ([EntryStatus.REMOVED, EntryStatus.ACTIVE], "active", [1, 1]),
        ([EntryStatus.DISABLED, EntryStatus.REMOVED], "removed", [1, 1]),
        ([EntryStatus.ACTIVE], "active", [0]),
    ],
)
async def test_entry_status_transitions(
    store: SqlStore, steps: list[EntryStatus], final: str, changed: list[int]
) -> None:
    await store.create_bank(Bank("a"))
    await store.add_entries("a", md5s(1))
    value = md5s(1)[0].value
    results = [await store.set_entry_status("a", "md5", [value], s, by="carol") for s in steps]
    assert results == changed
    active = [e.value async for e in store.iter_entries("a")]
    assert active == ([value] if final == "active" else [])
    readd = await store.add_entries("a", md5s(1))
    assert (readd.added, readd.tombstoned) == (0, 0 if final == "active" else 1)


async def test_a_database_at_revision_0001_upgrades_keeping_its_banks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with database_at(path, "0001") as conn:
        conn.execute(OLD_BANK)
    async with open_store(f"sqlite:///{path}") as store:
        bank = await store.get_bank("old")
    assert (bank.name, bank.category) == ("old", "other")


async def test_0015_gives_lists_flood_limits_and_confirmed_banks_none(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with database_at(path, "0014") as conn:
        conn.execute(OLD_BANK)
        conn.execute(sa.text(str(OLD_BANK).replace("'old'", "'confirmed-deepfake'")))
    async with open_store(f"sqlite:///{path}") as store:
        followed = await store.get_bank("old")
        confirmed = await store.get_bank("confirmed-deepfake")
    assert followed.flood == DEFAULT_FLOOD
    assert confirmed.flood is None


async def test_0008_keeps_long_values_unique(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    long_value = "x" * 5000
    with database_at(path, "0007") as conn:
        conn.execute(OLD_BANK)
        for value in (long_value, MD5):
            conn.execute(
                sa.text(
                    "insert into bank_entries (bank_id, signal_type, value, added_at) "
                    "values (1, 'md5', :value, '2025-01-01 00:00:00')"
                ),
                {"value": value},
            )
    async with open_store(f"sqlite:///{path}") as store:
        again = await store.add_entries("old", [Entry("md5", long_value), Entry("md5", MD5)])
        assert (again.added, again.duplicates) == (0, 2)
    with sqlite3.connect(path) as conn:
        keys = [k for (k,) in conn.execute("select value_key from bank_entries order by id")]
    assert keys[0].startswith("sha256:")
    assert keys[1] == MD5


async def test_the_migrated_database_matches_the_schema_module(db_url: str) -> None:
    """Migrations are snapshots; this catches a schema change without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.store.schema import metadata

    async with open_store(db_url):
        pass
    engine = create_async_engine(driver_url(db_url))
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_one_sweeper_at_a_time(db_url: str) -> None:
    async with open_store(db_url) as first, open_store(db_url) as second:
        assert await first.lead("sweeper")
        assert await first.lead("sweeper")  # still held
        shared = db_url.startswith("postgresql")
        assert await second.lead("sweeper") is not shared  # SQLite: one host, no contest
        await first.close()  # as a process that dies drops its connection
        assert await second.lead("sweeper")
        with pytest.raises(InputError, match="unknown role"):
            await second.lead("janitor")


async def test_effects_are_claimed_by_one_process(db_url: str, clock: FakeClock) -> None:
    from datetime import timedelta

    from core.model import Action, Effect
    from core.writes import Enqueue, Finish, OpenCase
    from tests.factories import make_case

    effects = [Effect(f"e{i}", Action.NOTICE, "fake", "c1", clock.now()) for i in range(6)]
    async with open_store(db_url, clock) as one, open_store(db_url, clock) as two:
        mine = Enqueue(Effect("own", Action.NOTICE, "fake", "c1", clock.now()),
                       clock.now() + timedelta(minutes=2))  # fmt: skip
        await one.apply([OpenCase(make_case(clock, "c1")), *map(Enqueue, effects), mine])
        until = clock.now() + timedelta(minutes=2)
        first = await one.claim_effects(["fake"], until, limit=4)
        second = await two.claim_effects(["fake", "other"], until)
        assert [e.id for e in first] == ["e0", "e1", "e2", "e3"]
        assert [e.id for e in second] == ["e4", "e5"]  # never "own": its queuer performs it
        assert await two.claim_effects(["fake"], until) == []
        await one.apply([Finish("e0", "pending", "rate limited")])  # a retry: free again
        assert [e.id for e in await two.claim_effects(["fake"], until)] == ["e0"]
        clock.advance(minutes=3)  # the claims ran out: their process died
        again = await two.claim_effects(["fake"], clock.now() + timedelta(minutes=2))
        assert sorted(e.id for e in again) == ["e0", "e1", "e2", "e3", "e4", "e5", "own"]


def test_the_head_revision_a_store_opens_at_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import core.store

    config = Config()
    config.set_main_option("script_location", str(Path(core.store.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == core.store.HEAD_REVISION
