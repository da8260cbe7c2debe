"""``decide``: matches or a report, plus a chat's settings, in; a ``Verdict`` out.

Pure: no I/O, no clock (``now`` is an argument), so every rule is a table test.

- A strong match (act band, decisive signal type) of a ``delete`` bank blocks
  at once; so does one of a ``review`` bank whose category the chat blocks first.
- Any other match opens a review case and deletes nothing.
- Blocking deletes the message (the whole album if it is part of one), posts a
  notice if the chat wants one, sends the sender a statement of reasons, and
  restricts or bans per the chat's sanction. Anonymous admins and bots are
  never sanctioned and get no DM: there is no one to reach.
- A deletion request from an authority, a trusted reporter's report, or a
  report in a block-first category deletes at once; every report opens a case.
- In dry-run mode the verdict is the same but marked: only recorded, not done.
"""

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from core.errors import InputError
from core.model import (
    CATEGORIES,
    Action,
    Band,
    BankAction,
    CaseKind,
    Match,
    Message,
    Report,
    SenderKind,
    Verdict,
)
from core.signals import SIGNAL_TYPES

__all__ = [
    "SETTING_COMMANDS",
    "ChatSettings",
    "Deadlines",
    "Mode",
    "Sanction",
    "decide",
    "decide_report",
    "with_setting",
]

LANGUAGES = ("ko", "en")


class Mode(enum.Enum):
    ENFORCE = "enforce"
    DRY_RUN = "dry-run"


class Sanction(enum.Enum):
    NONE = "none"
    RESTRICT = "restrict"
    BAN = "ban"


@dataclass(frozen=True, slots=True)
class ChatSettings:
    mode: Mode = Mode.ENFORCE
    language: str = "ko"
    notice: bool = True
    sanction: Sanction = Sanction.NONE
    trusted_reporters: frozenset[str] = frozenset()
    # Categories where a review-bank match or a report blocks first.
    block_first: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InputError(f"language must be one of {', '.join(LANGUAGES)}")
        unknown = self.block_first - set(CATEGORIES)
        if unknown:
            raise InputError(
                f"unknown categories {sorted(unknown)} (known: {', '.join(CATEGORIES)})"
            )


# What a chat's admins change from the chat, on every platform: a command's name
# (``/bf_mode`` on Telegram, ``/blockfirst mode`` on Discord), the setting it
# changes, and the choices it takes.
SETTING_COMMANDS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "mode": ("mode", {"enforce": Mode.ENFORCE, "dry-run": Mode.DRY_RUN}),
    "lang": ("language", {language: language for language in LANGUAGES}),
    "notice": ("notice", {"on": True, "off": False}),
}


def with_setting(settings: ChatSettings, command: str, choice: str) -> ChatSettings:
    """``settings`` after ``command`` (``SETTING_COMMANDS``) with ``choice``."""
    name, choices = SETTING_COMMANDS[command]
    if choice not in choices:
        raise InputError(f"{command}: one of {', '.join(choices)}")
    return replace(settings, **{name: choices[choice]})


@dataclass(frozen=True, slots=True)
class Deadlines:
    """How long each kind of case may stay undecided (configuration)."""

    by_kind: dict[CaseKind, timedelta] = field(
        default_factory=lambda: {
            CaseKind.MATCH_REVIEW: timedelta(hours=24),
            CaseKind.DELETION_REQUEST: timedelta(hours=24),
            CaseKind.REPORTER_REPLY: timedelta(days=14),
            CaseKind.APPEAL: timedelta(hours=72),
        }
    )

    # How long an escalated, blocked item stays blocked while it is hard to judge
    # (Korea's 임시조치: at most 30 days); its decision is due when it ends.
    temporary_measure: timedelta = timedelta(days=30)

    def due(self, kind: CaseKind, opened: datetime) -> datetime:
        return opened + self.by_kind[kind]


_DEFAULT_DEADLINES = Deadlines()
_UNREACHABLE = (SenderKind.ANONYMOUS_ADMIN, SenderKind.BOT, SenderKind.SERVICE)


def decide(
    matches: Iterable[Match],
    message: Message,
    settings: ChatSettings,
    now: datetime,
    deadlines: Deadlines | None = None,
) -> Verdict:
    deadlines = deadlines or _DEFAULT_DEADLINES
    found = tuple(matches)
    if not found:
        return Verdict()
    blocking = [m for m in found if _blocks(m, settings)]
    reasons = tuple(_reason(m, m in blocking) for m in found)
    actions = _block_actions(message, settings) if blocking else frozenset()
    return Verdict(
        actions=actions,
        case_kind=CaseKind.MATCH_REVIEW,
        deadline=deadlines.due(CaseKind.MATCH_REVIEW, now),
        reasons=reasons,
        dry_run=settings.mode is Mode.DRY_RUN,
        matches=found,
    )


def _blocks(match: Match, settings: ChatSettings) -> bool:
    strong = match.band is Band.ACT and SIGNAL_TYPES[match.signal_type].decisive
    return strong and (match.action is BankAction.DELETE or match.category in settings.block_first)


def _reason(match: Match, blocks: bool) -> str:
    effect = "blocked" if blocks else "for review"
    note = f" ({match.note})" if match.note else ""
    return (
        f"{match.bank} ({match.category}): {match.signal_type} at distance "
        f"{match.distance}, {match.band.value} band, {effect}{note}"
    )


def _block_actions(message: Message, settings: ChatSettings) -> frozenset[Action]:
    actions = {Action.DELETE}
    if settings.notice:
        actions.add(Action.NOTICE)
    if message.sender.kind not in _UNREACHABLE:
        if message.sender.kind is SenderKind.USER:
            actions.add(Action.DM)
        if settings.sanction is Sanction.RESTRICT:
            actions.add(Action.RESTRICT)
        elif settings.sanction is Sanction.BAN:
            actions.add(Action.BAN)
    return frozenset(actions)


def decide_report(
    report: Report, settings: ChatSettings, now: datetime, deadlines: Deadlines | None = None
) -> Verdict:
    deadlines = deadlines or _DEFAULT_DEADLINES
    kind = CaseKind.DELETION_REQUEST if report.authority else CaseKind.REPORTER_REPLY
    listed = report.reporter != "" and report.reporter in settings.trusted_reporters
    trusted = report.trusted or listed
    blocks = report.message is not None and (
        report.authority or trusted or report.category in settings.block_first
    )
    actions: frozenset[Action] = frozenset()
    if blocks and report.message is not None:
        actions = frozenset({Action.DELETE})
    who = "an authority" if report.authority else "a trusted reporter" if trusted else "a user"
    reason = f"reported by {who} as {report.category}" + (", blocked first" if blocks else "")
    return Verdict(
        actions=actions,
        case_kind=kind,
        deadline=deadlines.due(kind, now),
        reasons=(reason,),
        dry_run=settings.mode is Mode.DRY_RUN,
    )
