"""``telegram.Message`` -> core ``Message``: chats, senders, text, links, media refs.

Media are references only (``file_unique_id`` as the stable key, ``file_id`` to
fetch or re-send); the core fetches and hashes them. Photos use the largest
size within the byte limit; animated and video stickers, and animations and
videos over the limit, fall back to their thumbnail.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import telegram
from telegram.constants import ChatType, MessageEntityType

from core.model import Chat, ChatKind, MediaRef, Message, Sender, SenderKind
from core.texts import person_language

if TYPE_CHECKING:
    from core.engine.moderator import Moderator

__all__ = ["PLATFORM", "SERVICE_ACCOUNTS", "message_link", "reader_language", "to_message"]

PLATFORM = "telegram"


def message_link(chat_id: str, message_id: str, community: str = "") -> str | None:
    """A link to a message of a supergroup or channel (basic groups have none)."""
    if not chat_id.startswith("-100"):
        return None
    return f"https://t.me/c/{chat_id.removeprefix('-100')}/{message_id}"


# Telegram's own accounts: service notifications, the anonymous-admin and
# channel placeholders. They are never restricted or banned.
SERVICE_ACCOUNTS = frozenset({777000, 1087968824, 136817688})

_CHAT_KINDS: dict[str, ChatKind] = {
    ChatType.PRIVATE: ChatKind.DM,
    ChatType.GROUP: ChatKind.GROUP,
    ChatType.SUPERGROUP: ChatKind.SUPERGROUP,
    ChatType.CHANNEL: ChatKind.CHANNEL,
}


def to_message(msg: telegram.Message, max_bytes: int, *, edited: bool = False) -> Message:
    chat = msg.chat
    kind = _CHAT_KINDS.get(chat.type, ChatKind.GROUP)
    if kind is ChatKind.SUPERGROUP and msg.is_topic_message:
        kind = ChatKind.THREAD
    edit_date = msg.edit_date
    return Message(
        chat=Chat(PLATFORM, str(chat.id), kind, chat.title or chat.full_name or ""),
        message_id=str(msg.message_id),
        sender=_sender(msg),
        text=msg.text or msg.caption or "",
        links=tuple(dict.fromkeys(_links(msg))),
        media=tuple(_media(msg, max_bytes)),
        album_id=msg.media_group_id,
        edited=edited,
        edit_version=str(int(edit_date.timestamp())) if edited and edit_date else "",
        reply_to=str(msg.reply_to_message.message_id) if msg.reply_to_message else None,
        forwarded_from=_origin(msg),
        sent_at=msg.date,
        file_names=tuple(_file_names(msg)),
        buttons=tuple(
            button.text
            for row in (msg.reply_markup.inline_keyboard if msg.reply_markup else ())
            for button in row
            if button.text
        ),
    )


def _file_names(msg: telegram.Message) -> Iterator[str]:
    for item in (msg.document, msg.video, msg.animation, msg.audio):
        name = getattr(item, "file_name", None)
        if name:
            yield name


def _sender(msg: telegram.Message) -> Sender:
    sender_chat = msg.sender_chat
    if sender_chat is not None:
        if sender_chat.id == msg.chat.id and msg.chat.type != ChatType.CHANNEL:
            return Sender(str(sender_chat.id), SenderKind.ANONYMOUS_ADMIN, sender_chat.title or "")
        return Sender(str(sender_chat.id), SenderKind.CHANNEL, sender_chat.title or "")
    user = msg.from_user
    if user is None:
        return Sender("", SenderKind.SERVICE)
    if user.id in SERVICE_ACCOUNTS:
        return Sender(str(user.id), SenderKind.SERVICE, user.full_name)
    return Sender(str(user.id), SenderKind.BOT if user.is_bot else SenderKind.USER, user.full_name)


def _links(msg: telegram.Message) -> Iterator[str]:
    """URLs from entities and captions (text and hidden links) and URL buttons."""
    for entity, text in (*msg.parse_entities().items(), *msg.parse_caption_entities().items()):
        if entity.type == MessageEntityType.URL:
            yield text
        elif entity.type == MessageEntityType.TEXT_LINK and entity.url:
            yield entity.url
    markup = msg.reply_markup
    if markup is not None:
        for row in markup.inline_keyboard:
            yield from (button.url for button in row if button.url)


def _media(msg: telegram.Message, max_bytes: int) -> Iterator[MediaRef]:
    if msg.photo:
        fitting = [p for p in msg.photo if (p.file_size or 0) <= max_bytes] or list(msg.photo[:1])
        best = max(fitting, key=lambda p: p.width * p.height)
        yield MediaRef("photo", best.file_unique_id, best.file_id, "image/jpeg", best.file_size)
    document = msg.document
    if document is not None and (document.mime_type or "").startswith(("image/", "video/")):
        kind = "video" if (document.mime_type or "").startswith("video/") else "document"
        yield MediaRef(
            kind,
            document.file_unique_id,
            document.file_id,
            document.mime_type or "",
            document.file_size,
        )
    sticker = msg.sticker
    if sticker is not None:
        if not (sticker.is_animated or sticker.is_video):
            yield MediaRef(
                "sticker", sticker.file_unique_id, sticker.file_id, "image/webp", sticker.file_size
            )
        elif sticker.thumbnail is not None:
            yield _thumbnail("sticker", sticker.thumbnail)
    for kind, item in (("animation", msg.animation), ("video", msg.video)):
        if item is None:
            continue
        # Over the decoding limit, the file still gets its exact digests (streamed)
        # and its thumbnail the perceptual hashes.
        yield MediaRef(
            kind, item.file_unique_id, item.file_id, item.mime_type or "", item.file_size
        )
        if (item.file_size or 0) > max_bytes and item.thumbnail is not None:
            yield _thumbnail(kind, item.thumbnail)


def _thumbnail(kind: str, thumb: telegram.PhotoSize) -> MediaRef:
    return MediaRef(
        f"{kind}_thumbnail", thumb.file_unique_id, thumb.file_id, "image/jpeg", thumb.file_size
    )


def _origin(msg: telegram.Message) -> str | None:
    origin = msg.forward_origin
    if origin is None:
        return None
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    user = getattr(origin, "sender_user", None)
    if chat is not None:
        return f"chat:{chat.id}"
    if user is not None:
        return f"user:{user.id}"
    return f"hidden:{getattr(origin, 'sender_user_name', '')}"


async def reader_language(update: telegram.Update, moderator: "Moderator") -> str:
    """The language to answer this update's person in: their Telegram language when it
    is one of ours, else their chat's setting (a private chat's is the default)."""
    chat = update.effective_chat
    fallback = (await moderator.chat_settings(PLATFORM, str(chat.id))).language if chat else "ko"
    user = update.effective_user
    return person_language(user.language_code if user else None, fallback)
