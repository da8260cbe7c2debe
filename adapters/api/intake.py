"""What a platform sends: content to check (block first), deletion requests and
reports, and reviewers' decisions; and what it reads back: its cases.

Content goes through the same engine as a chat message — the same banks,
policy, dry-run mode and settings (the client's room is its chat) — and the
answer comes at once: ``delete``, ``review`` or ``allow``, the matches and the
case. A retried item (same ``item_id`` in the same room) gets the same answer
and opens nothing twice. A client reaches only its own cases.
"""

import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.api.auth import ApiError, Gate
from adapters.api.fields import boolean, json_object, text, texts
from adapters.api.multipart import Upload, read_form
from adapters.api.platform import ApiPlatform, Clients
from adapters.api.routing import View
from core.api_tokens import ApiToken, Scope
from core.cases import Case, case_facts
from core.engine.moderator import Moderator
from core.engine.objections import MAX_OBJECTION
from core.errors import AuthorisationError, InputError
from core.model import (
    CATEGORIES,
    Action,
    Chat,
    ChatKind,
    Decision,
    MediaRef,
    Message,
    Report,
    Sender,
    Signal,
    Verdict,
)
from core.policy import LANGUAGES, ChatSettings, Mode, Sanction
from core.ports import CaseStore
from core.signals import SIGNAL_TYPES
from core.store.codec import settings_json

__all__ = ["INTAKE", "Intake"]

_ID, _TEXT, _LINKS, _HASHES, _FILE_NAMES = 128, 20_000, 50, 20, 20
_SETTINGS: dict[str, Any] = {
    "mode": {m.value: m for m in Mode},
    "language": {language: language for language in LANGUAGES},
    "notice": None,
    "sanction": {s.value: s for s in Sanction},
    "block_first": None,
    "trusted_reporters": None,
}


@dataclass(frozen=True, slots=True)
class Intake:
    gate: Gate
    moderator: Moderator
    cases: CaseStore
    clients: Clients


async def _submit_item(intake: Intake, request: Request) -> Response:
    token = await intake.gate.admit(request, Scope.SUBMIT)
    data, upload = await _item_body(request)
    platform = intake.clients.platform(token.name)
    async with AsyncExitStack() as stack:
        media = [await stack.enter_async_context(_held(platform, upload))] if upload else []
        message = _message(token, data, (*media, *_hashes(token, data)))
        handled = await intake.moderator.on_message(message)
    if handled.duplicate and handled.case is None and handled.verdict.opens_case:
        raise ApiError(409, "this item is being checked by another request; retry shortly")
    return JSONResponse(
        _answer(message.message_id, handled.verdict, handled.case, handled.duplicate)
    )


async def _submit_request(intake: Intake, request: Request) -> Response:
    token = await intake.gate.admit(request, Scope.SUBMIT)
    data = json_object(await request.body())
    category = text(data, "category", limit=32, required=True)
    if category not in CATEGORIES:
        raise ApiError(400, f"category: one of {', '.join(CATEGORIES)}")
    item = text(data, "item_id", limit=_ID)
    url = text(data, "url", limit=2048)
    if not item and not url:
        raise ApiError(400, "item_id or url: one is required")
    message = None
    if item:
        room = text(data, "room", limit=_ID, required=True)
        chat = Chat(token.platform, room, ChatKind.GROUP)
        uploader = text(data, "uploader", limit=_ID) or "unknown"
        message = Message(chat, item, Sender(uploader))
    intake.clients.platform(token.name)
    report = Report(
        reporter=text(data, "reporter", limit=_ID),
        category=category,
        text=text(data, "text", limit=_TEXT),
        message=message,
        links=(url,) if url else (),
        authority=boolean(data, "authority"),
        trusted=boolean(data, "trusted"),
        report_id=text(data, "request_id", limit=_ID),
        platform=token.platform,
        language=text(data, "language", limit=8) or "ko",
    )
    try:
        case = await intake.moderator.on_report(report)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    return JSONResponse({"case": _case(case), "block": await _blocks(intake, case)})


async def _read_case(intake: Intake, request: Request) -> Response:
    token = await intake.gate.admit_any(request, Scope.SUBMIT, Scope.DECIDE)
    case = await _own_case(intake, token, request.path_params["case_id"])
    history = await intake.cases.case_history(case.id)
    return JSONResponse({**_case(case), "history": _history(history)})


