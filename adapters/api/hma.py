"""HMA-compatible hashing and matching, so an HMA client can point at blockfirst:
the paths, parameters, upload field names and JSON shapes of HMA 2.0's
``/h/hash``, ``/m/raw_lookup``, ``/m/lookup``, ``/m/index/status`` and the bank
listing under ``/c/``.

With the ``banks`` scope, HMA's curation calls bank content: ``POST /c/banks``,
``POST /c/bank/NAME/signal`` (hashes), ``POST /c/bank/NAME/content`` (a file, or
a ``url`` when fetching is on) and ``DELETE /c/bank/NAME/content/ID``; each is
audited as the client, and every process's matcher follows within seconds.

Where blockfirst is stricter than HMA: a token is required (scope ``lookup``);
uploads are read into memory, never a temporary file; a ``url`` is fetched only
when ``api.fetch_urls`` is on, through the SSRF guard; a match is what falls in
a bank's *act* band (its action applies), never the wider review band; and
banks are on or off (``matching_enabled_ratio`` is 1.0 or 0.0), so ``seed`` and
``bypass_coinflip`` change nothing.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import ApiError, Gate
from adapters.api.fields import json_object, text
from adapters.api.multipart import read_upload
from core.api_tokens import ApiToken, Scope
from core.audit import AuditRecord
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry, EntryStatus, check_bank_name
from core.engine.moderator import Moderator
from core.errors import InputError
from core.model import CATEGORIES, Band, BankAction, Match, MediaSignals
from core.ports import ImageFetcher, Store
from core.signals import SIGNAL_TYPES
from core.writes import Audit

__all__ = ["Hma", "hma_routes"]

# HMA's content types, as upload field names and the content_type parameter.
CONTENT_TYPES = ("photo", "video")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


@dataclass(frozen=True, slots=True)
class Hma:
    """What the HMA endpoints need: who may call, the engine's hashing and index, the
    banks, and a fetcher when fetching a client's URL is on."""

    gate: Gate
    moderator: Moderator
    store: Store
    fetcher: ImageFetcher | None = None


Handler = Callable[[Request], Awaitable[Response]]


def hma_routes(hma: Callable[[], Hma]) -> list[Route]:
    """The routes, each given the ``Hma`` of the running app (one route a path, so a
    wrong method's 405 names every method the path has)."""

    def bind(views: Mapping[str, Callable[[Hma, Request], Awaitable[Response]]]) -> Handler:
        async def handle(request: Request) -> Response:
            return await views[request.method](hma(), request)

        return handle

    paths = {
        "/h/hash": {"GET": _hash_get, "POST": _hash_post},
        "/m/raw_lookup": {"GET": _raw_lookup},
        "/m/lookup": {"GET": _lookup_get, "POST": _lookup_post},
        "/m/index/status": {"GET": _index_status},
        "/c/banks": {"GET": _banks, "POST": _bank_create},
        "/c/bank/{name}": {"GET": _bank},
        "/c/bank/{name}/signal": {"POST": _bank_add_signals},
        "/c/bank/{name}/content": {"POST": _bank_add_content},
        "/c/bank/{name}/content/{content_id:int}": {"DELETE": _bank_remove_content},
    }
    return [Route(path, bind(views), methods=list(views)) for path, views in paths.items()]


