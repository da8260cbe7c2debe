"""Reports by direct message, through the real Application and the fake Bot API."""

from typing import Any

from core.store import SqlStore
from core.texts import say
from tests.adapters.telegram.test_bot import photo, telegram_bot
from tests.adapters.telegram.test_commands import command
from tests.fakes import FakeClock

REPORTER = {"id": 77, "is_bot": False, "first_name": "R", "language_code": "en"}
PRIVATE = {"id": 77, "type": "private", "first_name": "R"}


def to_reporter(api: Any) -> list[dict[str, Any]]:
    return [p for p in api.of("sendMessage") if p["chat_id"] == 77]


async def test_start_explains_how_to_report(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=1, chat=PRIVATE, **command("/start"), **{"from": REPORTER})
        assert to_reporter(bot.api)[-1]["text"].startswith("To report illegally filmed")


async def test_a_link_sent_to_the_bot_becomes_a_report(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        await bot.send(
            message_id=2, chat=PRIVATE, text="t.me/+Leak123 is spreading it", **{"from": REPORTER}
        )
        choice = to_reporter(bot.api)[-1]["reply_markup"]["inline_keyboard"]
        data = [row[0]["callback_data"] for row in choice]
        assert [d.split(":")[1] for d in data] == ["illegal_filming", "deepfake", "csam", "other"]
        await bot.press(data[1], user=REPORTER)
        (case,) = await store.list_cases()
        assert case.category == "deepfake"
        assert [(m.signal_type, m.value) for m in case.matches] == [("tg_invite", "Leak123")]
        assert bot.api.of("answerCallbackQuery")[-1]["text"] == f"Case {case.id}"
        assert to_reporter(bot.api)[-1]["text"].startswith(
            f"Thank you: your report is case {case.id}"
        )
        await bot.send(
            message_id=3, chat=PRIVATE, **command(f"/status {case.id}"), **{"from": REPORTER}
        )
        assert to_reporter(bot.api)[-1]["text"] == f"Case {case.id}: open"
        stranger = {**REPORTER, "id": 78}
        await bot.send(
            message_id=4,
            chat={**PRIVATE, "id": 78},
            **command(f"/status {case.id}"),
            **{"from": stranger},
        )
        assert bot.api.of("sendMessage")[-1]["text"].startswith("No such case among your reports")


async def test_a_forwarded_image_is_matched_never_kept(store: SqlStore, clock: FakeClock) -> None:
    async with telegram_bot(store, clock) as bot:
        forwarded = {"type": "hidden_user", "date": 1764000000, "sender_user_name": "someone"}
        await bot.send(
            message_id=5,
            chat=PRIVATE,
            photo=photo("banned"),
            forward_origin=forwarded,
            **{"from": REPORTER},
        )
        data = to_reporter(bot.api)[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await bot.press(data, user=REPORTER)
        (case,) = await store.list_cases()
        assert {m.bank for m in case.matches} == {"ncii"}
        await bot.press(data, user=REPORTER)  # the same button again: nothing pending
        assert bot.api.of("answerCallbackQuery")[-1]["text"] == say("report_send_again", "en")


async def test_the_sender_of_a_removed_photo_objects_from_the_dm_it_got(
    store: SqlStore, clock: FakeClock
) -> None:
    """The statement of reasons says how; ``/object CASE reasons`` opens an appeal case,
    answered in the sender's language; anyone else is refused in theirs."""
    kim = {"id": 42, "is_bot": False, "first_name": "Kim", "language_code": "ko"}
    kims_chat = {"id": 42, "type": "private", "first_name": "Kim"}
    async with telegram_bot(store, clock) as bot:
        await bot.send(message_id=50, photo=photo("banned"))
        (case,) = await store.list_cases()
        statement = [p["text"] for p in bot.api.of("sendMessage") if p["chat_id"] == 42]
        assert f"/object {case.id}" in statement[-1]
        await bot.send(message_id=1, chat=kims_chat, **command("/object"), **{"from": kim})
        assert bot.api.of("sendMessage")[-1]["text"] == say("objection_usage", "ko")
        await bot.send(
            message_id=2,
            chat=kims_chat,
            **command(f"/object {case.id} 제가 찍은 사진입니다"),
            **{"from": kim},
        )
        appeal = next(c for c in await store.list_cases() if c.appeal is not None)
        assert appeal.appeal is not None
        assert (appeal.appeal.objector, appeal.appeal.text) == (
            "telegram:42",
            "제가 찍은 사진입니다",
        )
        told = [p["text"] for p in bot.api.of("sendMessage") if p["chat_id"] == 42]
        assert told[-1] == say("objection_ack", "ko", case_id=appeal.id)
        await bot.send(
            message_id=6,
            chat=PRIVATE,
            **command(f"/object {case.id} not mine"),
            **{"from": REPORTER},
        )
        refused = say("objection_not_yours", "en", case_id=case.id)
        assert to_reporter(bot.api)[-1]["text"] == refused


async def test_an_objection_end_to_end_a_second_reviewer_reverses_and_the_photo_returns(
    store: SqlStore, clock: FakeClock
) -> None:
    """Confirmed by reviewer 7; the sender objects; 7 is refused on the appeal's card;
    reviewer 8 reverses it; the photo is sent again and the sender told, in Korean."""
    from tests.adapters.telegram.test_bot import REVIEWER

    kim = {"id": 42, "is_bot": False, "first_name": "Kim", "language_code": "ko"}
    kims_chat = {"id": 42, "type": "private", "first_name": "Kim"}
    second = {"id": 8, "is_bot": False, "first_name": "Second"}
    async with telegram_bot(store, clock) as bot:
        await store.add_reviewer("telegram:8", by="test")
        await bot.send(message_id=60, photo=photo("banned"))
        (case,) = await store.list_cases()
        await bot.press(f"bf:confirm:{case.id}", user=REVIEWER)
        objection = command(f"/object {case.id} 제 사진입니다")
        await bot.send(message_id=3, chat=kims_chat, **objection, **{"from": kim})
        appeal = next(c for c in await store.list_cases() if c.appeal is not None)
        await bot.press(f"bf:overturn:{appeal.id}", user=REVIEWER)
        refused = bot.api.of("answerCallbackQuery")[-1]
        assert (refused["text"], refused["show_alert"]) == (say("appeal_same_reviewer", "ko"), True)
        assert not bot.api.of("sendPhoto")
        await bot.press(f"bf:overturn:{appeal.id}", user=second)
        assert [p["chat_id"] for p in bot.api.of("sendPhoto")] == [-100123]
        told = [p["text"] for p in bot.api.of("sendMessage") if p["chat_id"] == 42]
        assert told[-1] == say("appeal_reversed", "ko", case_id=case.id, reasons="-")
