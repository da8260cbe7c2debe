"""``TelegramAdapter(moderator, ...).register(application)``: the handlers that feed
Telegram updates to the core, each a named method.

Group, supergroup and channel messages (new and edited) are checked; album
items are grouped by ``media_group_id`` so a match deletes every item seen;
review-card buttons decide cases, refusing (and auditing) anyone who is not
an authorised reviewer.
"""

import re
from collections.abc import Mapping
from dataclasses import replace

from cachetools import LRUCache
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.commands import Commands
from adapters.telegram.membership import Membership
from adapters.telegram.platform import CALLBACK_PREFIX
from adapters.telegram.reporting import Reporting
from adapters.telegram.translate import PLATFORM, reader_language, to_message
from core.engine.moderator import Moderator
from core.errors import InputError
from core.ids import id_pattern
from core.model import Message
from core.texts import BUTTONS, WARNING, button_decision, refusal, say

__all__ = ["AlbumTracker", "TelegramAdapter"]

_BUTTON = re.compile(rf"{CALLBACK_PREFIX}:({'|'.join(BUTTONS)}):({id_pattern()})")
_ALBUMS_KEPT = 1000


class AlbumTracker:
    """The message ids seen per album, so deleting an album deletes every item."""

    def __init__(self) -> None:
        self._albums: LRUCache[str, list[str]] = LRUCache(_ALBUMS_KEPT)

    def with_siblings(self, message: Message) -> Message:
        if not message.album_id:
            return message
        key = f"{message.chat.id}:{message.album_id}"
        seen = self._albums.get(key) or []
        if message.message_id not in seen:
            seen.append(message.message_id)
        self._albums[key] = seen
        return replace(message, album_message_ids=tuple(seen))


class TelegramAdapter:
    """Telegram into the core: group, supergroup and channel messages (new and
    edited), review-card buttons, and the command, report and membership handlers."""

    def __init__(
        self,
        moderator: Moderator,
        *,
        max_bytes: int,
        review_chat_id: int,
        warning: Mapping[str, str] = WARNING,
    ) -> None:
        self._moderator = moderator
        self._max_bytes = max_bytes
        self._albums = AlbumTracker()
        self._parts = (
            Commands(moderator, max_bytes=max_bytes),
            Reporting(moderator, max_bytes=max_bytes),
            Membership(moderator, warning=warning, review_chat_id=review_chat_id),
        )

    def register(self, application: Application) -> None:  # type: ignore[type-arg]
        for part in self._parts:
            part.register(application)
        groups = filters.ChatType.GROUPS | filters.ChatType.CHANNEL
        updates = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS
        application.add_handler(MessageHandler(groups & updates, self.on_message), group=1)
        application.add_handler(
            CallbackQueryHandler(self.on_button, pattern=rf"^{CALLBACK_PREFIX}:")
        )

    async def on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        edited = update.edited_message is not None or update.edited_channel_post is not None
        core = to_message(message, self._max_bytes, edited=edited)
        await self._moderator.on_message(self._albums.with_siblings(core))

    async def on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        parsed = _BUTTON.fullmatch(query.data or "")
        language = await reader_language(update, self._moderator)
        if parsed is None:
            await query.answer(say("button_unknown", language))
            return
        action, case_id = parsed.groups()
        pressed = button_decision(action)
        reviewer = f"{PLATFORM}:{query.from_user.id}"
        try:
            case = await self._moderator.on_decision(
                case_id, pressed.decision, reviewer, ban=pressed.ban, fine=pressed.fine
            )
        except InputError as exc:  # not a reviewer, the contested decision's maker, final
            await query.answer(refusal(exc, language)[:190], show_alert=True)
            return
        state = say(f"state_{case.state.value}", language)
        await query.answer(say("case_state", language, case_id=case.id, state=state))
