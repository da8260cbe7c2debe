"""Group commands: the admins' ``/bf_*`` settings and anyone's ``/report`` reply.

Only chat admins (or an anonymous admin, who posts as the chat) may change
settings; ``/bf_status`` says what the bot can and cannot do there. ``/report``
as a reply reports that message; from an admin it is trusted, so the message
is removed at once.
"""

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from adapters.telegram.translate import PLATFORM, reader_language, to_message
from core.engine.moderator import Moderator
from core.errors import InputError
from core.model import Report
from core.policy import SETTING_COMMANDS, with_setting
from core.texts import refusal, say, status_lines

__all__ = ["Commands"]

_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _ADMINS


class Commands:
    """``/bf_mode``, ``/bf_lang``, ``/bf_notice`` and ``/bf_status`` for admins, and
    ``/report`` as a reply for anyone."""

    def __init__(self, moderator: Moderator, *, max_bytes: int) -> None:
        self._moderator = moderator
        self._max_bytes = max_bytes

    def register(self, application: Application) -> None:  # type: ignore[type-arg]
        groups = filters.ChatType.GROUPS
        for name in SETTING_COMMANDS:
            application.add_handler(CommandHandler(f"bf_{name}", self.change, filters=groups))
        application.add_handler(CommandHandler("bf_status", self.status, filters=groups))
        application.add_handler(CommandHandler("report", self.report, filters=groups))

    async def change(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0].lstrip("/").split("@")[0]
        name = command.removeprefix("bf_")
        field, choices = SETTING_COMMANDS[name]
        language = await reader_language(update, self._moderator)
        if not await _is_admin(update, context):
            await message.reply_text(say("admins_only", language))
            return
        args = context.args or []
        if len(args) != 1 or args[0] not in choices:
            await message.reply_text(
                say("setting_usage", language, command=command, choices="|".join(choices))
            )
            return
        settings = await self._moderator.chat_settings(PLATFORM, str(chat.id))
        updated = with_setting(settings, name, args[0])
        by = f"{PLATFORM}:{update.effective_user.id if update.effective_user else chat.id}"
        await self._moderator.set_chat_settings(PLATFORM, str(chat.id), updated, by)
        await message.reply_text(say("setting_changed", language, field=field, value=args[0]))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not await _is_admin(update, context):
            return
        me = await context.bot.get_chat_member(chat.id, context.bot.id)
        language = await reader_language(update, self._moderator)
        rights = {
            "right_delete": getattr(me, "can_delete_messages", False),
            "right_restrict": getattr(me, "can_restrict_members", False),
        }
        missing = [say(key, language) for key, ok in rights.items() if not ok]
        settings = await self._moderator.chat_settings(PLATFORM, str(chat.id))
        blind = not context.bot.can_read_all_group_messages and me.status not in _ADMINS
        lines = status_lines(settings, missing, language)
        if blind:
            lines.append(say("status_privacy", language))
        await message.reply_text("\n".join(lines))

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        language = await reader_language(update, self._moderator)
        if message.reply_to_message is None or update.effective_user is None:
            await message.reply_text(say("report_reply_needed", language))
            return
        user = update.effective_user
        target = to_message(message.reply_to_message, self._max_bytes)
        reported = Report(
            reporter=f"{PLATFORM}:{user.id}",
            category="other",
            message=target,
            trusted=await _is_admin(update, context),
            platform=PLATFORM,
            language=language,
        )
        try:
            case = await self._moderator.on_report(reported)
        except InputError as exc:
            await message.reply_text(refusal(exc, language))
            return
        await message.reply_text(say("reported", language, case_id=case.id))
