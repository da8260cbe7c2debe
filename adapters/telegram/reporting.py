"""Reports by direct message: send or forward the bot a link, an image or a
message, choose what it is, get a case id (and later the outcome).

``/start`` explains how (in Korean or English by the user's language);
``/status CASE`` tells a reporter how their case stands; ``/object CASE reasons``
contests a removal or a decision (its sender, or an overturned reporter). What was sent waits
in memory only until the category is chosen (bounded), and its media are
only references to Telegram's files.
"""

import re

from cachetools import LRUCache
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram.translate import PLATFORM, reader_language, to_message
from core.engine.moderator import Moderator
from core.errors import InputError
from core.ids import id_pattern, new_id
from core.model import CATEGORIES, Message, Report
from core.texts import category_name, refusal, say

__all__ = ["Reporting"]

_PENDING_KEPT = 1000
_TOKEN_LENGTH = 8
_CHOICE = re.compile(rf"bfr:({'|'.join(CATEGORIES)}):({id_pattern(_TOKEN_LENGTH)})")


class Reporting:
    """Reports by direct message: ``/start``, what is sent, the category chosen,
    ``/status CASE``."""

    def __init__(self, moderator: Moderator, *, max_bytes: int) -> None:
        self._moderator = moderator
        self._max_bytes = max_bytes
        self._pending: LRUCache[str, Message] = LRUCache(_PENDING_KEPT)

    def register(self, application: Application) -> None:  # type: ignore[type-arg]
        private = filters.ChatType.PRIVATE
        application.add_handler(CommandHandler("start", self.start, filters=private))
        application.add_handler(CommandHandler("status", self.status, filters=private))
        application.add_handler(CommandHandler("object", self.object, filters=private))
        application.add_handler(MessageHandler(private & ~filters.COMMAND, self.received))
        application.add_handler(CallbackQueryHandler(self.chosen, pattern=r"^bfr:"))

    async def start(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            language = await reader_language(update, self._moderator)
            await update.effective_message.reply_text(say("report_help", language))

    async def received(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        content = to_message(message, self._max_bytes)
        language = await reader_language(update, self._moderator)
        if not (content.text or content.links or content.media):
            await message.reply_text(say("report_help", language))
            return
        token = new_id(_TOKEN_LENGTH)
        self._pending[token] = content
        buttons = [
            [InlineKeyboardButton(category_name(c, language), callback_data=f"bfr:{c}:{token}")]
            for c in CATEGORIES
        ]
        markup = InlineKeyboardMarkup(buttons)
        await message.reply_text(say("report_choose", language), reply_markup=markup)

    async def chosen(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        parsed = _CHOICE.fullmatch(query.data or "") if query else None
        if query is None or parsed is None:
            return
        content = self._pending.pop(parsed.group(2), None)
        language = await reader_language(update, self._moderator)
        if content is None:
            await query.answer(say("report_send_again", language), show_alert=True)
            return
        report = Report(
            reporter=f"{PLATFORM}:{query.from_user.id}",
            category=parsed.group(1),
            text=content.text,
            links=content.links,
            media=content.media,
            platform=PLATFORM,
            language=language,
        )
        try:
            case = await self._moderator.on_report(report)
        except InputError as exc:
            await query.answer(refusal(exc, language)[:190], show_alert=True)
            return
        await query.answer(say("case_ref", language, case_id=case.id))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        reporter = f"{PLATFORM}:{user.id}"
        case = await self._moderator.case_for_reporter(args[0], reporter) if args else None
        language = await reader_language(update, self._moderator)
        if case is None:
            await message.reply_text(say("report_no_such_case", language))
            return
        state = say(f"state_{case.state.value}", language)
        await message.reply_text(say("case_state", language, case_id=case.id, state=state))

    async def object(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/object CASE reasons``: the affected person contests a decision."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        language = await reader_language(update, self._moderator)
        args = context.args or []
        if len(args) < 2:
            await message.reply_text(say("objection_usage", language))
            return
        objector = f"{PLATFORM}:{user.id}"
        try:
            await self._moderator.on_objection(args[0], objector, " ".join(args[1:]), language)
        except InputError as exc:
            await message.reply_text(refusal(exc, language))
