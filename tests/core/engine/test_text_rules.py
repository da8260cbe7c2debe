"""Text rules through the Moderator: a disguised phrase in a message opens a case,
deleting only when its bank says delete; an allow rule clears a news sentence."""

from core.banks import Bank, Entry
from core.model import BankAction, Message
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
