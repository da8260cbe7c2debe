"""What blockfirst says to a person, in Korean and English: one catalogue
(``core/messages.toml``) for chat notices, statements of reasons, replies,
review cards and their buttons, deadline alerts and the refusals a person may
see. Cards carry facts, never media.

A person's language is what their platform says (Telegram's ``language_code``,
Discord's ``locale``) when it is one of ours, else their chat's setting, else
the deployment's default. Times are shown in the deployment's zone, named.
"""

import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import NamedTuple
from zoneinfo import ZoneInfo

from core.cases import Case
from core.errors import BlockfirstError, Said
from core.model import CaseKind, CaseState, Decision, Match, Message, ReviewCard
from core.policy import LANGUAGES, ChatSettings

__all__ = [
    "BUTTONS",
    "DYNAMIC_KEYS",
    "LANGUAGES",
    "WARNING",
    "Pressed",
    "alert_text",
    "button_decision",
    "button_label",
    "card_for",
    "catalogue",
    "category_name",
    "person_language",
    "reasons_text",
    "refusal",
    "restore_caption",
    "say",
    "status_lines",
    "when",
]

BUTTONS = ("confirm", "overturn", "escalate", "ban", "fine")
# Keys the code builds from a value (``state_`` + a case state); the catalogue test
# counts a key under one of these prefixes as used.
DYNAMIC_KEYS = (
    "band_",
    "web_bank_",
    "web_permission_",
    "web_role_",
    "button_",
    "category_",
    "discord_right_",
    "kind_",
    "outcome_",
    "role_",
    "state_",
    "text_place_",
    "web_rule_type_",
)


