"""JSON shapes of the records the store keeps in JSON columns (no media bytes)."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from core.cases import Case
from core.model import (
    Action,
    Band,
    BankAction,
    CaseKind,
    CaseState,
    Chat,
    ChatKind,
    Effect,
    Match,
    MediaRef,
    Message,
    Sender,
    SenderKind,
    Signal,
)

__all__ = [
    "case_from_row",
    "case_row",
    "effect_from_json",
    "effect_json",
    "message_from_json",
    "message_json",
    "utc",
]


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _chat(data: dict[str, Any]) -> Chat:
    return Chat(data["platform"], data["id"], ChatKind(data["kind"]), data.get("title", ""))


def _sender(data: dict[str, Any]) -> Sender:
    return Sender(data["id"], SenderKind(data["kind"]), data.get("name", ""))


def message_json(message: Message) -> dict[str, Any]:
    data = asdict(message)
    data["chat"]["kind"] = message.chat.kind.value
    data["sender"]["kind"] = message.sender.kind.value
    data["sent_at"] = message.sent_at.isoformat() if message.sent_at else None
    return data


def message_from_json(data: dict[str, Any]) -> Message:
    return Message(
        chat=_chat(data["chat"]),
        message_id=data["message_id"],
        sender=_sender(data["sender"]),
        text=data.get("text", ""),
        links=tuple(data.get("links", ())),
        media=tuple(MediaRef(**m) for m in data.get("media", ())),
        album_id=data.get("album_id"),
        album_message_ids=tuple(data.get("album_message_ids", ())),
        edited=data.get("edited", False),
        edit_version=data.get("edit_version", ""),
        reply_to=data.get("reply_to"),
        forwarded_from=data.get("forwarded_from"),
        sent_at=datetime.fromisoformat(data["sent_at"]) if data.get("sent_at") else None,
    )


def _match_json(match: Match) -> dict[str, Any]:
    data = asdict(match)
    data["band"], data["action"] = match.band.value, match.action.value
    return data


def _match(data: dict[str, Any]) -> Match:
    return Match(**{**data, "band": Band(data["band"]), "action": BankAction(data["action"])})


def _banked_in(case: Case) -> str:
    """The banks a case matched, as ``,a,b,`` (so ``LIKE '%,a,%'`` finds one)."""
    names = sorted({m.bank for m in case.matches})
    return f",{','.join(names)}," if names else ""


def case_row(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind.value,
        "state": case.state.value,
        "target": case.target,
        "platform": case.platform,
        "category": case.category,
        "opened_at": case.opened_at,
        "deadline": case.deadline,
        "decided_at": case.decided_at,
        "decided_by": case.decided_by,
        "alerts_sent": case.alerts_sent,
        "removed": case.removed,
        "dry_run": case.dry_run,
        "reports": case.reports,
        "card_ref": case.card_ref,
        "note": case.note,
        "banks": _banked_in(case),
        "data": {
            "message": message_json(case.message) if case.message else None,
            "signals": [asdict(s) for s in case.signals],
            "matches": [_match_json(m) for m in case.matches],
            "reasons": list(case.reasons),
        },
    }


def case_from_row(row: Any) -> Case:
    data = row["data"]
    return Case(
        id=row["id"],
        kind=CaseKind(row["kind"]),
        target=row["target"],
        opened_at=utc(row["opened_at"]),  # type: ignore[arg-type]
        deadline=utc(row["deadline"]),  # type: ignore[arg-type]
        state=CaseState(row["state"]),
        category=row["category"],
        message=message_from_json(data["message"]) if data.get("message") else None,
        signals=tuple(Signal(**s) for s in data.get("signals", ())),
        matches=tuple(_match(m) for m in data.get("matches", ())),
        reasons=tuple(data.get("reasons", ())),
        removed=bool(row["removed"]),
        dry_run=bool(row["dry_run"]),
        reports=row["reports"],
        alerts_sent=row["alerts_sent"],
        card_ref=row["card_ref"],
        decided_by=row["decided_by"],
        decided_at=utc(row["decided_at"]),
        note=row["note"],
    )


def effect_json(effect: Effect) -> dict[str, Any]:
    return {
        "chat": {**asdict(effect.chat), "kind": effect.chat.kind.value} if effect.chat else None,
        "message_ids": list(effect.message_ids),
        "sender": {**asdict(effect.sender), "kind": effect.sender.kind.value}
        if effect.sender
        else None,
        "text": effect.text,
        "media": [asdict(m) for m in effect.media],
        "dry_run": effect.dry_run,
    }


def effect_from_json(row: Any) -> Effect:
    data = row["payload"]
    return Effect(
        id=row["id"],
        kind=Action(row["kind"]),
        platform=row["platform"],
        case_id=row["case_id"],
        created_at=utc(row["created_at"]),  # type: ignore[arg-type]
        chat=_chat(data["chat"]) if data.get("chat") else None,
        message_ids=tuple(data.get("message_ids", ())),
        sender=_sender(data["sender"]) if data.get("sender") else None,
        text=data.get("text", ""),
        media=tuple(MediaRef(**m) for m in data.get("media", ())),
        dry_run=data.get("dry_run", False),
        attempts=row["attempts"],
    )
