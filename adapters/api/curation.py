"""HMA's curation calls, with the ``banks`` scope: ``POST /c/banks``,
``POST /c/bank/NAME/signal`` (hashes), ``POST /c/bank/NAME/content`` (a file, or a
``url`` when fetching is on) and ``DELETE /c/bank/NAME/content/ID``. Each is
audited as the client, and every process's matcher follows within seconds; a
bank a client creates only opens review cases unless it asks to delete.
"""

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.api.auth import ApiError
from adapters.api.fields import json_object, text
from adapters.api.hma import Hma, bank_config, canonical, fetched, uploaded
from adapters.api.routing import View
from core.api_tokens import ApiToken, Scope
from core.audit import AuditRecord
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry, EntryStatus, check_bank_name
from core.errors import InputError
from core.model import CATEGORIES, BankAction
from core.writes import Audit

__all__ = ["CURATION"]


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
    return JSONResponse(bank_config(bank), 201)


async def _bank_add_signals(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    given = json_object(await request.body())
    signals = {}
    for kind, value in given.items():
        if not isinstance(value, str):
            raise ApiError(400, f"Invalid {kind[:40]} signal: expected a string")
        signals[kind] = canonical(kind, value)
    return await _bank_add(hma, token, request.path_params["name"], signals)


async def _bank_add_content(hma: Hma, request: Request) -> Response:
    token = await hma.gate.admit(request, Scope.BANKS)
    url = request.query_params.get("url")
    media = await fetched(hma, url) if url else await uploaded(hma, request)
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


CURATION: dict[str, dict[str, View[Hma]]] = {
    "/c/banks": {"POST": _bank_create},
    "/c/bank/{name}/signal": {"POST": _bank_add_signals},
    "/c/bank/{name}/content": {"POST": _bank_add_content},
    "/c/bank/{name}/content/{content_id:int}": {"DELETE": _bank_remove_content},
}
