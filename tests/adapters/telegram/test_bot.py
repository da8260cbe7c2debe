"""The real python-telegram-bot Application, driven offline against a fake Bot API."""

import hashlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from adapters.telegram.handlers import TelegramAdapter
from adapters.telegram.platform import TelegramPlatform
from core.audit import verify
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.policy import ChatSettings, Mode
from core.store import SqlStore
from core.texts import say
from tests.adapters.telegram.fake_bot_api import FakeBotApi
from tests.core.engine_helpers import BANNED, HARMLESS
from tests.fakes import FakeClock

REVIEW_CHAT = -100999
GROUP = {"id": -100123, "type": "supergroup", "title": "Test group"}
USER = {"id": 42, "is_bot": False, "first_name": "Kim"}
REVIEWER = {"id": 7, "is_bot": False, "first_name": "Reviewer"}


@dataclass
class Bot:
    app: Application  # type: ignore[type-arg]
    api: FakeBotApi
    store: SqlStore
    moderator: Moderator
    update_id: int = 0

    async def send(self, kind: str = "message", **message: Any) -> None:
        self.update_id += 1
        data = {"message_id": 10, "date": 1764300000, "chat": GROUP, "from": USER, **message}
        update = Update.de_json({"update_id": self.update_id, kind: data}, self.app.bot)
        await self.app.process_update(update)

    async def press(self, data: str, user: dict[str, Any] = REVIEWER) -> None:
        self.update_id += 1
        card = {"message_id": 5001, "date": 0, "chat": {"id": REVIEW_CHAT, "type": "supergroup"}}
        query = {"id": "q1", "from": user, "chat_instance": "c", "data": data, "message": card}
        await self.app.process_update(
            Update.de_json({"update_id": self.update_id, "callback_query": query}, self.app.bot)
        )


def photo(file_id: str) -> list[dict[str, Any]]:
    return [
        {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": 512,
            "height": 512,
            "file_size": 1000,
        }
    ]


@asynccontextmanager
async def telegram_bot(store: SqlStore, clock: FakeClock) -> AsyncIterator[Bot]:
    await store.create_bank(Bank("ncii", category="illegal_filming"))
    await store.add_entries("ncii", entries_for_media(hash_media(BANNED), source="t", added_by="t"))
    await store.add_entries("ncii", [Entry("tg_invite", "Leak123")])
    await store.add_reviewer("telegram:7", by="test")
    api = FakeBotApi()
    api.files.update({"banned": BANNED, "harmless": HARMLESS})
    app = (
        ApplicationBuilder().token("1:test").request(api).get_updates_request(FakeBotApi()).build()
    )
    platform = TelegramPlatform(app.bot, REVIEW_CHAT)
    with ThreadPoolExecutor(2) as pool:
        moderator = Moderator(
            store, {"telegram": platform}, await load_matcher(store), clock=clock, executor=pool
        )
        TelegramAdapter(moderator, max_bytes=20_000_000, review_chat_id=REVIEW_CHAT).register(app)
        async with app, moderator:
            yield Bot(app, api, store, moderator)


def deleted(api: FakeBotApi) -> set[int]:
    ids = {p["message_id"] for p in api.of("deleteMessage")}
    return ids | {m for p in api.of("deleteMessages") for m in p["message_ids"]}


async def test_a_banked_photo_is_deleted_and_a_card_appears(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=11, photo=photo("banned"))
        assert deleted(bot.api) == {11}
        card = next(p for p in bot.api.of("sendMessage") if p["chat_id"] == REVIEW_CHAT)
        assert say("category_illegal_filming", "ko") in card["text"]
        buttons = [b["callback_data"] for b in card["reply_markup"]["inline_keyboard"][0]]
        assert [b.split(":")[1] for b in buttons] == [
            "confirm",
            "overturn",
            "escalate",
            "ban",
            "fine",
        ]
        assert all(len(b.encode()) <= 64 for b in buttons)
        assert any(p["chat_id"] == 42 for p in bot.api.of("sendMessage"))  # statement of reasons


async def test_harmless_messages_cost_no_api_call_but_the_download(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=12, photo=photo("harmless"), caption="hi")
        assert [name for name, _ in bot.api.calls] == ["getMe", "getFile"]


async def test_an_album_with_one_banked_item_is_deleted_whole(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=20, photo=photo("harmless"), media_group_id="A1")
        await bot.send(message_id=21, photo=photo("banned"), media_group_id="A1")
        await bot.send(message_id=22, photo=photo("harmless"), media_group_id="A1")
        assert deleted(bot.api) == {20, 21, 22}


async def test_an_edit_that_adds_a_banned_invite_is_deleted(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=30, text="hello")
        await bot.send(
            "edited_message", message_id=30, text="join t.me/+Leak123", edit_date=1764300100
        )
        assert deleted(bot.api) == {30}


async def test_a_channel_post(store: SqlStore, clock: FakeClock) -> None:
    channel = {"id": -100777, "type": "channel", "title": "News"}
    async with telegram_bot(store, clock) as bot:
        await bot.send(
            "channel_post",
            message_id=40,
            chat=channel,
            sender_chat=channel,
            photo=photo("banned"),
            **{"from": None},
        )
        assert deleted(bot.api) == {40}
        assert not bot.api.of("banChatMember")


