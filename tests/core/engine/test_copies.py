"""One case per item: copies of a picture under review, posted anywhere on the
platform while its case is open, join that case; one decision acts on all."""

import io
from zoneinfo import ZoneInfo

from PIL import Image, ImageEnhance

from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.media.hashing import hash_media
from core.model import BankAction, Chat, ChatKind, Decision, MediaRef, Message, Report, Sender
from core.store import SqlStore
from core.texts import card_for
from tests.conftest import encode
from tests.core.engine_helpers import BANNED, HARMLESS, REVIEWER, World, world
from tests.fakes import FakeClock

UTC_ZONE = ZoneInfo("UTC")


def _reposts(w: World, count: int) -> list[Message]:
    """``count`` mildly edited copies of the banned picture (re-encoded, a little
    brighter or darker), by different people in five chats."""
    original = Image.open(io.BytesIO(BANNED)).convert("RGB")
    posts = []
    for i in range(count):
        edited = ImageEnhance.Brightness(original).enhance(0.9 + 0.004 * i)
        w.platform.files[f"copy{i}"] = encode(edited, "JPEG", quality=60 + i % 35)
        chat = Chat("fake", f"-20{i % 5}", ChatKind.SUPERGROUP, f"group {i % 5}")
        ref = MediaRef("photo", f"key-copy{i}", f"copy{i}", "image/jpeg")
        posts.append(Message(chat, str(1000 + i), Sender(f"u{i}"), media=(ref,)))
    return posts


def _restored(w: World) -> int:
    return len(w.platform.of("restore"))


async def test_fifty_reposts_make_one_case_and_one_overturn_restores_them_all(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        handled = [await w.moderator.on_message(m) for m in _reposts(w, 50)]
        assert len(w.platform.deleted) == 50  # every copy removed at once
        [case] = await store.list_cases()
        assert {h.case.id for h in handled if h.case} == {case.id}
        assert (case.copies, case.copy_chats) == (50, 5)
        assert len(await store.case_copies(case.id)) == 49
        assert len(w.platform.of("post_card")) == 1  # one card, updated with the count
        await w.moderator.on_decision(case.id, Decision.OVERTURN, REVIEWER)
        assert _restored(w) == 50


async def test_one_confirmation_keeps_every_copy_removed(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        for message in _reposts(w, 50):
            await w.moderator.on_message(message)
        [case] = await store.list_cases()
        await w.moderator.on_decision(case.id, Decision.CONFIRM, REVIEWER)
        assert _restored(w) == 0
        assert len(w.platform.deleted) == 50
        # Decided: a later copy opens a case of its own.
        later = _reposts(w, 51)[-1]
        await w.moderator.on_message(later)
        assert len(await store.list_cases()) == 2


async def test_another_picture_opens_its_own_case(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(_reposts(w, 1)[0])
        w.platform.files["other"] = HARMLESS
        chat = Chat("fake", "-300", ChatKind.SUPERGROUP, "other")
        other = Message(chat, "5", Sender("u"), media=(MediaRef("photo", "k5", "other", "x"),))
        listed = entries_for_media(hash_media(HARMLESS), source="t", added_by="t")
        await store.add_entries("ncii", listed)
        await w.moderator.follow_banks()
        await w.moderator.on_message(other)
        assert len(await store.list_cases()) == 2


async def test_a_report_of_a_copy_joins_the_case_and_its_reporter_hears_the_outcome(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        first, copy = _reposts(w, 2)
        await w.moderator.on_message(first)
        [case] = await store.list_cases()
        reported = await w.moderator.on_report(
            Report(reporter="fake:u77", category="illegal_filming", message=copy)
        )
        assert reported.id == case.id
        [joined] = await store.list_cases()
        assert (joined.copies, joined.reports) == (2, 1)
        acks = [c for c in w.platform.of("send_dm") if c[1] == "fake:u77"]
        assert case.id in acks[0][2]  # told the case it joined
        await w.moderator.on_decision(case.id, Decision.CONFIRM, REVIEWER)
        outcomes = [c for c in w.platform.of("send_dm") if c[1] == "fake:u77"]
        assert len(outcomes) == 2
        assert case.id in outcomes[1][2]


async def test_the_card_and_the_case_page_count_posts_and_chats(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        for message in _reposts(w, 7):
            await w.moderator.on_message(message)
        [case] = await store.list_cases()
        card = card_for(case, clock.now(), "en", UTC_ZONE)
        assert "7 posts of this item in 5 chat(s) (one decision acts on all)" in card.lines
        assert w.platform.of("update_card")  # the card posted once, then updated


async def test_an_overturn_restores_only_the_posts_that_were_removed(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock, action=BankAction.REVIEW) as w:
        original, copy = _reposts(w, 2)
        await w.moderator.on_message(original)  # the review bank: left up, a case opened
        copy_hash = hash_media(w.platform.files[copy.media[0].file_ref]).signals
        await store.create_bank(Bank("exact"))
        await store.add_entries(
            "exact", [Entry("sha256", s.value) for s in copy_hash if s.signal_type == "sha256"]
        )
        await w.moderator.follow_banks()
        await w.moderator.on_message(copy)  # listed exactly: deleted, and it joins the case
        [case] = await store.list_cases()
        assert case.copies == 2
        assert w.platform.deleted == {(copy.chat.id, copy.message_id)}
        await w.moderator.on_decision(case.id, Decision.OVERTURN, REVIEWER)
        [(_, chat_id, *_)] = w.platform.of("restore")
        assert chat_id == copy.chat.id  # the original was never removed
