"""Shadow banks: a list tried before it acts. It matches and records what it would
have done (shadow cases, hidden from the queue unless asked for, never decided),
and deletes nothing, until it is put live."""

import hashlib
from collections.abc import Sequence

import pytest

from core.banks import Bank, Entry
from core.cases import CaseFilter
from core.errors import InputError
from core.matching.loader import load_matcher
from core.matching.matcher import Matcher
from core.model import CaseState, Chat, ChatKind, Decision, MediaRef, Message
from core.signals.indexes import IndexHit, SignalIndex
from core.store import SqlStore
from tests.core.engine_helpers import FLAT, HARMLESS, REVIEWER, USER, World, world
from tests.fakes import FakeClock

TRIED = Entry("sha256", hashlib.sha256(FLAT).hexdigest(), source="a new list")
FINE = Entry("sha256", hashlib.sha256(HARMLESS).hexdigest(), allow=True)


def _post(i: int, name: str = "flat") -> Message:
    chat = Chat("fake", f"-{100 + i % 10}", ChatKind.SUPERGROUP, f"group {i % 10}")
    media = (MediaRef("photo", f"k{i}", name, "image/jpeg"),)
    return Message(chat, str(i), USER, media=media)


def _deleted(w: World) -> int:
    return len(w.platform.of("delete_messages"))


async def _tried(w: World) -> None:
    await w.store.create_bank(Bank("tried", category="illegal_filming", shadow=True))
    await w.store.add_entries("tried", [TRIED])
    await w.moderator.follow_banks()


async def test_a_bank_in_shadow_for_a_day_deletes_nothing_and_says_what_it_would_have(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await _tried(w)
        for i in range(240):  # a day: ten posts an hour, one in four the listed picture
            clock.advance(minutes=6)
            handled = await w.moderator.on_message(_post(i, "flat" if i % 4 == 0 else "harmless"))
            assert handled.case is None
            assert not handled.verdict.matches
        assert _deleted(w) == 0
        assert not w.platform.of("alert_reviewers")
        assert not w.platform.of("post_review_card")

        # Hidden from the queue; there when asked for.
        assert await store.list_cases() == []
        assert (await store.page_cases(CaseFilter(), limit=0))[1] == 0
        shadow = await store.list_cases([CaseState.SHADOW], bank="tried")
        assert len(shadow) == 60
        assert {c.note for c in shadow} == {"would delete"}
        assert all(r.startswith("in shadow: ") for c in shadow for r in c.reasons)
        assert await store.shadow_outcomes("tried") == {"would delete": 60}
        [stats] = await store.entry_stats("tried")
        assert stats.hits == 60
        assert w.moderator.stats.shadow_matches["tried"] == 60

        # Nobody decides a shadow case.
        with pytest.raises(InputError, match="in shadow"):
            await w.moderator.on_decision(shadow[0].id, Decision.CONFIRM, REVIEWER)

        # Live: the next copy is deleted.
        await store.set_bank_shadow("tried", False)
        await w.moderator.follow_banks()
        handled = await w.moderator.on_message(_post(1000))
        assert handled.case is not None
        assert _deleted(w) == 1


async def test_a_live_bank_acts_beside_a_shadow_one_and_each_keeps_its_own_case(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await _tried(w)
        await store.create_bank(Bank("live"))
        await store.add_entries("live", [Entry("sha256", TRIED.value)])
        await w.moderator.follow_banks()
        handled = await w.moderator.on_message(_post(1))
        assert handled.case is not None
        assert [m.bank for m in handled.case.matches] == ["live"]
        assert _deleted(w) == 1
        [shadow] = await store.list_cases([CaseState.SHADOW])
        assert shadow.id != handled.case.id
        assert [m.bank for m in shadow.matches] == ["tried"]
        assert shadow.target == handled.case.target

        again = await w.moderator.on_message(_post(1))  # redelivered: nothing twice
        assert again.duplicate
        assert len(await store.list_cases([CaseState.SHADOW])) == 1


async def test_allow_rules_of_a_shadow_bank_veto_nothing_live(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("live"))
        await store.add_entries("live", [Entry("sha256", FINE.value)])
        await store.create_bank(Bank("tried", shadow=True))
        await store.add_entries("tried", [FINE])
        await w.moderator.follow_banks()
        await w.moderator.on_message(_post(1, "harmless"))
        assert _deleted(w) == 1  # the shadow bank's allow rule did not clear it

        # A live allow rule clears a shadow match too: it would not have acted.
        await store.set_bank_shadow("live", True)
        await store.set_bank_shadow("tried", False)
        matcher = await load_matcher(store)
        queries = {"sha256": [FINE.value]}
        assert matcher.match(queries) == []
        assert matcher.shadowed().match(queries) == []


class _Counting:
    """An index that counts its searches (and answers as the one it wraps)."""

    def __init__(self, index: SignalIndex) -> None:
        self.index = index
        self.searches = 0

    def __len__(self) -> int:
        return len(self.index)

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        self.searches += 1
        return self.index.search(values, radius)


def test_a_bank_in_shadow_costs_no_second_search_of_a_message() -> None:
    matcher = Matcher([Bank("live"), Bank("tried", shadow=True)])
    matcher.add("live", [(1, "md5", "1" * 32, False)])
    matcher.add("tried", [(2, "md5", "2" * 32, False)])
    counting = _Counting(matcher._indexes["md5", False])
    matcher._indexes["md5", False] = counting  # type: ignore[assignment]
    queries = {"md5": ["1" * 32, "2" * 32]}
    with matcher.remembering():
        live = matcher.match(queries)
        shadow = matcher.shadowed().match(queries)
    assert ([m.bank for m in live], [m.bank for m in shadow]) == (["live"], ["tried"])
    assert counting.searches == 1
    matcher.match(queries)  # outside: searched again (a bank may have changed since)
    assert counting.searches == 2
