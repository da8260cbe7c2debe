"""Row codecs: how each record becomes a row (or a JSON column) and back, in one
place. No media bytes anywhere: messages keep references, never content.

Reading is strict where a stored value could be wrong: an audit row that cannot
be read becomes an entry carrying its ``problem`` (verification reports it),
never an exception that would hide the rest of the log."""

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from core.accounts import Role, User
from core.api_tokens import ApiToken, Scope
from core.audit import AuditEntry, AuditRecord
from core.banks import Bank, Entry, EntryStatus, Flood
from core.cases import Appeal, Case
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
    MediaSignals,
    Message,
    Sender,
    SenderKind,
    Signal,
)
from core.policy import ChatSettings, Mode, Sanction
from core.signals import Thresholds

__all__ = [
    "audit_entry_from_row",
    "audit_row",
    "bank_from_row",
    "bank_row",
    "case_from_row",
    "case_row",
    "effect_from_json",
    "effect_json",
    "entry_from_row",
    "entry_row",
    "media_signals_from_json",
    "media_signals_json",
    "message_from_json",
    "message_json",
    "settings_from_json",
    "settings_json",
    "token_from_row",
    "token_row",
    "user_from_row",
    "utc",
    "value_key",
]

KEY_MAX = 128  # bank_entries.value_key


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _chat(data: dict[str, Any]) -> Chat:
    return Chat(
        data["platform"],
        data["id"],
        ChatKind(data["kind"]),
        data.get("title", ""),
        data.get("community", ""),  # a Discord server: whose settings apply
    )


def _sender(data: dict[str, Any]) -> Sender:
    return Sender(data["id"], SenderKind(data["kind"]), data.get("name", ""))


def media_signals_json(media: MediaSignals) -> dict[str, Any]:
    """A file's signals as the file-key cache keeps them (``asdict`` copied every
    string of the queries deeply: most of a cache write's time)."""
    return {
        "signals": [
            {"signal_type": s.signal_type, "value": s.value, "quality": s.quality}
            for s in media.signals
        ],
        "queries": {kind: list(values) for kind, values in media.queries.items()},
        "error": media.error,
    }


def media_signals_from_json(data: dict[str, Any]) -> MediaSignals:
    signals = tuple(Signal(**s) for s in data["signals"])
    queries = {k: tuple(v) for k, v in data["queries"].items()}
    return MediaSignals(signals, queries, data.get("error"))


def message_json(message: Message) -> dict[str, Any]:
    data = asdict(message)
    data["chat"]["kind"] = message.chat.kind.value
    data["sender"]["kind"] = message.sender.kind.value
    data["sent_at"] = message.sent_at.isoformat() if message.sent_at else None
    return data


def _media_ref(data: dict[str, Any]) -> MediaRef:
    signals = tuple(Signal(**s) for s in data.get("signals", ()))
    return MediaRef(**{**data, "signals": signals})


