"""Flood quarantine: one entry of a followed list that matches a harmless picture
everywhere deletes a bounded number of copies, then only opens review cases;
reviewers get one alert; trusting or disputing it is followed by every process."""

import hashlib

import pytest

from core.banks import Bank, Entry, EntryStatus, Flood
from core.errors import InputError
from core.matching.loader import follow_changes, load_matcher
from core.model import Band, BankAction, Chat, ChatKind, Decision, MediaRef, Message, Report
from core.store import SqlStore
from tests.core.engine_helpers import (
    BANNED,
    HARMLESS,
    REVIEWER,
    USER,
    World,
    audit_of,
    photo,
    world,
)
from tests.fakes import FakeClock

WRONG = Entry("sha256", hashlib.sha256(HARMLESS).hexdigest(), source="followed list")


def _post(i: int, chats: int) -> Message:
    chat = Chat("fake", f"-{100 + i % chats}", ChatKind.SUPERGROUP, f"group {i % chats}")
    return Message(
        chat, str(i), USER, media=(MediaRef("photo", f"k{i}", "harmless", "image/jpeg"),)
    )


async def _followed(w: World, flood: Flood | None) -> int:
    await w.store.create_bank(Bank("followed", category="illegal_filming", flood=flood))
    await w.store.add_entries("followed", [WRONG])
    await w.moderator.follow_banks()
    [(entry_id, *_)] = await w.store.entry_ids("followed", [("sha256", WRONG.value)])
    return entry_id


def _deleted(w: World) -> int:
    return len(w.platform.of("delete_messages"))


