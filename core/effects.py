"""Which platform effects a verdict or a decision calls for (pure).

The engine records every effect in the same transaction as the case that
calls for it, then performs it, then marks it done with its audit entry in
one more transaction. A crash between the two (kill -9) leaves the effect
pending, and the next start performs it again: deleting a message that is
already gone counts as done, so nothing is lost and nothing is doubled. The
CLI and the dashboard queue effects the same way; the running bot carries
them out.

Order matters and is kept by ``created_at``: the deletion first (block
first), then the statement of reasons (sent before any ban, while the user
can still read it), the notice, the sanction, and the review card last.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from core.cases import Case
from core.ids import new_id
from core.model import Action, Chat, Decision, Effect, MediaRef, Message, Sender, Verdict
from core.policy import ChatSettings
from core.texts import reasons_text, say

__all__ = ["decision_effects", "replies", "verdict_effects"]

_ORDER = (Action.DELETE, Action.DM, Action.NOTICE, Action.RESTRICT, Action.BAN)
_SANCTIONS = {Action.RESTRICT.value, Action.BAN.value}


def _effect(
    kind: Action,
    case: Case,
    now: datetime,
    *,
    chat: Chat | None = None,
    sender: Sender | None = None,
    message_ids: tuple[str, ...] = (),
    text: str = "",
    media: tuple[MediaRef, ...] = (),
) -> Effect:
    return Effect(
        new_id(16), kind, case.platform, case.id, now, chat, message_ids, sender, text, media
    )


def _stamped(effects: Iterable[Effect], now: datetime, dry_run: bool = False) -> list[Effect]:
    """Distinct, increasing creation times keep the outbox in this order."""
    return [
        replace(e, created_at=now + timedelta(microseconds=i), dry_run=dry_run)
        for i, e in enumerate(effects)
    ]


def news_for_a_joined_case(effect: Effect) -> bool:
    """Whether ``effect`` is still news when its case joins one already open (a later
    album item, a second report): its deletion and a reply to its reporter are; the
    card, notice, DM and sanction were done for the open case."""
    return effect.kind in (Action.DELETE, Action.REPLY)


def verdict_effects(
    case: Case, message: Message | None, verdict: Verdict, settings: ChatSettings, now: datetime
) -> list[Effect]:
    effects = []
    if message is not None:
        effects = [_for(a, case, message, settings, now) for a in _ORDER if a in verdict.actions]
    effects.append(_effect(Action.POST_CARD, case, now))
    return _stamped(effects, now, verdict.dry_run)


def _for(
    action: Action, case: Case, message: Message, settings: ChatSettings, now: datetime
) -> Effect:
    chat, sender = message.chat, message.sender
    if action is Action.DELETE:  # an album goes whole: one item of it is as bad as all
        album = message.album_message_ids if message.album_id else ()
        ids = tuple(dict.fromkeys((message.message_id, *album)))
        return _effect(Action.DELETE, case, now, chat=chat, sender=sender, message_ids=ids)
    if action is Action.DM:
        text = reasons_text(settings.language, case, chat.title)
        return _effect(Action.DM, case, now, sender=sender, text=text)
    if action is Action.NOTICE:
        text = say("notice", settings.language, case_id=case.id)
        return _effect(Action.NOTICE, case, now, chat=chat, text=text)
    return _effect(action, case, now, chat=chat, sender=sender)  # restrict or ban


def decision_effects(
    case: Case,
    decision: Decision,
    ban: bool,
    history: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    caption: str = "",
) -> list[Effect]:
    """Confirm: optional ban. Overturn: restore a removal (``caption``: what the
    restored message says of where it came from), lift any sanction. Every decision
    updates the review card."""
    message = case.message
    effects = []
    if message is not None:
        chat, sender = message.chat, message.sender
        if decision is Decision.CONFIRM and ban:
            effects.append(_effect(Action.BAN, case, now, chat=chat, sender=sender))
        if decision is Decision.OVERTURN and (chat.id, message.message_id) in removed(history):
            restore = _effect(
                Action.RESTORE,
                case,
                now,
                chat=chat,
                text=caption,
                media=message.media,
            )
            effects.append(restore)
        if decision is Decision.OVERTURN and _sanctioned(history):
            effects.append(_effect(Action.LIFT_SANCTION, case, now, chat=chat, sender=sender))
    effects.append(_effect(Action.UPDATE_CARD, case, now))
    return _stamped(effects, now)


def removed(history: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """``(chat id, message id)`` of every post a case's done deletions removed (its
    own message, an album's items, the copies that joined it)."""
    return {
        (h["payload"]["chat"]["id"], message_id)
        for h in history
        if h["kind"] == Action.DELETE.value and h["state"] == "done" and h["payload"].get("chat")
        for message_id in h["payload"].get("message_ids", ())
    }


def restore_copies(
    case: Case,
    copies: Iterable[tuple[Message, str]],
    history: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[Effect]:
    """An overturned case's copies (each with its restore caption) put back: those
    whose deletion was done."""
    gone = removed(history)
    effects = [
        _effect(Action.RESTORE, case, now, chat=m.chat, text=caption, media=m.media)
        for m, caption in copies
        if (m.chat.id, m.message_id) in gone
    ]
    return _stamped(effects, now - timedelta(microseconds=1))


def replies(
    case: Case, reporters: Iterable[tuple[str, str]], text: Callable[[str], str], now: datetime
) -> list[Effect]:
    """A reply to each reporter (``(id, language)``), in their language."""
    effects = [
        _effect(Action.REPLY, case, now, sender=Sender(reporter), text=text(language))
        for reporter, language in dict(reporters).items()
        if reporter
    ]
    return _stamped(effects, now + timedelta(milliseconds=1))


def _sanctioned(history: Iterable[Mapping[str, Any]]) -> bool:
    return any(h["kind"] in _SANCTIONS and h["state"] == "done" for h in history)