def message_from_json(data: dict[str, Any]) -> Message:
    return Message(
        chat=_chat(data["chat"]),
        message_id=data["message_id"],
        sender=_sender(data["sender"]),
        text=data.get("text", ""),
        links=tuple(data.get("links", ())),
        media=tuple(_media_ref(m) for m in data.get("media", ())),
        album_id=data.get("album_id"),
        album_message_ids=tuple(data.get("album_message_ids", ())),
        edited=data.get("edited", False),
        edit_version=data.get("edit_version", ""),
        reply_to=data.get("reply_to"),
        forwarded_from=data.get("forwarded_from"),
        sent_at=datetime.fromisoformat(data["sent_at"]) if data.get("sent_at") else None,
        file_names=tuple(data.get("file_names", ())),
        buttons=tuple(data.get("buttons", ())),
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
        "copies": case.copies,
        "copy_chats": case.copy_chats,
        "data": {
            "message": message_json(case.message) if case.message else None,
            "signals": [asdict(s) for s in case.signals],
            "matches": [_match_json(m) for m in case.matches],
            "reasons": list(case.reasons),
            **({"appeal": asdict(case.appeal)} if case.appeal else {}),
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
        appeal=Appeal(**data["appeal"]) if data.get("appeal") else None,
        copies=row["copies"],
        copy_chats=row["copy_chats"],
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
        media=tuple(_media_ref(m) for m in data.get("media", ())),
        dry_run=data.get("dry_run", False),
        attempts=row["attempts"],
    )


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    record = entry.record
    return {
        "seq": entry.seq,
        "at": entry.at,
        "kind": record.kind,
        "platform": record.platform,
        "chat_id": record.chat_id,
        "message_id": record.message_id,
        "sender_id": record.sender_id,
        "signals": json.dumps(list(record.signals), ensure_ascii=False),
        "bank": record.bank,
        "distance": record.distance,
        "action": record.action,
        "result": record.result,
        "actor": record.actor,
        "reason": record.reason,
        "case_id": record.case_id,
        "anchor": record.anchor,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def audit_entry_from_row(row: Any) -> AuditEntry:
    """The entry a row holds; a row that cannot be read (a value of the wrong
    type, a date that is not one) becomes an entry carrying its ``problem``."""
    try:
        record = AuditRecord(
            kind=_text(row["kind"]),
            platform=_text(row["platform"]),
            chat_id=_text(row["chat_id"]),
            message_id=_text(row["message_id"]),
            sender_id=_text(row["sender_id"]),
            signals=_signals(row["signals"]),
            bank=_text(row["bank"]),
            distance=_distance(row["distance"]),
            action=_text(row["action"]),
            result=_text(row["result"]),
            actor=_text(row["actor"]),
            reason=_text(row["reason"]),
            case_id=_text(row["case_id"]),
            anchor=_text(row["anchor"]),
        )
        at = _at(row["at"])
        return AuditEntry(row["seq"], at, record, _text(row["prev_hash"]), _text(row["hash"]))
    except (TypeError, ValueError, OverflowError) as exc:
        problem = str(exc)[:200]
        return AuditEntry(
            row["seq"], datetime.min.replace(tzinfo=UTC), AuditRecord(kind="?"), "", "", problem
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _signals(value: Any) -> tuple[str, ...]:
    text = _text(value)
    if not text:
        return ()
    items = json.loads(text)
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("signals are not a list of text")
    return tuple(items)


def _distance(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"distance is {type(value).__name__}, not a number")
    return value


def _at(value: Any) -> datetime:
    """A stored time; read raw on SQLite (where the column is text) and parsed here."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"time is {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def value_key(value: str) -> str:
    """What uniqueness and lookups use: the value, or ``sha256:`` and the digest of a
    value too long for an index (a vPDQ frame list)."""
    if len(value) <= KEY_MAX:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def bank_row(bank: Bank) -> dict[str, Any]:
    return {
        "name": bank.name,
        "description": bank.description,
        "action": bank.action.value,
        "enabled": bank.enabled,
        "thresholds": {k: [t.act, t.review] for k, t in bank.thresholds.items()},
        "created_at": bank.created_at,
        "category": bank.category,
        "vpdq_query_percent": bank.vpdq_query_percent,
        "vpdq_compared_percent": bank.vpdq_compared_percent,
        "flood": asdict(bank.flood) if bank.flood else None,
        "shadow": bank.shadow,
    }


def bank_from_row(row: Any) -> Bank:
    raw = row["thresholds"]
    thresholds = json.loads(raw) if isinstance(raw, str) else raw
    return Bank(
        name=row["name"],
        action=BankAction(row["action"]),
        description=row["description"],
        enabled=bool(row["enabled"]),
        thresholds={k: Thresholds(int(a), int(r)) for k, (a, r) in thresholds.items()},
        created_at=utc(row["created_at"]),
        category=row["category"],
        vpdq_query_percent=float(row["vpdq_query_percent"]),
        vpdq_compared_percent=float(row["vpdq_compared_percent"]),
        flood=_flood(row["flood"]),
        shadow=bool(row["shadow"]),
    )


def _flood(raw: Any) -> Flood | None:
    data = json.loads(raw) if isinstance(raw, str) else raw
    return Flood(**data) if data else None


def entry_row(bank_id: int, entry: Entry, now: datetime, added_by: str = "") -> dict[str, Any]:
    return {
        "bank_id": bank_id,
        "signal_type": entry.signal_type,
        "value": entry.value,
        "value_key": value_key(entry.value),
        "quality": entry.quality,
        "source": entry.source,
        "external_id": entry.external_id,
        "added_at": entry.added_at or now,
        "added_by": entry.added_by or added_by,
        "note": entry.note,
        "tags": " ".join(entry.tags),
        "status": entry.status.value,
        "allow": entry.allow,
    }


def entry_from_row(row: Any) -> Entry:
    return Entry(
        signal_type=row["signal_type"],
        value=row["value"],
        source=row["source"],
        external_id=row["external_id"],
        added_by=row["added_by"],
        note=row["note"],
        tags=tuple(row["tags"].split()),
        quality=row["quality"],
        added_at=utc(row["added_at"]),
        status=EntryStatus(row["status"]),
        id=row["id"],
        allow=bool(row["allow"]),
    )


def settings_json(settings: ChatSettings) -> dict[str, Any]:
    return {
        "mode": settings.mode.value,
        "language": settings.language,
        "notice": settings.notice,
        "sanction": settings.sanction.value,
        "trusted_reporters": sorted(settings.trusted_reporters),
        "block_first": sorted(settings.block_first),
    }


def settings_from_json(data: dict[str, Any], default: ChatSettings) -> ChatSettings:
    return ChatSettings(
        mode=Mode(data.get("mode", default.mode.value)),
        language=data.get("language", default.language),
        notice=data.get("notice", default.notice),
        sanction=Sanction(data.get("sanction", default.sanction.value)),
        trusted_reporters=frozenset(data.get("trusted_reporters", default.trusted_reporters)),
        block_first=frozenset(data.get("block_first", default.block_first)),
    )


def user_from_row(row: Any) -> User:
    return User(
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created_at=utc(row["created_at"]),  # type: ignore[arg-type]
        created_by=row["created_by"],
        signed_out_at=utc(row["signed_out_at"]),
        language=row["language"],
        timezone=row["timezone"],
    )


def token_row(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "scopes": " ".join(sorted(s.value for s in token.scopes)),
        "token_hash": token.token_hash,
        "created_at": token.created_at,
        "created_by": token.created_by,
        "revoked_at": token.revoked_at,
    }


def token_from_row(row: Any) -> ApiToken:
    return ApiToken(
        name=row["name"],
        scopes=frozenset(Scope(s) for s in row["scopes"].split()),
        token_hash=row["token_hash"],
        created_at=utc(row["created_at"]),  # type: ignore[arg-type]
        created_by=row["created_by"],
        revoked_at=utc(row["revoked_at"]),
    )