async def test_a_wrong_entry_deletes_at_most_its_limit_then_goes_to_review(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        entry_id = await _followed(w, Flood(hits=20, chats=50, minutes=60))
        handled = [await w.moderator.on_message(_post(i, 10)) for i in range(200)]
        assert _deleted(w) == 20
        held = handled[20].verdict.matches[0]
        assert (held.band, held.action) == (Band.REVIEW, BankAction.REVIEW)
        assert "quarantined: 21 matches within 60 min (limit 20)" in held.note
        assert all(h.case is not None for h in handled)  # every copy is still reviewed
        alerts = w.platform.of("alert_reviewers")
        assert len(alerts) == 1  # one alert, in the deployment's language (Korean)
        assert f"blockfirst banks trust followed {entry_id}" in alerts[0][1]
        assert "격리" in alerts[0][1]
        quarantines = [e for e in await audit_of(store) if e.record.kind == "entry_quarantined"]
        assert len(quarantines) == 1
        assert quarantines[0].record.bank == "followed"
        [stats] = await store.entry_stats("followed")
        assert (stats.hits, stats.today, stats.quarantined_at is not None) == (200, 200, True)

        # Another process starting now holds it too; a reviewer's trust reaches it.
        other = await load_matcher(store)
        assert entry_id in other.quarantined
        await store.set_entry_standing("followed", entry_id, True, "test")
        await follow_changes(store, other)
        assert entry_id not in other.quarantined
        assert entry_id in other.trusted


async def test_matches_in_too_many_chats_quarantine_an_entry(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await _followed(w, Flood(hits=1000, chats=3, minutes=60))
        for i in range(40):
            await w.moderator.on_message(_post(i, 10))
        assert _deleted(w) == 3  # the fourth chat's copy is held


async def test_a_trusted_entry_acts_again_up_to_ten_times_its_limit(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        entry_id = await _followed(w, Flood(hits=5, chats=50, minutes=60))
        for i in range(10):
            await w.moderator.on_message(_post(i, 10))
        assert _deleted(w) == 5
        await store.set_entry_standing("followed", entry_id, True, "test")
        await w.moderator.follow_banks()
        for i in range(10, 80):
            await w.moderator.on_message(_post(i, 10))
        # The window still holds the six counted (five deleted, the sixth held it):
        # 50 allowed in all, 44 of them new.
        assert _deleted(w) == 5 + 44
        clock.advance(minutes=61)  # a new window: ten times the limit again
        await store.set_entry_standing("followed", entry_id, True, "test")
        await w.moderator.follow_banks()
        for i in range(80, 100):
            await w.moderator.on_message(_post(i, 10))
        assert _deleted(w) == 49 + 20


async def test_a_disputed_entry_stops_matching_and_a_reimport_skips_it(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await _followed(w, Flood(hits=2, chats=50, minutes=60))
        for i in range(5):
            await w.moderator.on_message(_post(i, 10))
        changed = await store.set_entry_status(
            "followed", "sha256", [WRONG.value], EntryStatus.DISABLED, "test"
        )
        assert changed == 1
        await w.moderator.follow_banks()
        assert (await w.moderator.on_message(_post(9, 10))).case is None
        again = await store.add_entries("followed", [WRONG])
        assert (again.added, again.tombstoned) == (0, 1)


async def test_a_bank_can_opt_out_and_the_default_spares_one_chats_burst(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await _followed(w, None)
        for i in range(60):
            await w.moderator.on_message(_post(i, 10))
        assert _deleted(w) == 60
        assert Bank("x").flood == Flood(hits=300, chats=20, minutes=60)


async def test_three_overturned_removals_disable_the_entries_that_made_them(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        for i in range(3):
            case = (await w.moderator.on_message(photo(str(i), key=f"k{i}"))).case
            assert case is not None
            assert (await store.get_case(case.id)).removed
            await w.moderator.on_decision(case.id, Decision.OVERTURN, REVIEWER)
        await w.moderator.follow_banks()
        assert (await w.moderator.on_message(photo("9", key="k9"))).case is None
        disputed = [e for e in await audit_of(store) if e.record.kind == "entry_disputed"]
        assert disputed
        assert all("overturned 3 times" in e.record.reason for e in disputed)
        banked = await store.add_entries(
            "ncii", [Entry("sha256", hashlib.sha256(BANNED).hexdigest())]
        )
        assert banked.tombstoned == 1  # a re-import of the list skips it


async def test_a_confirmation_in_between_resets_the_count(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        decisions = [Decision.OVERTURN, Decision.OVERTURN, Decision.CONFIRM, Decision.OVERTURN]
        for i, decision in enumerate(decisions):
            case = (await w.moderator.on_message(photo(str(i), key=f"k{i}"))).case
            assert case is not None
            await w.moderator.on_decision(case.id, decision, REVIEWER)
        await w.moderator.follow_banks()
        assert (await w.moderator.on_message(photo("9", key="k9"))).case is not None
        stats = {s.entry.signal_type: s for s in await store.entry_stats("ncii")}
        sha = stats["sha256"]
        assert (sha.confirms, sha.overturns, sha.hits) == (1, 3, 5)


async def test_this_image_is_fine_overturns_and_allows_its_hashes(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        case = (await w.moderator.on_message(photo("1", "mirrored", key="m1"))).case
        assert case is not None
        decided = await w.moderator.on_decision(case.id, Decision.OVERTURN, REVIEWER, fine=True)
        assert decided.state.value == "overturned"
        again = await w.moderator.on_message(photo("2", "mirrored", key="m2"))
        assert again.case is None  # its own hashes allow it now
        allowed = [e async for e in store.iter_entries("ncii") if e.allow]
        assert allowed
        assert {e.source for e in allowed} == {f"case:{case.id}"}
        assert all(len(e.value) <= 256 for e in allowed)  # hashes, never the image
        audited = [e for e in await audit_of(store) if e.record.kind == "entries_added"]
        assert audited[-1].record.actor == REVIEWER
        assert "this image is fine" in audited[-1].record.reason
        # An allow entry clears every item within the bank's distance of it: the
        # original it mirrors too. Mark fine only what is fine.
        assert (await w.moderator.on_message(photo("3", "banned", key="b3"))).case is None
        report = await w.moderator.on_report(Report("fake:r1", "other", "look", platform="fake"))
        for decision in (Decision.OVERTURN, Decision.CONFIRM):
            with pytest.raises(InputError, match="only an overturned match of an image"):
                await w.moderator.on_decision(report.id, decision, REVIEWER, fine=True)


async def test_the_bank_of_confirmed_cases_is_never_quarantined(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        case = (await w.moderator.on_message(photo("1", key="c1"))).case
        assert case is not None
        await w.moderator.on_decision(case.id, Decision.CONFIRM, REVIEWER)
        confirmed = await store.get_bank(f"confirmed-{case.category}")
        assert confirmed.flood is None