async def test_reviewer_buttons(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=50, photo=photo("banned"))
        (case,) = await store.list_cases()
        await bot.press(f"bf:confirm:{case.id}", user=USER)
        refused = bot.api.of("answerCallbackQuery")[-1]
        assert (refused["text"], refused["show_alert"]) == (
            say("not_reviewer", "ko"),
            True,
        )
        await bot.press(f"bf:ban:{case.id}")
        assert bot.api.of("answerCallbackQuery")[-1]["text"] == f"사건 {case.id}: 삭제 확정"
        assert bot.api.of("banChatMember") == [{"chat_id": -100123, "user_id": 42}]
        edited = bot.api.of("editMessageText")[-1]
        assert "결정: telegram:7" in edited["text"]
        await bot.press("bf:confirm:not-a-case-id")
        assert bot.api.of("answerCallbackQuery")[-1]["text"] == say("button_unknown", "ko")
        entries = [e async for e in store.iter_audit()]
        assert [e.record.actor for e in entries if e.record.kind == "decision_refused"] == [
            "telegram:42"
        ]
        assert verify(entries).ok


async def test_the_fine_button_overturns_and_allows_the_images_hashes(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=51, photo=photo("banned"))
        (case,) = await store.list_cases()
        await bot.press(f"bf:fine:{case.id}")
        assert bot.api.of("answerCallbackQuery")[-1]["text"] == f"사건 {case.id}: 조치 취소"
        allowed = [e async for e in store.iter_entries("ncii") if e.allow]
        assert allowed
        assert {e.source for e in allowed} == {f"case:{case.id}"}


async def test_dry_run_deletes_nothing(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await store.set_chat_settings(
            "telegram", "-100123", ChatSettings(mode=Mode.DRY_RUN), by="admin"
        )
        await bot.send(message_id=60, photo=photo("banned"))
        assert deleted(bot.api) == set()
        assert any(p["chat_id"] == REVIEW_CHAT for p in bot.api.of("sendMessage"))


async def test_a_redelivered_update_is_processed_once(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=70, photo=photo("banned"))
        bot.update_id -= 1
        await bot.send(message_id=70, photo=photo("banned"))
        assert len(bot.api.of("deleteMessage")) == 1
        assert len(await store.list_cases()) == 1


async def test_a_message_too_old_to_delete_is_recorded_not_fatal(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        bot.api.failures["deleteMessage"] = [
            (400, "Bad Request: message can't be deleted for everyone")
        ]
        await bot.send(message_id=80, photo=photo("banned"))
        results = [e.record.result async for e in store.iter_audit() if e.record.action == "delete"]
        assert results == ["failed: Message can't be deleted for everyone"]
        assert any(p["chat_id"] == REVIEW_CHAT for p in bot.api.of("sendMessage"))


async def test_an_overturned_removal_is_resent_by_file_id_naming_sender_and_time(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=90, photo=photo("banned"), caption="look")
        (case,) = await store.list_cases()
        await bot.press(f"bf:overturn:{case.id}")
        (resent,) = bot.api.of("sendPhoto")
        assert (resent["chat_id"], resent["photo"]) == (-100123, "banned")
        # The chat's language, the deployment's zone (Asia/Seoul by default), named.
        assert resent["caption"] == (
            "검토 후 복원된 메시지입니다. 보낸 사람: Kim, 보낸 때: 2025-11-28 12:20 KST: look"
        )


async def test_a_card_links_to_a_message_that_still_exists(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        await store.set_chat_settings(
            "telegram", "-100123", ChatSettings(mode=Mode.DRY_RUN), by="a"
        )
        await bot.send(message_id=91, photo=photo("banned"))
        card = next(p for p in bot.api.of("sendMessage") if p["chat_id"] == REVIEW_CHAT)
        assert "원본: https://t.me/c/123/91" in card["text"]


async def test_a_photo_listed_after_it_was_posted_is_removed_or_after_48_hours_left_to_a_person(
    store: SqlStore, clock: FakeClock
) -> None:
    async with telegram_bot(store, clock) as bot:
        now = int(clock.now().timestamp())
        await bot.send(message_id=21, photo=photo("harmless"), date=now - 3600)
        await bot.send(message_id=22, photo=photo("harmless"), date=now - 3 * 86400)
        assert deleted(bot.api) == set()
        # `blockfirst hashes add ncii harmless.jpg`, then the bot follows and reaches back
        await store.add_entries("ncii", [Entry("sha256", hashlib.sha256(HARMLESS).hexdigest())])
        await bot.moderator.follow_banks()
        clock.advance(seconds=6)  # every process has followed it
        assert await bot.moderator.reach_back() == 2
        assert deleted(bot.api) == {21}  # Telegram refuses bots older messages
        late = next(c for c in await store.list_cases() if c.target.endswith(":22"))
        assert any("48 hours" in r for r in late.reasons)
        cards = [p for p in bot.api.of("sendMessage") if p["chat_id"] == REVIEW_CHAT]
        assert len(cards) == 2
        assert await bot.moderator.reach_back() == 0
        assert deleted(bot.api) == {21}
