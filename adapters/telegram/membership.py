"""Joins and rights: the legal warning, the bot's own rights, chat migrations.

The warning is posted when the bot joins a chat and when a member joins,
once per member and at most once a minute per chat. When the bot's rights
change it is audited, and losing the right to delete warns the reviewers.
A group upgraded to a supergroup keeps its settings.
"""

import time
from collections.abc import Mapping

from cachetools import LRUCache
from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.translate import PLATFORM
from core.audit import AuditRecord
from core.engine.moderator import Moderator
from core.texts import say

__all__ = ["Membership"]

_PRESENT = (
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
    ChatMemberStatus.RESTRICTED,
)
_GREETED_KEPT = 100_000
_PER_CHAT_SECONDS = 60.0


def _joined(change: ChatMemberUpdated) -> bool:
    return (
        change.old_chat_member.status not in _PRESENT and change.new_chat_member.status in _PRESENT
    )


def _can_delete(member: ChatMember) -> bool:
    return (
        bool(getattr(member, "can_delete_messages", False))
        or member.status == ChatMemberStatus.OWNER
    )


class Membership:
    """The bot joining or its rights changing, members joining, chats migrating."""

    def __init__(
        self, moderator: Moderator, *, warning: Mapping[str, str], review_chat_id: int
    ) -> None:
        self._moderator = moderator
        self._warning = warning
        self._review_chat_id = review_chat_id
        self._greeted: LRUCache[tuple[int, int], None] = LRUCache(_GREETED_KEPT)
        self._last_notice: LRUCache[int, float] = LRUCache(_GREETED_KEPT)

    def register(self, application: Application) -> None:  # type: ignore[type-arg]
        application.add_handler(
            ChatMemberHandler(self.bot_changed, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_handler(
            ChatMemberHandler(self.member_joined, ChatMemberHandler.CHAT_MEMBER)
        )
        application.add_handler(
            MessageHandler(filters.StatusUpdate.MIGRATE, self.migrated), group=2
        )

    async def warn(self, chat_id: int, context: ContextTypes.DEFAULT_TYPE) -> None:
        now = time.monotonic()
        if now - self._last_notice.get(chat_id, -_PER_CHAT_SECONDS) < _PER_CHAT_SECONDS:
            return
        self._last_notice[chat_id] = now
        settings = await self._moderator.chat_settings(PLATFORM, str(chat_id))
        await context.bot.send_message(
            chat_id, self._warning.get(settings.language) or self._warning["en"]
        )

    async def bot_changed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat, new, old = change.chat, change.new_chat_member, change.old_chat_member
        await self._moderator.note(
            AuditRecord(
                kind="bot_rights",
                platform=PLATFORM,
                chat_id=str(chat.id),
                actor=f"{PLATFORM}:{change.from_user.id}",
                reason=f"{old.status} -> {new.status}, can delete: {_can_delete(new)}",
            )
        )
        if _joined(change):
            await self.warn(chat.id, context)
        if (
            new.status in _PRESENT
            and not _can_delete(new)
            and (_can_delete(old) or _joined(change))
        ):
            reviewers = await self._moderator.chat_settings(PLATFORM, str(self._review_chat_id))
            text = say("cannot_delete_here", reviewers.language, chat=chat.title or chat.id)
            await context.bot.send_message(self._review_chat_id, text)

    async def member_joined(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None or not _joined(change):
            return
        key = (change.chat.id, change.new_chat_member.user.id)
        if key in self._greeted:
            return
        self._greeted[key] = None
        await self.warn(change.chat.id, context)

    async def migrated(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        settings = await self._moderator.chat_settings(PLATFORM, str(message.chat.id))
        by = f"{PLATFORM}:migration"
        await self._moderator.set_chat_settings(
            PLATFORM, str(message.migrate_to_chat_id), settings, by
        )