async def _decide(intake: Intake, request: Request) -> Response:
    token = await intake.gate.admit(request, Scope.DECIDE)
    case = await _own_case(intake, token, request.path_params["case_id"])
    data = json_object(await request.body())
    choice = text(data, "decision", limit=16, required=True)
    if choice not in {d.value for d in Decision}:
        raise ApiError(400, "decision: confirm, overturn or escalate")
    reviewer = text(data, "reviewer", limit=_ID, required=True)
    try:
        decided = await intake.moderator.on_decision(
            case.id,
            Decision(choice),
            f"{token.platform}:{reviewer}",
            note=text(data, "note", limit=2000),
            ban=boolean(data, "ban"),
            vouched=True,  # the token's decide scope is the platform vouching for its reviewer
        )
    except (InputError, AuthorisationError) as exc:
        raise ApiError(400, str(exc)) from None
    return JSONResponse(_case(decided))


async def _object(intake: Intake, request: Request) -> Response:
    token = await intake.gate.admit(request, Scope.SUBMIT)
    case = await _own_case(intake, token, request.path_params["case_id"])
    data = json_object(await request.body())
    objector = text(data, "objector", limit=_ID, required=True)
    words = text(data, "text", limit=MAX_OBJECTION, required=True)
    language = text(data, "language", limit=2) or "ko"
    if language not in LANGUAGES:
        raise ApiError(400, "language: ko or en")
    try:
        appeal = await intake.moderator.on_objection(
            case.id, f"{token.platform}:{objector}", words, language
        )
    except InputError as exc:  # not theirs to contest, once already, too often
        raise ApiError(400, str(exc)) from None
    return JSONResponse(_case(appeal))


async def _room_settings(intake: Intake, request: Request) -> Response:
    """A room's settings: read with submit or banks, changed (audited) with banks, as
    only a chat's admins change a chat's."""
    reading = request.method == "GET"
    scopes = (Scope.SUBMIT, Scope.BANKS) if reading else (Scope.BANKS,)
    token = await intake.gate.admit_any(request, *scopes)
    room = request.path_params["room"][:_ID]
    settings = await intake.moderator.chat_settings(token.platform, room)
    if not reading:
        settings = _settings(settings, json_object(await request.body()))
        await intake.moderator.set_chat_settings(token.platform, room, settings, token.platform)
    return JSONResponse(settings_json(settings))


def _settings(current: ChatSettings, data: dict[str, Any]) -> ChatSettings:
    unknown = sorted(set(data) - set(_SETTINGS))
    if unknown:
        raise ApiError(400, f"{unknown[0][:40]}: unknown (known: {', '.join(_SETTINGS)})")
    changes: dict[str, Any] = {}
    for name, choices in _SETTINGS.items():
        if name not in data:
            continue
        value = data[name]
        if isinstance(choices, dict):
            if not isinstance(value, str) or value not in choices:
                raise ApiError(400, f"{name}: one of {', '.join(choices)}")
            changes[name] = choices[value]
        elif name == "notice":
            changes[name] = boolean(data, name)
        else:
            changes[name] = frozenset(texts(data, name, limit=200, each=_ID))
    try:
        return replace(current, **changes)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None


async def _item_body(request: Request) -> tuple[dict[str, Any], Upload | None]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        return json_object(await request.body()), None
    if kind != "multipart/form-data":
        raise ApiError(400, "send the item as application/json, or multipart with item and media")
    try:
        form = await read_form(request)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    if "item" not in form.fields:
        raise ApiError(400, "item: required (the item's JSON, as a form field)")
    if len(form.files) > 1 or any(f.name != "media" for f in form.files):
        raise ApiError(400, "media: at most one file, in the field named media")
    upload = form.files[0] if form.files else None
    if upload is not None and not upload.data:
        raise ApiError(400, "media: the file is empty")
    return json_object(form.fields["item"], "item"), upload


@asynccontextmanager
async def _held(platform: ApiPlatform, upload: Upload) -> AsyncIterator[MediaRef]:
    data = bytes(upload.data)
    digest = hashlib.sha256(data).hexdigest()
    with platform.holding(data) as ref:  # in memory while the engine hashes it
        yield MediaRef("media", f"{platform.name}:sha256:{digest}", ref, size=len(data))


