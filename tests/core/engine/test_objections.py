"""Objections: the sender of a removed message (or an overturned reporter) contests a
decision; a different reviewer decides the appeal; the outcome reaches the contested
case and the objector, in the objector's language."""

import pytest

from core.errors import AuthorisationError, InputError
from core.model import CaseKind, CaseState, Decision, Report
from core.store import SqlStore
from core.texts import say
from tests.core.engine_helpers import REVIEWER, audit_of, photo, world
from tests.fakes import FakeClock

SECOND = "fake:second-reviewer"


async def test_a_reversed_objection_restores_what_the_first_reviewer_confirmed(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.add_reviewer(SECOND, by="test")
        removed = (await w.moderator.on_message(photo("1"))).case
        assert removed is not None
        assert (await store.get_case(removed.id)).removed
        await w.moderator.on_decision(removed.id, Decision.CONFIRM, REVIEWER)
        appeal = await w.moderator.on_objection(removed.id, "fake:u1", "my own photo", "en")
        assert (appeal.kind, appeal.state) == (CaseKind.APPEAL, CaseState.OPEN)
        assert appeal.appeal is not None
        assert (appeal.appeal.role, appeal.appeal.contested_by) == ("sender", REVIEWER)
        told = [c for c in w.platform.of("send_dm") if c[1] == "fake:u1"]
        assert told[-1][2] == say("objection_ack", "en", case_id=appeal.id)
        # Four eyes: whoever confirmed may not decide the objection, and the refusal is kept.
        with pytest.raises(AuthorisationError, match="another reviewer decides it"):
            await w.moderator.on_decision(appeal.id, Decision.OVERTURN, REVIEWER)
        refused = [e for e in await audit_of(store) if e.record.kind == "decision_refused"]
        assert [e.record.actor for e in refused] == [REVIEWER]
        await w.moderator.on_decision(appeal.id, Decision.OVERTURN, SECOND, note="consented")
        contested = await store.get_case(removed.id)
        assert (contested.state, contested.decided_by) == (CaseState.OVERTURNED, SECOND)
        assert w.platform.of("restore")  # the removed message is back
        told = [c for c in w.platform.of("send_dm") if c[1] == "fake:u1"]
        reversed_text = say("appeal_reversed", "en", case_id=removed.id, reasons="consented")
        assert told[-1][2] == reversed_text
        kinds = [e.record.kind for e in await audit_of(store)]
        assert "objection" in kinds


async def test_an_upheld_objection_to_an_automatic_removal_confirms_it(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        removed = (await w.moderator.on_message(photo("1"))).case
        assert removed is not None
        appeal = await w.moderator.on_objection(removed.id, "fake:u1", "mistake", "ko")
        assert appeal.appeal is not None
        assert appeal.appeal.contested_by == ""  # nobody had decided: anyone may
        await w.moderator.on_decision(appeal.id, Decision.CONFIRM, REVIEWER, note="동일 자료")
        assert (await store.get_case(removed.id)).state is CaseState.CONFIRMED
        told = [c for c in w.platform.of("send_dm") if c[1] == "fake:u1"]
        assert told[-1][2] == say("appeal_upheld", "ko", case_id=removed.id, reasons="동일 자료")
        assert not w.platform.of("restore")


async def test_who_may_object_and_how_often(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        removed = (await w.moderator.on_message(photo("1"))).case
        assert removed is not None
        with pytest.raises(AuthorisationError) as stranger:
            await w.moderator.on_objection(removed.id, "fake:someone-else", "no", "en")
        assert stranger.value.said is not None
        assert stranger.value.said.key == "objection_not_yours"
        with pytest.raises(InputError, match="reasons"):
            await w.moderator.on_objection(removed.id, "fake:u1", "   ", "en")
        appeal = await w.moderator.on_objection(removed.id, "fake:u1", "x" * 5000, "en")
        assert appeal.appeal is not None
        assert len(appeal.appeal.text) == 2000
        with pytest.raises(InputError, match="already objected"):
            await w.moderator.on_objection(removed.id, "fake:u1", "again", "en")
        with pytest.raises(InputError, match="final"):
            await w.moderator.on_objection(appeal.id, "fake:u1", "and again", "en")
        # A new decision on the contested case may be objected to once more.
        await w.moderator.on_decision(removed.id, Decision.CONFIRM, REVIEWER)
        again = await w.moderator.on_objection(removed.id, "fake:u1", "still mine", "en")
        assert again.id != appeal.id


async def test_a_reporter_whose_report_was_overturned_may_object(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        case = await w.moderator.on_report(
            Report("fake:u9", "deepfake", "this is me", message=photo("2", "harmless"))
        )
        with pytest.raises(AuthorisationError):  # not overturned yet
            await w.moderator.on_objection(case.id, "fake:u9", "please look again", "ko")
        await w.moderator.on_decision(case.id, Decision.OVERTURN, REVIEWER)
        appeal = await w.moderator.on_objection(case.id, "fake:u9", "please look again", "ko")
        assert appeal.appeal is not None
        assert appeal.appeal.role == "reporter"


async def test_an_appeals_card_explains_itself_and_offers_no_ban(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        removed = (await w.moderator.on_message(photo("1"))).case
        assert removed is not None
        appeal = await w.moderator.on_objection(removed.id, "fake:u1", "my own photo", "en")
        card = next(c for c in w.platform.cards.values() if c.case_id == appeal.id)
        assert card.buttons == ("confirm", "overturn", "escalate")
        assert any(removed.id in line and "my own photo" in line for line in card.lines)
        assert say("card_appeal_help", "ko") in card.lines