@cache
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """Every message: key -> language -> text (read once)."""
    text = resources.files("core").joinpath("messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def say(key: str, language: str, /, **fields: object) -> str:
    """Message ``key`` in ``language`` (English if not one of ours), filled in; a
    field that is itself a ``Said`` is said in the same language."""
    entry = catalogue()[key]
    values = {k: _said(v, language) if isinstance(v, Said) else v for k, v in fields.items()}
    return entry[language if language in LANGUAGES else "en"].format(**values)


def _said(said: Said, language: str) -> str:
    return say(said.key, language, **said.fields)


WARNING = {language: say("warning", language) for language in LANGUAGES}


def person_language(code: str | None, fallback: str) -> str:
    """The language a platform's code names (``ko-KR``, ``en-US``, Discord's ``ko``)
    when it is one of ours, else ``fallback`` (the chat's, or the default)."""
    primary = (code or "").lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else fallback


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A time as people read it: in ``zone``, which is named (``2026-12-05 09:00 KST``)."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone.key}"


def category_name(category: str, language: str) -> str:
    """A category in words (a bank may name one of its own: shown as it is)."""
    key = f"category_{category}"
    return say(key, language) if key in catalogue() else category


def button_label(button: str, language: str) -> str:
    return say(f"button_{button}", language)


def refusal(error: BlockfirstError, language: str) -> str:
    """What to tell a person whose request ``error`` refused: its own message when it
    has one in the catalogue, else a general refusal with the (English) detail."""
    if error.said is not None:
        return _said(error.said, language)
    return say("refused", language, detail=str(error)[:300])


def reasons_text(language: str, case: Case, chat: str) -> str:
    """The statement of reasons sent to the person whose message was removed."""
    reasons = [_reason(match, language) for match in case.matches]
    if not reasons and case.kind is not CaseKind.MATCH_REVIEW:
        reasons = [say("reason_report", language, category=category_name(case.category, language))]
    return say(
        "reasons",
        language,
        chat=chat or say("a_chat", language),
        reasons="; ".join(reasons or case.reasons),
        case_id=case.id,
    )


def _reason(match: Match, language: str) -> str:
    return say(
        "reason_match",
        language,
        bank=match.bank,
        category=category_name(match.category, language),
        signal=match.signal_type,
        distance=match.distance,
    )


def alert_text(language: str, case: Case, level: float, zone: ZoneInfo) -> str:
    return say(
        "alert",
        language,
        case_id=case.id,
        kind=Said(f"kind_{case.kind.value}"),
        percent=round(level * 100),
        deadline=when(case.deadline, zone),
    )


def status_lines(settings: ChatSettings, missing: Sequence[str], language: str) -> list[str]:
    """A chat's settings and which of the bot's rights it lacks there (named already)."""
    notice = say("status_on" if settings.notice else "status_off", language)
    rights = (
        say("status_rights_missing", language, missing=", ".join(missing))
        if missing
        else say("status_rights_ok", language)
    )
    return [
        say(
            "status_settings",
            language,
            mode=settings.mode.value,
            language=settings.language,
            notice=notice,
        ),
        rights,
    ]


class Pressed(NamedTuple):
    """What pressing a card's button decides; whether it also bans the sender, or
    also allows the image's hashes ("this image is fine")."""

    decision: Decision
    ban: bool = False
    fine: bool = False


def button_decision(button: str) -> Pressed:
    if button == "ban":
        return Pressed(Decision.CONFIRM, ban=True)
    if button == "fine":
        return Pressed(Decision.OVERTURN, fine=True)
    return Pressed(Decision(button))


def card_for(case: Case, now: datetime, language: str, zone: ZoneInfo) -> ReviewCard:
    message = case.message
    where = f"{message.chat.title or message.chat.id}" if message else case.target
    deadline = "card_overdue" if case.overdue(now) else "card_deadline"
    lines = [
        say(
            "card_summary",
            language,
            kind=Said(f"kind_{case.kind.value}"),
            category=category_name(case.category, language),
            state=Said(f"state_{case.state.value}"),
        ),
        say("card_chat", language, chat=where),
        *(
            [say("card_copies", language, copies=case.copies, chats=case.copy_chats)]
            if case.copies > 1
            else []
        ),
        say("card_opened", language, when=when(case.opened_at, zone)),
        say(deadline, language, when=when(case.deadline, zone)),
        *_card_appeal(case, language),
        *([_card_match(m, language) for m in case.matches] or _recorded(case)),
    ]
    if message:
        lines.append(
            say(
                "card_message",
                language,
                message_id=message.message_id,
                sender_kind=message.sender.kind.value,
                sender_id=message.sender.id,
            )
        )
    if case.state is CaseState.ESCALATED and case.removed:
        lines.append(say("card_measure", language, until=when(case.deadline, zone)))
    if case.dry_run:
        lines.append(say("card_dry_run", language))
    if case.decided_by:
        key, note = ("card_decided_note", case.note) if case.note else ("card_decided", "")
        lines.append(say(key, language, reviewer=case.decided_by, note=note))
    decisions: tuple[str, ...] = ("confirm", "overturn", "escalate") if case.is_open else ()
    if case.state.value == "escalated":
        decisions = ("confirm", "overturn")
    original = None
    if message is not None and not case.removed:
        original = (message.chat.id, message.message_id)
    title = say("case_ref", language, case_id=case.id)
    bannable = case.kind is not CaseKind.APPEAL
    allowable = bannable and bool(case.signals and case.matches)
    return ReviewCard(
        case.id, title, tuple(lines), decisions, original, language, bannable, allowable
    )


def _recorded(case: Case) -> tuple[str, ...]:
    """The reasons recorded on the case (an appeal's are on its own lines)."""
    return () if case.appeal is not None else case.reasons


def _card_appeal(case: Case, language: str) -> list[str]:
    appeal = case.appeal
    if appeal is None:
        return []
    line = say(
        "card_appeal",
        language,
        role=Said(f"role_{appeal.role}"),
        case_id=appeal.case_id,
        contested_by=appeal.contested_by or Said("automatic_removal"),
        text=appeal.text,
    )
    return [line, say("card_appeal_help", language)]


def _card_match(match: Match, language: str) -> str:
    line = say(
        "card_match",
        language,
        bank=match.bank,
        category=category_name(match.category, language),
        signal=match.signal_type,
        distance=match.distance,
        band=Said(f"band_{match.band.value}"),
    )
    if match.note:
        line = f"{line} ({match.note})"
    if match.span:
        place = Said(f"text_place_{match.place or 'text'}")
        line += "\n" + say("card_match_words", language, place=place, words=match.span)
    return line


def restore_caption(message: Message, language: str, zone: ZoneInfo) -> str:
    """What a restored message says about where it came from."""
    sender = message.sender.name or message.sender.id
    if message.sent_at:
        said = say("restored_at", language, sender=sender, when=when(message.sent_at, zone))
    else:
        said = say("restored", language, sender=sender)
    return f"{said}: {message.text}" if message.text else said
