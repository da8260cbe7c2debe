"""Bot API JSON -> python-telegram-bot objects -> core Message, offline."""

from typing import Any

import pytest
import telegram

from adapters.telegram import to_message
from core.model import ChatKind, MediaRef, SenderKind

LIMIT = 20 * 1024 * 1024
GROUP = {"id": -100123, "type": "supergroup", "title": "Test group"}
USER = {"id": 42, "is_bot": False, "first_name": "Kim"}


def message(**fields: Any) -> telegram.Message:
    data = {"message_id": 7, "date": 1764300000, "chat": GROUP, "from": USER, **fields}
    return telegram.Message.de_json(data, None)  # type: ignore[return-value]


def photo_size(uid: str, side: int, size: int) -> dict[str, Any]:
    return {
        "file_id": f"id-{uid}",
        "file_unique_id": uid,
        "width": side,
        "height": side,
        "file_size": size,
    }


def test_text_links_from_entities_text_links_and_buttons() -> None:
    text = "see example.com/a and this"
    msg = message(
        text=text,
        entities=[
            {"type": "url", "offset": 4, "length": 13},
            {"type": "text_link", "offset": 22, "length": 4, "url": "https://t.me/+Hidden1"},
        ],
        reply_markup={"inline_keyboard": [[{"text": "join", "url": "https://discord.gg/AbC"}]]},
    )
    core = to_message(msg, LIMIT)
    assert core.chat.platform == "telegram"
    assert (core.chat.id, core.chat.kind, core.chat.title) == (
        "-100123",
        ChatKind.SUPERGROUP,
        "Test group",
    )
    assert (core.message_id, core.text) == ("7", text)
    assert core.links == ("example.com/a", "https://t.me/+Hidden1", "https://discord.gg/AbC")
    assert (core.sender.id, core.sender.kind) == ("42", SenderKind.USER)


def test_the_largest_photo_within_the_limit() -> None:
    msg = message(
        photo=[
            photo_size("s", 90, 1_000),
            photo_size("m", 800, 80_000),
            photo_size("x", 2560, 30_000_000),
        ],
        caption="look",
        media_group_id="album-1",
    )
    core = to_message(msg, LIMIT)
    assert core.media == (MediaRef("photo", "m", "id-m", "image/jpeg", 80_000),)
    assert (core.text, core.album_id) == ("look", "album-1")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "document": {
                    "file_id": "d",
                    "file_unique_id": "ud",
                    "mime_type": "image/png",
                    "file_size": 5,
                }
            },
            [("document", "ud", "d")],
        ),
        (
            {"document": {"file_id": "d", "file_unique_id": "ud", "mime_type": "application/pdf"}},
            [],
        ),
        (
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "us",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            [("sticker", "us", "s")],
        ),
        (
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "us",
                    "width": 512,
                    "height": 512,
                    "is_animated": True,
                    "is_video": False,
                    "type": "regular",
                    "thumbnail": photo_size("ut", 128, 10),
                }
            },
            [("sticker_thumbnail", "ut", "id-ut")],
        ),
        (
            {
                "video": {
                    "file_id": "v",
                    "file_unique_id": "uv",
                    "width": 640,
                    "height": 360,
                    "duration": 30,
                    "mime_type": "video/mp4",
                    "file_size": 5_000_000,
                }
            },
            [("video", "uv", "v")],
        ),
        (
            {
                "video": {
                    "file_id": "v",
                    "file_unique_id": "uv",
                    "width": 640,
                    "height": 360,
                    "duration": 300,
                    "file_size": 90_000_000,
                    "thumbnail": photo_size("vt", 320, 9),
                }
            },
            [("video", "uv", "v"), ("video_thumbnail", "vt", "id-vt")],
        ),
        (
            {
                "animation": {
                    "file_id": "a",
                    "file_unique_id": "ua",
                    "width": 320,
                    "height": 240,
                    "duration": 3,
                    "mime_type": "video/mp4",
                    "file_size": 300_000,
                }
            },
            [("animation", "ua", "a")],
        ),
    ],
)
def test_media_references(fields: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    core = to_message(message(**fields), LIMIT)
    assert [(m.kind, m.file_key, m.file_ref) for m in core.media] == expected


@pytest.mark.parametrize(
    ("fields", "chat", "kind", "sender_id"),
    [
        (
            {
                "from": {"id": 1087968824, "is_bot": True, "first_name": "Group"},
                "sender_chat": GROUP,
            },
            GROUP,
            SenderKind.ANONYMOUS_ADMIN,
            "-100123",
        ),
        (
            {"sender_chat": {"id": -100999, "type": "channel", "title": "Ch"}},
            GROUP,
            SenderKind.CHANNEL,
            "-100999",
        ),
        (
            {"from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}},
            GROUP,
            SenderKind.SERVICE,
            "777000",
        ),
        ({"from": {"id": 5, "is_bot": True, "first_name": "Spam bot"}}, GROUP, SenderKind.BOT, "5"),
    ],
)
def test_senders(
    fields: dict[str, Any], chat: dict[str, Any], kind: SenderKind, sender_id: str
) -> None:
    core = to_message(message(**fields), LIMIT)
    assert (core.sender.kind, core.sender.id) == (kind, sender_id)


def test_a_channel_post() -> None:
    channel = {"id": -100777, "type": "channel", "title": "News"}
    msg = telegram.Message.de_json(
        {
            "message_id": 3,
            "date": 1764300000,
            "chat": channel,
            "sender_chat": channel,
            "text": "hi",
        },
        None,
    )
    core = to_message(msg, LIMIT)  # type: ignore[arg-type]
    assert (core.chat.kind, core.sender.kind) == (ChatKind.CHANNEL, SenderKind.CHANNEL)


def test_an_edit_carries_its_version_and_a_forward_its_origin() -> None:
    msg = message(
        text="changed",
        edit_date=1764300100,
        forward_origin={
            "type": "channel",
            "date": 1764000000,
            "chat": {"id": -1005, "type": "channel", "title": "Src"},
            "message_id": 9,
        },
        reply_to_message={"message_id": 6, "date": 1764300000, "chat": GROUP, "text": "q"},
    )
    core = to_message(msg, LIMIT, edited=True)
    assert (core.edited, core.edit_version) == (True, "1764300100")
    assert core.update_key == "telegram:-100123:7:edit:1764300100"
    assert (core.forwarded_from, core.reply_to) == ("chat:-1005", "6")


def test_a_topic_message_is_in_a_thread() -> None:
    forum = {**GROUP, "is_forum": True}
    msg = telegram.Message.de_json(
        {
            "message_id": 8,
            "date": 1764300000,
            "chat": forum,
            "from": USER,
            "text": "t",
            "is_topic_message": True,
            "message_thread_id": 2,
        },
        None,
    )
    assert to_message(msg, LIMIT).chat.kind is ChatKind.THREAD  # type: ignore[arg-type]


def test_file_names_and_every_button_label_are_kept_for_text_rules() -> None:
    document = {
        "file_id": "d1", "file_unique_id": "du1", "file_name": "몰카_모음.zip",
        "mime_type": "application/zip", "file_size": 10,
    }  # fmt: skip
    msg = message(
        document=document,
        caption="new",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Hidden CAM 🔥", "url": "https://t.me/+Hidden1"}],
                [{"text": "구매하기", "callback_data": "buy"}],
            ]
        },
    )
    core = to_message(msg, LIMIT)
    assert core.file_names == ("몰카_모음.zip",)
    assert core.buttons == ("Hidden CAM 🔥", "구매하기")
    assert core.media == ()  # a zip is not media: its name is still read
