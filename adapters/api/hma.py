"""HMA-compatible hashing and matching, so an HMA client can point at blockfirst:
the paths, parameters, upload field names and JSON shapes of HMA 2.0's
``/h/hash``, ``/m/raw_lookup``, ``/m/lookup``, ``/m/index/status`` and the bank
listing under ``/c/``.

Where blockfirst is stricter than HMA: a token is required (scope ``lookup``);
uploads are read into memory, never a temporary file; a ``url`` is fetched only
when ``api.fetch_urls`` is on, through the SSRF guard; a match is what falls in
a bank's *act* band (its action applies), never the wider review band; and
banks are on or off (``matching_enabled_ratio`` is 1.0 or 0.0), so ``seed`` and
``bypass_coinflip`` change nothing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.api.auth import ApiError, Gate
from adapters.api.multipart import read_upload
from adapters.api.routing import View
from core.api_tokens import Scope
from core.banks import Bank
from core.engine.moderator import Moderator
from core.errors import InputError
from core.model import Match, MediaSignals
from core.ports import ImageFetcher, Store
from core.signals import SIGNAL_TYPES

__all__ = ["LOOKUPS", "Hma", "bank_config", "canonical", "fetched", "uploaded"]

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


async def _hash_get(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    media = await fetched(hma, _required(request, "url"))
    return JSONResponse(_hashes(media, _types(request)))


async def _hash_post(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    media = await uploaded(hma, request)
    return JSONResponse(_hashes(media, _types(request)))


async def _raw_lookup(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    signal_type = _required(request, "signal_type")
    signal = _required(request, "signal")
    with_distance = _bool(request, "include_distance")
    matches = _matches(hma, {signal_type: [canonical(signal_type, signal)]}, _banks_param(request))
    if with_distance:
        return JSONResponse({"matches": [_content(m) for m in matches]})
    return JSONResponse({"matches": [m.entry_id for m in matches]})


async def _lookup_get(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    banks = _banks_param(request)
    _bool(request, "bypass_coinflip")  # validated like HMA; banks are on or off here
    signal_type = request.query_params.get("signal_type")
    if request.query_params.get("url"):
        media = await fetched(hma, request.query_params["url"])
        found = _by_type(hma, media, _types(request), banks)
        return JSONResponse(found.get(signal_type, {}) if signal_type else found)
    signal = request.query_params.get("signal")
    if not signal or not signal_type:
        raise ApiError(400, "Either url or both signal and signal_type are required")
    matches = _matches(hma, {signal_type: [canonical(signal_type, signal)]}, banks)
    return JSONResponse(_by_bank(matches))


async def _lookup_post(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    banks = _banks_param(request)
    _bool(request, "bypass_coinflip")
    media = await uploaded(hma, request)
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
    return JSONResponse([bank_config(s.bank) for s in await hma.store.list_banks()])


async def _bank(hma: Hma, request: Request) -> Response:
    await hma.gate.admit(request, Scope.LOOKUP)
    name = request.path_params["name"]
    try:
        bank = await hma.store.get_bank(name)
    except InputError:
        raise ApiError(404, f"bank '{name[:80]}' not found") from None
    return JSONResponse(bank_config(bank))


def bank_config(bank: Bank) -> dict[str, Any]:
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


def canonical(signal_type: str, signal: str) -> str:
    kind = SIGNAL_TYPES.get(signal_type)
    if kind is None:
        raise ApiError(400, f"No such SignalType '{signal_type[:40]}'")
    try:
        return kind.canonical(signal)
    except InputError as exc:
        raise ApiError(400, f"invalid signal: {exc}") from None


async def uploaded(hma: Hma, request: Request) -> MediaSignals:
    try:
        upload = await read_upload(request)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    if upload.name not in CONTENT_TYPES:
        raise ApiError(400, f"no such content_type: '{upload.name[:40]}' (photo or video)")
    if not upload.data:
        raise ApiError(400, f"the uploaded {upload.name} is empty")
    return await _hashed(hma, bytes(upload.data))


async def fetched(hma: Hma, url: str) -> MediaSignals:
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
    found = hma.moderator.lookup(queries, act_only=True)
    return [m for m in found if banks is None or m.bank in banks]


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


LOOKUPS: dict[str, dict[str, View[Hma]]] = {
    "/h/hash": {"GET": _hash_get, "POST": _hash_post},
    "/m/raw_lookup": {"GET": _raw_lookup},
    "/m/lookup": {"GET": _lookup_get, "POST": _lookup_post},
    "/m/index/status": {"GET": _index_status},
    "/c/banks": {"GET": _banks},
    "/c/bank/{name}": {"GET": _bank},
}