def _hashes(token: ApiToken, data: dict[str, Any]) -> list[MediaRef]:
    given = data.get("hashes", [])
    if not isinstance(given, list) or len(given) > _HASHES:
        raise ApiError(400, f"hashes: a list of at most {_HASHES} objects")
    signals = []
    for i, entry in enumerate(given):
        if not isinstance(entry, dict):
            raise ApiError(400, f"hashes[{i}]: expected an object")
        kind = text(entry, "signal_type", limit=32, required=True)
        value = text(entry, "value", limit=1_000_000, required=True)
        signal_type = SIGNAL_TYPES.get(kind)
        if signal_type is None or kind == "file_key":
            raise ApiError(400, f"hashes[{i}].signal_type: no such signal type {kind!r}")
        try:
            signals.append(Signal(kind, signal_type.canonical(value)))
        except InputError as exc:
            raise ApiError(400, f"hashes[{i}].value: {exc}") from None
    if not signals:
        return []
    key = text(data, "file_key", limit=_ID) or hashlib.sha256(repr(signals).encode()).hexdigest()
    return [MediaRef("hashes", f"{token.platform}:{key}", "", signals=tuple(signals))]


def _message(token: ApiToken, data: dict[str, Any], media: tuple[MediaRef, ...]) -> Message:
    room = text(data, "room", limit=_ID, required=True)
    chat = Chat(token.platform, room, ChatKind.GROUP, text(data, "room_title", limit=200))
    uploader = text(data, "uploader", limit=_ID, required=True)
    return Message(
        chat=chat,
        message_id=text(data, "item_id", limit=_ID, required=True),
        sender=Sender(uploader, name=text(data, "uploader_name", limit=200)),
        text=text(data, "text", limit=_TEXT),
        links=tuple(texts(data, "links", limit=_LINKS, each=2048)),
        media=media,
        file_names=tuple(texts(data, "file_names", limit=_FILE_NAMES, each=255)),
    )


def _answer(item: str, verdict: Verdict, case: Case | None, duplicate: bool) -> dict[str, Any]:
    if Action.DELETE in verdict.actions:
        outcome = "delete"
    elif verdict.opens_case:
        outcome = "review"
    else:
        outcome = "allow"
    return {
        "item_id": item,
        "verdict": outcome,
        "dry_run": verdict.dry_run,
        "duplicate": duplicate,
        "matches": [
            {
                "bank": m.bank,
                "entry_id": m.entry_id,
                "signal_type": m.signal_type,
                "distance": m.distance,
                "band": m.band.value,
                "category": m.category,
                **({"words": m.span, "place": m.place} if m.place else {}),
            }
            for m in verdict.matches
        ],
        "reasons": list(verdict.reasons),
        "case": _case(case) if case else None,
    }


def _case(case: Case) -> dict[str, Any]:
    return {**case_facts(case), "reasons": list(case.reasons)}


def _history(history: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "decisions": [
            {"decision": d["decision"], "by": d["reviewer"], "at": _iso(d["at"]), "note": d["note"]}
            for d in history.get("decisions", [])
        ],
        "effects": [
            {"id": e["id"], "action": e["kind"], "state": e["state"], "error": e["error"]}
            for e in history.get("effects", [])
        ],
    }


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def _own_case(intake: Intake, token: ApiToken, case_id: str) -> Case:
    """The case, if it is this client's: another client's is as missing as none."""
    try:
        case = await intake.cases.get_case(case_id[:32])
    except InputError:
        case = None
    if case is None or case.platform != token.platform:
        raise ApiError(404, f"no case {case_id[:32]!r} for api:{token.name}")
    return case


async def _blocks(intake: Intake, case: Case) -> bool:
    """Whether the platform should block now: a delete was queued for the case (an
    authority, a trusted flagger, a category blocked first), and not in dry run."""
    if case.dry_run:
        return False
    history = await intake.cases.case_history(case.id)
    return any(e["kind"] == Action.DELETE.value for e in history.get("effects", []))


INTAKE: dict[str, dict[str, View[Intake]]] = {
    "/v1/items": {"POST": _submit_item},
    "/v1/requests": {"POST": _submit_request},
    "/v1/cases/{case_id}": {"GET": _read_case},
    "/v1/cases/{case_id}/decision": {"POST": _decide},
    "/v1/cases/{case_id}/objection": {"POST": _object},
    "/v1/rooms/{room}/settings": {"GET": _room_settings, "PUT": _room_settings},
}
