"""The core's ``Platform`` port over python-telegram-bot's ``Bot``.

Telegram's errors become ``PlatformError``: a message that is already gone is
``gone`` (a delete then counts as done), missing rights, messages older than
48 h and users who never opened the bot are ``impossible`` (recorded, not
retried), flood waits carry ``retry_after``, network errors are retryable.
"""

from collections.abc import AsyncIterator, Awaitable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import telegram
from telegram import ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram.translate import PLATFORM, message_link
from core.errors import InputError, PlatformError
from core.media.files import CHUNK, read_chunks
from core.model import Chat, MediaRef, ReviewCard, Sender, SenderKind
from core.texts import button_label, say

__all__ = ["CALLBACK_PREFIX", "TelegramPlatform", "card_markup"]

CALLBACK_PREFIX = "bf"
CLOUD_FILE_LIMIT = 20 * 1024 * 1024  # getFile's limit without a local Bot API server
T = TypeVar("T")
_GONE = ("message to delete not found", "message not found", "message_id_invalid")


def card_markup(card: ReviewCard) -> InlineKeyboardMarkup | None:
    """Confirm / Overturn / Escalate (and Ban) buttons; data ``bf:<decision>:<case>``."""
    if not card.decisions:
        return None
    buttons = [
        InlineKeyboardButton(
            button_label(d, card.language), callback_data=f"{CALLBACK_PREFIX}:{d}:{card.case_id}"
        )
        for d in card.buttons
    ]
    return InlineKeyboardMarkup([buttons])


def _card_text(card: ReviewCard) -> str:
    lines = [card.title, *card.lines]
    link = message_link(*card.original) if card.original is not None else None
    if link is not None:
        lines.append(say("card_original_link", card.language, link=link))
    return "\n".join(lines)


