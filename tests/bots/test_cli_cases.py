"""`cases`, `reviewers`, `audit` and `report` against a store the engine filled."""

import asyncio
import csv
import io
import json
import sqlite3
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from bots.cli import cli
from core.ids import new_id
from core.model import Action, Decision, Effect
from core.store import SqlStore
from core.texts import say
from core.writes import Enqueue
from tests.core.engine_helpers import REVIEWER, photo, world
from tests.fakes import FakeClock


@pytest.fixture
def run(db_url: str):  # type: ignore[no-untyped-def]
    """The CLI in a worker thread: it runs its own event loop, and the tests have one."""

    async def invoke(*args: str) -> Result:
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke, cli, ["--db", db_url, *args], catch_exceptions=False
        )

    return invoke


async def fill(store: SqlStore, clock: FakeClock) -> list[str]:
    """Three cases: one confirmed, one overturned, one still open."""
    ids = []
    async with world(store, clock) as w:
        for i, decision in enumerate((Decision.CONFIRM, Decision.OVERTURN, None)):
            handled = await w.moderator.on_message(photo(str(i)))
            assert handled.case is not None
            ids.append(handled.case.id)
            clock.advance(hours=2)
            if decision:
                await w.moderator.on_decision(handled.case.id, decision, REVIEWER)
    return ids


async def test_cases_list_show_and_overdue(store: SqlStore, clock: FakeClock, run) -> None:  # type: ignore[no-untyped-def]
    ids = await fill(store, clock)
    listed = (await run("cases", "list")).output
    assert all(case_id in listed for case_id in ids)
    assert "OVERDUE" in listed  # the open one is months past its deadline by now
    overdue = (await run("cases", "list", "--overdue", "--json")).output.splitlines()
    assert [json.loads(line)["id"] for line in overdue] == [ids[2]]
    shown = json.loads((await run("cases", "show", ids[0])).output)
    assert shown["state"] == "confirmed"
    assert shown["decided_by"] == REVIEWER
    assert [d["decision"] for d in shown["history"]["decisions"]] == ["confirm"]
    assert {a["kind"] for a in shown["audit"]} == {"match", "action", "decision"}
    assert (await run("cases", "show", "NOPE")).exit_code == 2


async def test_decide_from_the_shell_queues_effects_for_the_bot(
    store: SqlStore, clock: FakeClock, run
) -> None:  # type: ignore[no-untyped-def]
    ids = await fill(store, clock)
    other = Effect(new_id(16), Action.UPDATE_CARD, "fake", ids[0], clock.now())
    await store.apply([Enqueue(other)])  # pending for another case: not this decision's
    refused = await run("cases", "decide", ids[2], "overturn", "--reviewer", "mallory")
    assert refused.exit_code == 2
    assert "mallory is not an authorised reviewer" in refused.stderr
    assert "alice may now decide" in (await run("reviewers", "add", "alice")).output
    assert "alice" in (await run("reviewers", "list")).output
    decided = await run(
        "cases", "decide", ids[2], "overturn", "--reviewer", "alice", "--note", "false match"
    )
    assert decided.exit_code == 0, decided.output
    assert "is overturned (by alice)" in decided.output
    queued = int(decided.output.split(" platform effects queued")[0].split()[-1])
    mine = [e for e in await store.pending_effects(["fake"]) if e.case_id == ids[2]]
    assert queued == len(mine)  # not another case's effect (issue 13, item 17)
    async with world_again(store, clock) as w:
        assert (
            "restore",
            "-100",
            say("restored", "ko", sender="someone"),
            "banned",
        ) in w.platform.calls
        assert any(call[0] == "update_card" for call in w.platform.calls)


def world_again(store: SqlStore, clock: FakeClock):  # type: ignore[no-untyped-def]
    """The bot starting up again: its outbox run performs what the shell queued."""
    from contextlib import asynccontextmanager

    from core.engine.moderator import Moderator
    from core.matching.loader import load_matcher
    from tests.core.engine_helpers import World
    from tests.fakes import FakePlatform

    @asynccontextmanager
    async def started():  # type: ignore[no-untyped-def]
        platform = FakePlatform()
        async with Moderator(
            store, {"fake": platform}, await load_matcher(store), clock=clock
        ) as m:
            yield World(store, platform, clock, m)

    return started()


async def test_audit_verify_detects_a_tampered_row(
    store: SqlStore, clock: FakeClock, run, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    await fill(store, clock)
    ok = await run("audit", "verify")
    assert ok.exit_code == 0
    assert ok.output.startswith("ok: ")
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("update audit_log set result = 'not done' where seq = 3")
    bad = await run("audit", "verify")
    assert bad.exit_code == 1
    assert "TAMPERED at entry 3" in bad.stderr


async def test_audit_export_and_purge(store: SqlStore, clock: FakeClock, run) -> None:  # type: ignore[no-untyped-def]
    clock.current = datetime(2022, 1, 1, tzinfo=UTC)  # past the three years kept
    await fill(store, clock)
    rows = list(csv.DictReader(io.StringIO((await run("audit", "export")).stdout)))
    exported = await run("audit", "export", "--format", "json")
    as_json = json.loads(exported.stdout)
    assert "the log's head when exported:" in exported.stderr
    assert len(rows) == len(as_json) > 5
    assert rows[0]["seq"] == "1"
    assert as_json[-1]["hash"] == rows[-1]["hash"]
    assert (
        json.loads(
            (await run("audit", "export", "--format", "json", "--since", "2030-01-01")).stdout
        )
        == []
    )
    assert "add --yes" in (await run("audit", "purge")).output
    purged = await run("audit", "purge", "--yes")
    assert f"purged {len(rows)} entries" in purged.output
    after = await run("audit", "verify")
    assert after.exit_code == 0, after.stderr
    assert after.output.startswith("ok: 1 entries")


async def test_compliance_report(store: SqlStore, clock: FakeClock, run) -> None:  # type: ignore[no-untyped-def]
    await fill(store, clock)
    report = json.loads((await run("report", "compliance", "--format", "json")).output)
    assert report["cases"] == "3"
    assert report["outcome/illegal_filming/confirmed"] == "1"
    assert report["outcome/illegal_filming/overturned"] == "1"
    assert report["deadlines_met"] == "2"
    assert report["deadlines_missed"] == "1"  # the open case is long overdue
    assert report["median_hours_to_decision"] == "2.00"
    rows = list(
        csv.reader(io.StringIO((await run("report", "compliance", "--format", "csv")).output))
    )
    assert rows[0] == ["metric", "value"]
    text = (await run("report", "compliance", "--from", "2030-01-01")).output
    assert "cases" in text
    assert "n/a" in text


async def test_cases_on_an_empty_store(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    typo = f"sqlite:///{tmp_path / 'typo.db'}"  # issue 13, item 16: no store made by a typo
    missing = await asyncio.to_thread(CliRunner().invoke, cli, ["--db", typo, "cases", "list"])
    assert (missing.exit_code, missing.stdout) == (2, "")
    assert "no database at" in missing.stderr
    assert not (tmp_path / "typo.db").exists()
    assert (await run("cases", "list")).output == "no cases\n"
    assert (await run("audit", "verify")).output.startswith("ok: 0 entries")
