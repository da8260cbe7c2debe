"""The legal warning on joins, the bot's rights changes and chat migrations."""

from typing import Any

from telegram import Update

from core.policy import ChatSettings, Mode
from core.store import SqlStore
from tests.adapters.telegram.fake_bot_api import BOT_ID, _member
from tests.adapters.telegram.test_bot import GROUP, REVIEW_CHAT, USER, Bot, telegram_bot
from tests.fakes import FakeClock

BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "bf"}


async def change(bot: Bot, kind: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    bot.update_id += 1
    data = {"chat": GROUP, "from": USER, "date": 0, "old_chat_member": old, "new_chat_member": new}
    await bot.app.process_update(
        Update.de_json({"update_id": bot.update_id, kind: data}, bot.app.bot)
    )


def to_group(api: Any) -> list[str]:
    return [p["text"] for p in api.of("sendMessage") if p["chat_id"] == GROUP["id"]]


async def test_joining_without_delete_rights_warns_the_chat_and_the_reviewers(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await change(
            bot,
            "my_chat_member",
            {"status": "left", "user": BOT_USER},
            {"status": "member", "user": BOT_USER},
        )
        assert to_group(bot.api)[0].startswith("이 대화방은 blockfirst로 보호됩니다")
        review = [p["text"] for p in bot.api.of("sendMessage") if p["chat_id"] == REVIEW_CHAT]
        assert review == [
            "blockfirst가 Test group에서 메시지를 삭제할 수 없습니다. "
            "메시지 삭제 권한이 있는 관리자로 지정해 주세요."
        ]
        rights = [
            e.record.reason async for e in store.iter_audit() if e.record.kind == "bot_rights"
        ]
        assert rights == ["left -> member, can delete: False"]
        await change(
            bot, "my_chat_member", {"status": "member", "user": BOT_USER}, _member(BOT_ID, True)
        )
        assert len([p for p in bot.api.of("sendMessage") if p["chat_id"] == REVIEW_CHAT]) == 1


async def test_members_are_warned_once_and_a_chat_at_most_once_a_minute(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await store.set_chat_settings(
            "telegram", str(GROUP["id"]), ChatSettings(language="en"), by="admin"
        )
        newcomer = {"id": 5, "is_bot": False, "first_name": "New"}
        await change(
            bot,
            "chat_member",
            {"status": "left", "user": newcomer},
            {"status": "member", "user": newcomer},
        )
        second = {"id": 6, "is_bot": False, "first_name": "Also"}
        await change(
            bot,
            "chat_member",
            {"status": "left", "user": second},
            {"status": "member", "user": second},
        )
        assert len(to_group(bot.api)) == 1
        assert to_group(bot.api)[0].startswith("This chat is protected by blockfirst")


async def test_an_upgraded_group_keeps_its_settings(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await store.set_chat_settings(
            "telegram", str(GROUP["id"]), ChatSettings(mode=Mode.DRY_RUN), by="admin"
        )
        await bot.send(message_id=9, migrate_to_chat_id=-100555)
        assert (await store.chat_settings("telegram", "-100555")).mode is Mode.DRY_RUN