class TelegramPlatform:
    """Implements ``core.ports.Platform`` for one bot and its reviewers' chat."""

    name = PLATFORM

    def __init__(self, bot: telegram.Bot, review_chat_id: int) -> None:
        self._bot = bot
        self._review_chat_id = review_chat_id

    async def fetch_media(self, ref: MediaRef, max_bytes: int) -> bytes:
        if ref.size is not None and ref.size > max_bytes:
            raise InputError(f"{ref.kind} is {ref.size} bytes, over the {max_bytes}-byte limit")
        file = await _translated(self._bot.get_file(ref.file_ref))
        if file.file_size is not None and file.file_size > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        data = bytes(await _translated(file.download_as_bytearray()))
        if len(data) > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        return data

    async def stream_media(self, ref: MediaRef, max_bytes: int) -> AsyncIterator[bytes]:
        """The cloud Bot API serves files up to 20 MB (over it, Telegram refuses and
        nothing is asked); a local Bot API server hands over a path, read here in
        chunks."""
        if not self._bot.local_mode and (ref.size or 0) > CLOUD_FILE_LIMIT:
            raise InputError(f"{ref.kind} is over the cloud Bot API's 20 MB download limit")
        file = await _translated(self._bot.get_file(ref.file_ref))
        if file.file_size is not None and file.file_size > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        path = Path(file.file_path or "")
        if self._bot.local_mode and path.is_absolute():
            async for chunk in read_chunks(path, max_bytes):
                yield chunk
            return
        data = await _translated(file.download_as_bytearray())
        if len(data) > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        for start in range(0, len(data), CHUNK):
            yield bytes(data[start : start + CHUNK])

    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None:
        ids = [_id(m) for m in message_ids]
        if len(ids) == 1:
            await _translated(self._bot.delete_message(_id(chat.id), ids[0]))
        else:
            await _translated(self._bot.delete_messages(_id(chat.id), ids))

    async def restrict(self, chat: Chat, sender: Sender) -> None:
        _sanctionable(sender)
        await _translated(
            self._bot.restrict_chat_member(
                _id(chat.id), _id(sender.id), ChatPermissions.no_permissions()
            )
        )

    async def ban(self, chat: Chat, sender: Sender) -> None:
        _sanctionable(sender)
        if sender.kind is SenderKind.CHANNEL:
            await _translated(self._bot.ban_chat_sender_chat(_id(chat.id), _id(sender.id)))
        else:
            await _translated(self._bot.ban_chat_member(_id(chat.id), _id(sender.id)))

    async def lift_sanction(self, chat: Chat, sender: Sender) -> None:
        _sanctionable(sender)
        if sender.kind is SenderKind.CHANNEL:
            await _translated(self._bot.unban_chat_sender_chat(_id(chat.id), _id(sender.id)))
            return
        await _translated(
            self._bot.unban_chat_member(_id(chat.id), _id(sender.id), only_if_banned=True)
        )
        group = await _translated(self._bot.get_chat(_id(chat.id)))
        permissions = group.permissions or ChatPermissions.all_permissions()
        await _translated(self._bot.restrict_chat_member(_id(chat.id), _id(sender.id), permissions))

    async def post_notice(self, chat: Chat, text: str) -> None:
        await _translated(self._bot.send_message(_id(chat.id), text))

    async def send_dm(self, user: Sender, text: str) -> None:
        await _translated(self._bot.send_message(_id(user.id), text))

    async def post_card(self, card: ReviewCard) -> str:
        sent = await _translated(
            self._bot.send_message(
                self._review_chat_id, _card_text(card), reply_markup=card_markup(card)
            )
        )
        return f"{self._review_chat_id}:{sent.message_id}"

    async def update_card(self, ref: str, card: ReviewCard) -> None:
        chat_id, _, message_id = ref.rpartition(":")
        await _translated(
            self._bot.edit_message_text(
                _card_text(card),
                chat_id=int(chat_id),
                message_id=int(message_id),
                reply_markup=card_markup(card),
            )
        )

    async def restore(self, chat: Chat, text: str, media: Sequence[MediaRef]) -> None:
        """Re-send by Telegram's own file reference (never from stored bytes), or the text."""
        caption = text[:1024]  # Telegram's caption limit
        if not media:
            await _translated(self._bot.send_message(_id(chat.id), text))
        for ref in media:
            send = {
                "photo": self._bot.send_photo,
                "video": self._bot.send_video,
                "animation": self._bot.send_animation,
            }.get(ref.kind.removesuffix("_thumbnail"), self._bot.send_document)
            await _translated(send(_id(chat.id), ref.file_ref, caption=caption))  # type: ignore[operator]

    async def alert_reviewers(self, text: str) -> None:
        await _translated(self._bot.send_message(self._review_chat_id, text))


def _id(value: str) -> int:
    """A Telegram chat or user id, from ours (``-100123``, or ``telegram:42`` for people)."""
    try:
        return int(value.removeprefix(f"{PLATFORM}:"))
    except ValueError:
        raise PlatformError(f"{value!r} is not a Telegram id", impossible=True) from None


def _sanctionable(sender: Sender) -> None:
    if sender.kind in (SenderKind.ANONYMOUS_ADMIN, SenderKind.SERVICE, SenderKind.BOT):
        raise PlatformError(f"a {sender.kind.value} account cannot be sanctioned", impossible=True)


async def _translated(call: Awaitable[T]) -> T:
    try:
        return await call
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        raise PlatformError(
            f"flood control: retry after {seconds:.0f} s", retry_after=seconds
        ) from exc
    except BadRequest as exc:
        gone = any(marker in exc.message.lower() for marker in _GONE)
        raise PlatformError(exc.message, gone=gone, impossible=not gone) from exc
    except Forbidden as exc:
        raise PlatformError(exc.message, impossible=True) from exc
    except NetworkError as exc:  # includes TimedOut
        raise PlatformError(f"network: {exc.message}") from exc
    except TelegramError as exc:
        raise PlatformError(exc.message) from exc