async def _hash_get(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    media = await _fetched(hma, _required(request, "url"))
    return JSONResponse(_hashes(media, _types(request)))


async def _hash_post(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    media = await _uploaded(hma, request)
    return JSONResponse(_hashes(media, _types(request)))


async def _raw_lookup(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    signal_type = _required(request, "signal_type")
    signal = _required(request, "signal")
    with_distance = _bool(request, "include_distance")
    matches = _matches(hma, {signal_type: [_canonical(signal_type, signal)]}, _banks_param(request))
    if with_distance:
        return JSONResponse({"matches": [_content(m) for m in matches]})
    return JSONResponse({"matches": [m.entry_id for m in matches]})


async def _lookup_get(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    banks = _banks_param(request)
    _bool(request, "bypass_coinflip")  # validated like HMA; banks are on or off here
    signal_type = request.query_params.get("signal_type")
    if request.query_params.get("url"):
        media = await _fetched(hma, request.query_params["url"])
        found = _by_type(hma, media, _types(request), banks)
        return JSONResponse(found.get(signal_type, {}) if signal_type else found)
    signal = request.query_params.get("signal")
    if not signal or not signal_type:
        raise ApiError(400, "Either url or both signal and signal_type are required")
    matches = _matches(hma, {signal_type: [_canonical(signal_type, signal)]}, banks)
    return JSONResponse(_by_bank(matches))


async def _lookup_post(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    banks = _banks_param(request)
    _bool(request, "bypass_coinflip")
    media = await _uploaded(hma, request)
    return JSONResponse(_by_type(hma, media, _types(request), banks))


async def _index_status(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    only = request.query_params.get("signal_type")
    if only is not None and only not in SIGNAL_TYPES:
        raise ApiError(400, f"No such signal type '{only}'")
    version, sizes = hma.moderator.index_status()
    status = {
        name: {"present": name in sizes, "built_to": version if name in sizes else -1,
               "size": sizes.get(name, 0)}
        for name in sorted(SIGNAL_TYPES)
        if only is None or name == only
    }  # fmt: skip
    return JSONResponse(status)


async def _banks(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    return JSONResponse([_bank_config(s.bank) for s in await hma.store.list_banks()])


async def _bank(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    name = request.path_params["name"]
    try:
        bank = await hma.store.get_bank(name)
    except InputError:
        raise ApiError(404, f"bank '{name[:80]}' not found") from None
    return JSONResponse(_bank_config(bank))


def _bank_config(bank: Bank) -> dict[str, Any]:
    return {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0}


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or value == "":
        raise ApiError(400, f"{name} is required")
    return value


def _bool(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in (*_TRUE, *_FALSE):
        raise ApiError(400, f"{name}: invalid boolean parameter - prefer true/false")
    return value in _TRUE


def _banks_param(request: Request) -> set[str] | None:
    given = request.query_params.get("banks")
    return {b.strip() for b in given.split(",") if b.strip()} if given else None


def _types(request: Request) -> set[str] | None:
    given = request.query_params.get("types")
    if given is None:
        return None
    names = {n.strip() for n in given.split(",") if n.strip()}
    unknown = sorted(names - set(SIGNAL_TYPES))
    if unknown:
        raise ApiError(400, f"signal type '{unknown[0][:40]}' doesn't exist or is disabled")
    if not names:
        raise ApiError(400, "empty signal type selection")
    return names


def _canonical(signal_type: str, signal: str) -> str:
    kind = SIGNAL_TYPES.get(signal_type)
    if kind is None:
        raise ApiError(400, f"No such SignalType '{signal_type[:40]}'")
    try:
        return kind.canonical(signal)
    except InputError as exc:
        raise ApiError(400, f"invalid signal: {exc}") from None


async def _uploaded(hma: Hma, request: Request) -> MediaSignals:
    try:
        upload = await read_upload(request)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    if upload.name not in CONTENT_TYPES:
        raise ApiError(400, f"no such content_type: '{upload.name[:40]}' (photo or video)")
    if not upload.data:
        raise ApiError(400, f"the uploaded {upload.name} is empty")
    return await _hashed(hma, bytes(upload.data))


async def _fetched(hma: Hma, url: str) -> MediaSignals:
    if hma.fetcher is None:
        raise ApiError(403, "Hashing a url is off here (api.fetch_urls)")
    try:
        data = await hma.fetcher.fetch_image(url)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    return await _hashed(hma, data)


async def _hashed(hma: Hma, data: bytes) -> MediaSignals:
    media = await hma.moderator.hash_media(data)
    if not media.signals:
        raise ApiError(400, f"nothing could be hashed: {media.error or 'empty file'}")
    return media


def _hashes(media: MediaSignals, types: set[str] | None) -> dict[str, str]:
    return {
        s.signal_type: s.value for s in media.signals if types is None or s.signal_type in types
    }


def _matches(hma: Hma, queries: Mapping[str, Sequence[str]], banks: set[str] | None) -> list[Match]:
    found = hma.moderator.lookup(queries)
    return [m for m in found if m.band is Band.ACT and (banks is None or m.bank in banks)]


def _by_type(
    hma: Hma, media: MediaSignals, types: set[str] | None, banks: set[str] | None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {
        name: _by_bank(_matches(hma, {name: values}, banks))
        for name, values in media.queries.items()
        if types is None or name in types
    }


def _by_bank(matches: list[Match]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for match in matches:
        found.setdefault(match.bank, []).append(_content(match))
    return found


def _content(match: Match) -> dict[str, Any]:
    return {"bank_content_id": match.entry_id, "distance": str(match.distance)}


async def _bank_create(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    data = json_object(await request.body())
    name = text(data, "name", limit=64, required=True)
    enabled = data.get("enabled", data.get("enabled_ratio", 1.0))
    if isinstance(enabled, bool):
        enabled = 1.0 if enabled else 0.0
    if not isinstance(enabled, (int, float)) or not 0 <= enabled <= 1:
        raise ApiError(400, "enabled_ratio: a number from 0.0 to 1.0 (banks are on above 0)")
    action = text(data, "action", limit=16) or "review"  # a client's new bank acts only if asked
    category = text(data, "category", limit=32) or "other"
    if action not in {a.value for a in BankAction} or category not in CATEGORIES:
        raise ApiError(400, f"action: delete or review; category: one of {', '.join(CATEGORIES)}")
    try:
        new = Bank(check_bank_name(name), BankAction(action), enabled=enabled > 0)
        bank = await hma.store.create_bank(replace(new, category=category))
    except InputError as exc:
        status = 403 if "exists" in str(exc) else 400
        raise ApiError(status, str(exc)) from None
    await _audit(hma, token, "bank_created", bank.name, f"{action}, {category}, on={bank.enabled}")
    return JSONResponse(_bank_config(bank), 201)


async def _bank_add_signals(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    given = json_object(await request.body())
    signals = {}
    for kind, value in given.items():
        if not isinstance(value, str):
            raise ApiError(400, f"Invalid {kind[:40]} signal: expected a string")
        signals[kind] = _canonical(kind, value)
    return await _bank_add(hma, token, request.path_params["name"], signals)


async def _bank_add_content(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    url = request.query_params.get("url")
    media = await _fetched(hma, url) if url else await _uploaded(hma, request)
    entries = entries_for_media(media, source=token.platform, added_by=token.platform)
    signals = {e.signal_type: e.value for e in entries}
    return await _bank_add(hma, token, request.path_params["name"], signals)


async def _bank_add(hma: Hma, token: ApiToken, bank: str, signals: dict[str, str]) -> Response:
    if not signals:
        raise ApiError(400, "No signals given")
    await _known_bank(hma, bank)
    who = token.platform
    entries = [Entry(k, v, source=who, added_by=who) for k, v in signals.items()]
    result = await hma.store.add_entries(bank, entries)
    listed = " ".join(f"{k}:{v[:80]}" for k, v in signals.items())
    await _audit(hma, token, "entries_added", bank, f"{result.added} added: {listed}")
    ids = await hma.store.entry_ids(bank, list(signals.items()))
    return JSONResponse({"id": min(i for i, _, _ in ids) if ids else None, "signals": signals})


async def _bank_remove_content(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    bank = request.path_params["name"]
    await _known_bank(hma, bank)
    content_id = request.path_params["content_id"]
    if not 0 < content_id < 2**63:
        raise ApiError(404, f"no entry {str(content_id)[:40]} in bank '{bank[:80]}'")
    rows = await hma.store.entries_by_id(bank, content_id, content_id)
    removed = 0
    for _, kind, value, _, active in rows:
        if active:
            removed += await hma.store.set_entry_status(
                bank, kind, [value], EntryStatus.REMOVED, token.platform
            )
    await _audit(hma, token, "entries_removed", bank, f"entry {content_id}: {removed} removed")
    return JSONResponse({"deleted": removed})


async def _known_bank(hma: Hma, name: str) -> None:
    try:
        await hma.store.get_bank(name)
    except InputError:
        raise ApiError(404, f"bank '{name[:80]}' not found") from None


async def _audit(hma: Hma, token: ApiToken, kind: str, bank: str, reason: str) -> None:
    record = AuditRecord(
        kind=kind, platform=token.platform, bank=bank, actor=token.platform, reason=reason[:500]
    )
    await hma.store.apply([Audit(record)])
