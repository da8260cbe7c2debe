"""The store's queue, account and audit-browsing queries, against a real SQLite file."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.accounts import Role, User
from core.audit import AuditFilter, AuditRecord
from core.cases import CaseFilter
from core.errors import InputError
from core.model import Action, CaseState, Effect, Sender
from core.store import SqlStore, open_store
from core.writes import Audit, Enqueue, Finish, OpenCase, UpdateCase
from tests.core.store.old_schema import database_at
from tests.factories import make_case
from tests.fakes import FakeClock


async def _seed(store: SqlStore, clock: FakeClock) -> None:
    cases = [
        make_case(clock, "a1", hours=5),
        make_case(clock, "a2", hours=1, banks=("gifct", "ncii")),
        make_case(clock, "a3", hours=3, chat="-100_x", category="illegal_filming"),
        make_case(clock, "a4", hours=2, platform="discord", chat="77", banks=("gif%t",)),
        make_case(clock, "a5", hours=-1, banks=()),
    ]
    await store.apply([OpenCase(c) for c in cases])
    await store.apply([UpdateCase("a5", (("state", CaseState.CONFIRMED),))])


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (CaseFilter(), ["a5", "a2", "a4", "a3", "a1"]),
        (CaseFilter(states=(CaseState.OPEN,)), ["a2", "a4", "a3", "a1"]),
        (CaseFilter(platform="discord"), ["a4"]),
        (CaseFilter(platform="telegram", chat="-100"), ["a5", "a2", "a1"]),
        (CaseFilter(chat="-100_x"), ["a3"]),  # '_' is not a wildcard
        (CaseFilter(bank="gifct"), ["a2"]),
        (CaseFilter(bank="gif%t"), ["a4"]),  # nor is '%'
        (CaseFilter(bank="ncii"), ["a2", "a3", "a1"]),
        (CaseFilter(category="illegal_filming"), ["a3"]),
        (CaseFilter(overdue_at=None, states=(CaseState.CONFIRMED,)), ["a5"]),
    ],
)
async def test_the_queue_filters(
    store: SqlStore, clock: FakeClock, where: CaseFilter, expected: list[str]
) -> None:
    await _seed(store, clock)
    found, total = await store.page_cases(where, limit=10)
    assert [c.id for c in found] == expected
    assert total == len(expected)


async def test_overdue_means_open_and_past_the_deadline(store: SqlStore, clock: FakeClock) -> None:
    await _seed(store, clock)
    clock.advance(hours=2, minutes=30)
    found, total = await store.page_cases(CaseFilter(overdue_at=clock.now()))
    assert ([c.id for c in found], total) == (["a2", "a4"], 2)


async def test_pages_cover_every_case_once(store: SqlStore, clock: FakeClock) -> None:
    await store.apply([OpenCase(make_case(clock, f"c{i:03}", hours=i % 7)) for i in range(120)])
    seen: list[str] = []
    for offset in range(0, 120, 50):
        page, total = await store.page_cases(CaseFilter(), offset=offset, limit=50)
        assert total == 120
        seen += [c.id for c in page]
    assert sorted(seen) == [f"c{i:03}" for i in range(120)]
    assert (await store.page_cases(CaseFilter(), limit=0)) == ([], 120)


async def test_accounts(store: SqlStore, clock: FakeClock) -> None:
    alice = User("alice", Role.REVIEWER, "$argon2id$x", clock.now(), "root")
    await store.add_user(alice)
    with pytest.raises(InputError, match="exists"):
        await store.add_user(alice)
    assert await store.get_user("alice") == alice
    assert await store.get_user("bob") is None
    assert await store.set_password("alice", "$argon2id$y")
    assert not await store.set_password("bob", "$argon2id$y")
    changed = await store.get_user("alice")
    assert changed is not None
    assert changed.password_hash == "$argon2id$y"
    assert changed.epoch != alice.epoch
    assert [u.name for u in await store.list_users()] == ["alice"]
    assert await store.remove_user("alice")
    assert not await store.remove_user("alice")


async def test_audit_page_filters_newest_first(store: SqlStore, clock: FakeClock) -> None:
    records = [
        AuditRecord(kind="match", case_id="a1"),
        AuditRecord(kind="decision", case_id="a1", actor="web:alice"),
        AuditRecord(kind="decision", case_id="a2", actor="web:bob"),
        AuditRecord(kind="bank_disabled", actor="web:alice"),
    ]
    for record in records:
        await store.apply([Audit(record)])
        clock.advance(minutes=1)
    page = await store.audit_page(AuditFilter())
    assert [e.seq for e in page] == [4, 3, 2, 1]
    assert [e.seq for e in await store.audit_page(AuditFilter(case_id="a1"))] == [2, 1]
    assert [e.seq for e in await store.audit_page(AuditFilter(actor="web:alice"))] == [4, 2]
    assert [e.seq for e in await store.audit_page(AuditFilter(kind="decision"))] == [3, 2]
    assert [e.seq for e in await store.audit_page(AuditFilter(), before_seq=3, limit=1)] == [2]
    since = page[2].at
    assert [e.seq for e in await store.audit_page(AuditFilter(since=since, until=page[0].at))] == [
        3,
        2,
    ]


async def test_reply_effects_of_a_period(store: SqlStore, clock: FakeClock) -> None:
    case = make_case(clock, "r1")
    reply = Effect("e1", Action.REPLY, "telegram", "r1", clock.now(), sender=Sender("u9"))
    await store.apply([OpenCase(case), Enqueue(reply)])
    clock.advance(minutes=5)
    await store.apply([Finish("e1", "done")])
    before = clock.now() - timedelta(days=1)
    [(case_id, queued, state, finished)] = await store.reply_effects((before, None))
    assert (case_id, queued, state) == ("r1", case.opened_at, "done")
    assert finished == clock.now()
    assert await store.reply_effects((clock.now(), None)) == []


async def test_0006_backfills_the_banks_a_case_matched(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.db"
    with database_at(path, "0005") as conn:
        conn.execute(
            sa.text(
                "insert into cases (id, kind, state, target, platform, category, opened_at,"
                " deadline, data) values ('old', 'match_review', 'open', 't:1:message:2', 't',"
                " 'other', '2026-01-01 00:00:00', '2026-01-02 00:00:00', :data)"
            ),
            {"data": '{"matches": [{"bank": "b2"}, {"bank": "b1"}], "signals": []}'},
        )
    async with open_store(f"sqlite:///{path}", clock) as store:
        assert await store.page_cases(CaseFilter(bank="b1"), limit=0) == ([], 1)
    with sqlite3.connect(path) as conn:
        assert conn.execute("select banks from cases").fetchone() == (",b1,b2,",)
