"""Text rules through the Moderator: a disguised phrase in a message opens a case,
deleting only when its bank says delete; an allow rule clears a news sentence."""

from dataclasses import replace

from core.banks import Bank, Entry
from core.model import Band, BankAction, Message, Sender, SenderKind
from core.store import SqlStore
from tests.core.engine_helpers import CHAT, USER, world
from tests.fakes import FakeClock


def _message(message_id: str, text: str, forwarded: str | None = None) -> Message:
    return Message(CHAT, message_id, USER, text=text, forwarded_from=forwarded)


async def test_a_disguised_phrase_is_reviewed_or_deleted_as_its_bank_says(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("ads", BankAction.REVIEW, category="deepfake"))
        await store.add_entries("ads", [Entry("text", "딥페이크판매")])
        await store.create_bank(Bank("sellers", BankAction.DELETE, category="illegal_filming"))
        await store.add_entries("sellers", [Entry("text", "몰카팝니다")])
        await store.add_entries("sellers", [Entry("text", "딥페이크예방교육", allow=True)])
        await w.moderator.follow_banks()
        reviewed = await w.moderator.on_message(_message("1", "ㄷㅣㅂ 페 이 크 판.매 합니다"))
        assert reviewed.case is not None
        assert [(m.bank, m.value, m.action) for m in reviewed.verdict.matches] == [
            ("ads", "딥페이크판매", BankAction.REVIEW)
        ]
        assert not w.platform.of("delete_messages")
        deleted = await w.moderator.on_message(_message("2", "새 영상", forwarded="몰 카 팝 니 다"))
        assert deleted.case is not None
        assert w.platform.of("delete_messages") == [("delete_messages", CHAT.id, "2")]
        news = await w.moderator.on_message(
            _message("3", "딥페이크 예방 교육: 딥페이크 판매 신고법")
        )
        assert news.case is None  # the allow rule clears the item
        harmless = await w.moderator.on_message(_message("4", "오늘 점심 뭐 먹지"))
        assert harmless.case is None


async def test_file_names_buttons_and_edits_are_read_and_the_match_says_what_and_where(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("sellers", BankAction.DELETE, category="illegal_filming"))
        await store.add_entries("sellers", [Entry("text", "몰카팝니다"), Entry("text_word", "cam")])
        await w.moderator.follow_banks()
        by_file = await w.moderator.on_message(
            Message(CHAT, "1", USER, file_names=("몰_카_팝니다 (1).zip",))
        )
        assert by_file.case is not None
        [match] = by_file.verdict.matches
        assert (match.place, match.span) == ("file_name", "몰_카_팝니다")
        by_button = await w.moderator.on_message(
            Message(CHAT, "2", USER, text="hi", buttons=("Hidden 🔥 CAM",))
        )
        assert [(m.place, m.span) for m in by_button.verdict.matches] == [("button", "CAM")]
        assert (await w.moderator.on_message(_message("3", "new camera, webcam"))).case is None
        edited = Message(CHAT, "3", USER, text="new c-a-m", edited=True, edit_version="9")
        assert (await w.moderator.on_message(edited)).case is not None
        assert w.platform.of("delete_messages") == [
            ("delete_messages", CHAT.id, "1"),
            ("delete_messages", CHAT.id, "2"),
            ("delete_messages", CHAT.id, "3"),
        ]
        stored = await store.get_case(by_file.case.id)
        assert stored.matches[0].span == "몰_카_팝니다"  # kept for the card and the dashboard
        assert any("몰_카_팝니다" in line for c in w.platform.cards.values() for line in c.lines)


async def test_a_name_or_title_is_only_reviewed_and_opens_one_case_however_many_post(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("sellers", BankAction.DELETE, category="illegal_filming"))
        await store.add_entries("sellers", [Entry("text", "몰카판매")])
        await w.moderator.follow_banks()
        seller = Sender("u9", SenderKind.USER, "몰.카.판.매 DM")
        first = await w.moderator.on_message(Message(CHAT, "1", seller, text="안녕하세요"))
        assert first.case is not None
        [match] = first.verdict.matches
        assert (match.place, match.action, match.band) == (
            "sender_name", BankAction.REVIEW, Band.REVIEW,
        )  # fmt: skip
        again = await w.moderator.on_message(Message(CHAT, "2", seller, text="사진 있어요"))
        assert again.case is None  # the same name in the same chat is read once
        titled = replace(CHAT, title="몰카 판매방")
        one = await w.moderator.on_message(Message(titled, "3", USER, text="hello"))
        two = await w.moderator.on_message(Message(titled, "4", seller, text="hello"))
        assert one.case is not None
        assert two.case is None or two.case.id == one.case.id
        assert not w.platform.of("delete_messages")
        assert len(w.platform.cards) == 2  # the seller, the chat


async def test_a_listed_name_in_another_chat_is_its_own_case(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("sellers", BankAction.REVIEW))
        await store.add_entries("sellers", [Entry("text", "몰카판매")])
        await w.moderator.follow_banks()
        seller = Sender("u9", SenderKind.USER, "몰카판매")
        here = await w.moderator.on_message(Message(CHAT, "1", seller))
        there = await w.moderator.on_message(Message(replace(CHAT, id="-200"), "1", seller))
        assert here.case is not None
        assert there.case is not None
        assert here.case.id != there.case.id


async def test_a_title_read_before_its_rule_was_added_is_read_again(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.create_bank(Bank("sellers", BankAction.REVIEW))
        await store.add_entries("sellers", [Entry("text", "unrelated")])
        await w.moderator.follow_banks()
        titled = replace(CHAT, title="몰카 판매방")
        assert (await w.moderator.on_message(Message(titled, "1", USER, text="hi"))).case is None
        await store.add_entries("sellers", [Entry("text", "몰카판매")])
        await w.moderator.follow_banks()
        later = await w.moderator.on_message(Message(titled, "2", USER, text="hi"))
        assert later.case is not None
        assert [m.place for m in later.verdict.matches] == ["chat_title"]
