"""Reports by direct message: send or forward the bot a link, an image or a
message, choose what it is, get a case id (and later the outcome).

``/start`` explains how (in Korean or English by the user's language);
``/status CASE`` tells a reporter how their case stands. What was sent waits
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

from adapters.telegram.translate import PLATFORM, to_message
from core.engine.moderator import Moderator
from core.errors import InputError
from core.ids import id_pattern, new_id
from core.model import CATEGORIES, Message, Report
from core.texts import language_of

__all__ = ["Reporting"]

_PENDING_KEPT = 1000
_TOKEN_LENGTH = 8
_CHOICE = re.compile(rf"bfr:({'|'.join(CATEGORIES)}):({id_pattern(_TOKEN_LENGTH)})")
_HELP = {
    "ko": (
        "불법촬영물·허위영상물(딥페이크)을 신고하려면 해당 메시지를 이 봇에게 전달하거나 "
        "링크나 이미지를 보내 주세요. 종류를 고르면 사건 번호를 알려 드립니다. "
        "/status 사건번호 로 처리 상황을 확인할 수 있습니다."
    ),
    "en": (
        "To report illegally filmed or deepfake sexual material, forward the message to this "
        "bot or send the link or image. Choose what it is and you get a case number. "
        "/status CASE tells you how it stands."
    ),
}
_LABELS = {
    "illegal_filming": "불법촬영물 / Illegal filming",
    "deepfake": "딥페이크 / Deepfake",
    "csam": "아동 성착취물 / CSAM",
    "other": "기타 / Other",
}


def _language(update: Update) -> str:
    user = update.effective_user
    return language_of(user.language_code if user is not None else None)


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
        application.add_handler(MessageHandler(private & ~filters.COMMAND, self.received))
        application.add_handler(CallbackQueryHandler(self.chosen, pattern=r"^bfr:"))

    async def start(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(_HELP[_language(update)])

    async def received(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        content = to_message(message, self._max_bytes)
        if not (content.text or content.links or content.media):
            await message.reply_text(_HELP[_language(update)])
            return
        token = new_id(_TOKEN_LENGTH)
        self._pending[token] = content
        buttons = [
            [InlineKeyboardButton(_LABELS[c], callback_data=f"bfr:{c}:{token}")] for c in CATEGORIES
        ]
        await message.reply_text("?", reply_markup=InlineKeyboardMarkup(buttons))

    async def chosen(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        parsed = _CHOICE.fullmatch(query.data or "") if query else None
        if query is None or parsed is None:
            return
        content = self._pending.pop(parsed.group(2), None)
        if content is None:
            await query.answer("Please send it again.", show_alert=True)
            return
        report = Report(
            reporter=f"{PLATFORM}:{query.from_user.id}",
            category=parsed.group(1),
            text=content.text,
            links=content.links,
            media=content.media,
            platform=PLATFORM,
            language=_language(update),
        )
        try:
            case = await self._moderator.on_report(report)
        except InputError as exc:
            await query.answer(str(exc)[:190], show_alert=True)
            return
        await query.answer(f"Case {case.id}")

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = context.args or []
        reporter = f"{PLATFORM}:{user.id}"
        case = await self._moderator.case_for_reporter(args[0], reporter) if args else None
        if case is None:
            await message.reply_text("No such case among your reports. Usage: /status CASE")
            return
        await message.reply_text(f"Case {case.id}: {case.state.value}")
