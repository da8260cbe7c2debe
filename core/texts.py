"""What the bot says, in Korean and English: notices, statements of reasons,
deadline alerts and review cards. Cards carry facts, never media."""

from collections.abc import Sequence
from datetime import datetime

from core.cases import Case
from core.model import Decision, Message, ReviewCard
from core.policy import ChatSettings

__all__ = [
    "BUTTONS",
    "WARNING",
    "alert_text",
    "button_decision",
    "card_for",
    "language_of",
    "notice_text",
    "reasons_text",
    "report_ack_text",
    "report_outcome_text",
    "restore_caption",
    "status_lines",
]

_NOTICE = {
    "ko": (
        "불법촬영물 또는 허위영상물(딥페이크)로 등록된 자료와 일치하여 메시지를 삭제했습니다. "
        "이러한 자료는 소지·시청만으로도 처벌됩니다. (사건 {case_id})"
    ),
    "en": (
        "A message was removed: it matched a list of illegally filmed or deepfake sexual "
        "material. Possessing or viewing such material is a crime. (case {case_id})"
    ),
}
_REASONS = {
    "ko": (
        "{chat}에 보내신 메시지가 삭제되었습니다.\n사유: {reasons}\n사건 번호: {case_id}\n"
        "잘못된 조치라고 생각되면 이 사건 번호로 이의를 제기할 수 있습니다."
    ),
    "en": (
        "Your message in {chat} was removed.\nWhy: {reasons}\nCase: {case_id}\n"
        "If you think this is a mistake, you can appeal quoting this case number."
    ),
}
WARNING = {
    "ko": (
        "이 대화방은 blockfirst로 보호됩니다. 불법촬영물과 허위영상물(딥페이크) 성적 자료는 "
        "소지·구입·저장·시청만으로도 처벌되며, 발견 즉시 삭제되고 기록됩니다."
    ),
    "en": (
        "This chat is protected by blockfirst. Possessing, buying, storing or viewing illegally "
        "filmed or deepfake sexual material is a crime; it is removed on sight and recorded."
    ),
}
_ACK = {
    "ko": "신고가 접수되었습니다. 사건 번호: {case_id}. 처리 결과를 알려 드리겠습니다.",
    "en": "Thank you: your report is case {case_id}. We will tell you the outcome.",
}
_OUTCOME = {
    "ko": {
        "confirmed": "사건 {case_id}: 신고하신 자료가 삭제 대상으로 확인되었습니다.",
        "overturned": "사건 {case_id}: 검토 결과 위반이 확인되지 않았습니다.",
    },
    "en": {
        "confirmed": "Case {case_id}: the material you reported was confirmed and stays removed.",
        "overturned": "Case {case_id}: after review, no violation was found.",
    },
}
_ALERT = {
    "ko": "사건 {case_id} ({kind}) 처리 기한의 {percent}%가 지났습니다. 기한: {deadline} UTC",
    "en": "Case {case_id} ({kind}) is {percent}% through its deadline: {deadline} UTC",
}


def _lang(language: str) -> str:
    return language if language in _NOTICE else "en"


def notice_text(language: str, case_id: str) -> str:
    return _NOTICE[_lang(language)].format(case_id=case_id)


def reasons_text(language: str, case_id: str, chat: str, reasons: tuple[str, ...]) -> str:
    return _REASONS[_lang(language)].format(
        case_id=case_id, chat=chat or "a chat", reasons="; ".join(reasons)
    )


def report_ack_text(language: str, case_id: str) -> str:
    return _ACK[_lang(language)].format(case_id=case_id)


def report_outcome_text(language: str, case_id: str, state: str) -> str:
    return _OUTCOME[_lang(language)][state].format(case_id=case_id)


def alert_text(language: str, case: Case, level: float) -> str:
    return _ALERT[_lang(language)].format(
        case_id=case.id,
        kind=case.kind.value,
        percent=round(level * 100),
        deadline=case.deadline.strftime("%Y-%m-%d %H:%M"),
    )


BUTTONS = ("confirm", "overturn", "escalate", "ban")


def status_lines(settings: ChatSettings, missing: Sequence[str], rights: str) -> list[str]:
    """A chat's settings and what the bot lacks there (``rights``: the platform's word)."""
    return [
        f"mode {settings.mode.value}, language {settings.language}, "
        f"notice {'on' if settings.notice else 'off'}",
        f"{rights}: " + ("all needed" if not missing else "MISSING " + ", ".join(missing)),
    ]


def button_decision(button: str) -> tuple[Decision, bool]:
    """What pressing ``button`` decides, and whether it also bans the sender."""
    return (Decision.CONFIRM, True) if button == "ban" else (Decision(button), False)


def language_of(code: str | None) -> str:
    """The catalogue language for a platform's language code (Korean unless English)."""
    return "en" if code and not code.lower().startswith("ko") else "ko"


def card_for(case: Case, now: datetime) -> ReviewCard:
    message = case.message
    where = f"{message.chat.title or message.chat.id}" if message else case.target
    lines = [
        f"{case.kind.value} · {case.category} · {case.state.value}",
        f"chat: {where}",
        f"opened: {case.opened_at:%Y-%m-%d %H:%M} UTC",
        f"deadline: {case.deadline:%Y-%m-%d %H:%M} UTC"
        + (" (OVERDUE)" if case.overdue(now) else ""),
        *case.reasons,
    ]
    if message:
        lines.append(
            f"message {message.message_id} from {message.sender.kind.value} {message.sender.id}"
        )
    if case.dry_run:
        lines.append("dry run: nothing was removed")
    if case.decided_by:
        lines.append(f"decided by {case.decided_by}" + (f": {case.note}" if case.note else ""))
    decisions: tuple[str, ...] = ("confirm", "overturn", "escalate") if case.is_open else ()
    if case.state.value == "escalated":
        decisions = ("confirm", "overturn")
    original = None
    if message is not None and not case.removed:
        original = (message.chat.id, message.message_id)
    return ReviewCard(case.id, f"Case {case.id}", tuple(lines), decisions, original)


def restore_caption(message: Message) -> str:
    """What a restored message says about where it came from."""
    sender = message.sender.name or message.sender.id
    when = f" at {message.sent_at:%Y-%m-%d %H:%M} UTC" if message.sent_at else ""
    text = f": {message.text}" if message.text else ""
    return f"Restored after review. Sent by {sender}{when}{text}"
