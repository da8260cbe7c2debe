"""Group commands through the real Application: admin settings, /bf_status, /report."""

from typing import Any

from core.model import CaseKind
from core.policy import Mode
from core.store import SqlStore
from core.texts import say
from tests.adapters.telegram.fake_bot_api import BOT_ID
from tests.adapters.telegram.test_bot import USER, deleted, photo, telegram_bot
from tests.fakes import FakeClock

ADMIN = {"id": 1, "is_bot": False, "first_name": "Admin"}


def command(text: str, **fields: Any) -> dict[str, Any]:
    length = len(text.split(maxsplit=1)[0])
    return {
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": length}],
        **fields,
    }


def replies(api: Any) -> list[str]:
    return [p["text"] for p in api.of("sendMessage") if p["chat_id"] == -100123]


async def test_only_admins_change_settings(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        bot.api.admins.add(1)
        await bot.send(message_id=1, **command("/bf_mode dry-run"), **{"from": USER})
        assert replies(bot.api)[-1] == say("admins_only", "ko")  # the chat's language
        assert (await store.chat_settings("telegram", "-100123")).mode is Mode.ENFORCE
        await bot.send(message_id=2, **command("/bf_mode dry-run"), **{"from": ADMIN})
        await bot.send(message_id=3, **command("/bf_lang en"), **{"from": ADMIN})
        await bot.send(message_id=4, **command("/bf_notice off"), **{"from": ADMIN})
        await bot.send(message_id=5, **command("/bf_notice maybe"), **{"from": ADMIN})
        settings = await store.chat_settings("telegram", "-100123")
        assert (settings.mode, settings.language, settings.notice) == (Mode.DRY_RUN, "en", False)
        assert replies(bot.api)[-1] == "Usage: /bf_notice on|off"  # the chat is English now
        audited = [e.record.actor async for e in store.iter_audit() if e.record.kind == "settings"]
        assert audited == ["telegram:1"] * 3


async def test_status_reports_missing_rights(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        bot.api.admins = {1}  # the bot itself is not an admin
        await bot.send(message_id=1, **command("/bf_status"), **{"from": ADMIN})
        text = replies(bot.api)[-1]
        assert say("status_rights_missing", "ko", missing="메시지 삭제, 멤버 제한") in text
        assert say("status_privacy", "ko") in text
        bot.api.admins = {1, BOT_ID}
        await bot.send(message_id=2, **command("/bf_status"), **{"from": ADMIN})
        assert say("status_rights_ok", "ko") in replies(bot.api)[-1]


async def test_report_as_a_reply(store: SqlStore, clock: FakeClock) -> None:
    target = {
        "message_id": 30,
        "date": 1764300000,
        "chat": {"id": -100123, "type": "supergroup", "title": "T"},
        "from": {"id": 50, "is_bot": False, "first_name": "X"},
        "photo": photo("harmless"),
    }
    async with telegram_bot(store, clock) as bot:
        bot.api.admins.add(1)
        await bot.send(
            message_id=31, **command("/report"), reply_to_message=target, **{"from": USER}
        )
        (case,) = await store.list_cases()
        assert case.kind is CaseKind.REPORTER_REPLY
        assert replies(bot.api)[-1] == say("reported", "ko", case_id=case.id)
        assert 30 not in deleted(bot.api)
        await bot.send(
            message_id=32, **command("/report"), reply_to_message=target, **{"from": ADMIN}
        )
        assert 30 in deleted(bot.api)  # an admin's report blocks first
        assert any(p["chat_id"] == 42 and case.id in p["text"] for p in bot.api.of("sendMessage"))


async def test_a_person_is_answered_in_their_own_language_in_a_korean_chat(
    store: SqlStore, clock: FakeClock
) -> None:
    english = {**USER, "id": 60, "language_code": "en-US"}
    korean = {**USER, "id": 61, "language_code": "ko"}
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=1, **command("/bf_mode dry-run"), **{"from": english})
        assert replies(bot.api)[-1] == "Only the chat's admins can change blockfirst's settings."
        await bot.send(message_id=2, **command("/bf_mode dry-run"), **{"from": korean})
        assert replies(bot.api)[-1] == "이 대화방의 관리자만 blockfirst 설정을 바꿀 수 있습니다."
