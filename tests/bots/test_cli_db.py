"""``blockfirst db migrate`` and ``db copy``: a deployment moved from SQLite to
PostgreSQL with nothing lost."""

import asyncio

from click.testing import CliRunner

from bots.cli import cli
from core.banks import Entry
from core.matching.loader import load_matcher
from core.store import HEAD_REVISION, open_store
from tests.core.engine_helpers import audit_of, photo, world
from tests.fakes import FakeClock
from tests.pg import PostgresServer


def test_migrate_says_where_the_store_is(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    result = CliRunner().invoke(cli, ["--db", url, "db", "migrate"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"is at schema revision {HEAD_REVISION}")


async def _deployment(url: str) -> int:
    clock = FakeClock()
    async with open_store(url, clock) as store, world(store, clock) as w:
        for i in range(3):
            await w.moderator.on_message(photo(str(i), key=f"k{i}"))
        for i in range(3):  # nothing matches these: they go into the recent-content log
            await w.moderator.on_message(photo(f"h{i}", "harmless", key=f"h{i}"))
        await w.moderator.flush_recent()
        await w.moderator.reach_back()  # its position is set
        await store.add_entries("ncii", [Entry("md5", f"{i:032x}") for i in range(2500)])
        return len(await audit_of(store))


def test_copy_sqlite_to_postgresql(tmp_path: object, postgres: PostgresServer) -> None:
    source = f"sqlite:///{tmp_path}/old.db"
    audited = asyncio.run(_deployment(source))
    target = postgres.new_database()
    result = CliRunner().invoke(cli, ["db", "copy", "--from", source, "--to", target])
    assert result.exit_code == 0, result.output
    assert "bank_entries" in result.output
    assert f"audit chain verified on the copy: {audited} entries" in result.output
    asyncio.run(_same_deployment(source, target))
    again = CliRunner().invoke(cli, ["db", "copy", "--from", source, "--to", target])
    assert again.exit_code == 2
    assert "the target store is not empty" in again.output


async def _same_deployment(source: str, target: str) -> None:
    async with open_store(source) as old, open_store(target) as new:
        assert [c.id for c in await new.list_cases()] == [c.id for c in await old.list_cases()]
        assert len(await load_matcher(new)) == len(await load_matcher(old))
        assert await new.bank_version() == await old.bank_version()
        # the counters, the recent-content log and its position came along
        assert [(s.entry.id, s.hits) for s in await new.entry_stats("ncii")] == [
            (s.entry.id, s.hits) for s in await old.entry_stats("ncii")
        ]
        assert (await new.entry_stats("ncii"))[0].hits == 3
        assert await new.recent_count() == await old.recent_count() == 3
        assert await new.cursor("retroaction") == await old.cursor("retroaction") is not None
        # ids were kept and the sequences moved past them: new rows do not collide
        added = await new.add_entries("ncii", [Entry("md5", "f" * 32)])
        assert added.added == 1
