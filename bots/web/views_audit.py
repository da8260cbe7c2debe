"""The audit log: browse and filter, the chain's verification, CSV/JSON export."""

import time
from datetime import datetime

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bots.reports import audit_export
from bots.web.context import ChainCheck, Ctx, view
from bots.web.params import parse_number, parse_period
from core.audit import AuditFilter, ChainVerifier, Verification
from core.errors import InputError

__all__ = ["routes"]

_PAGE = 100
_FULL_CHECK_S = 3600.0


def _period(ctx: Ctx) -> tuple[datetime | None, datetime | None]:
    return parse_period(ctx.request.query_params, "since", "until")


async def _verification(ctx: Ctx, full: bool) -> tuple[Verification, datetime]:
    """The chain's check: new entries are checked on every view, the whole chain
    on demand and at least hourly (streamed: constant memory at any length)."""
    check = ctx.state.chain
    if check is None or full or time.monotonic() - check.full_at > _FULL_CHECK_S:
        verifier = ChainVerifier(await ctx.store.audit_anchors())
        check = ctx.state.chain = ChainCheck(verifier, time.monotonic(), ctx.now)
        after = 0
    elif not check.verifier.result().ok:
        after = -1  # broken: stays so until a full check
    else:
        last = check.verifier.last
        after = last[0] if last is not None else 0
    if after >= 0:
        async for entry in ctx.store.iter_audit(after_seq=after):
            if not check.verifier.feed(entry):
                break
        check.checked_at = ctx.now
    return check.verifier.result(await ctx.store.audit_head()), check.checked_at


@view()
async def audit_page(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    since, until = _period(ctx)
    where = AuditFilter(
        kind=params.get("kind", "")[:64],
        case_id=params.get("case", "")[:32],
        actor=params.get("actor", "")[:200],
        since=since,
        until=until,
    )
    before = parse_number(params.get("before"), "before", 0, 1, 2**62) or None
    entries = await ctx.store.audit_page(where, before_seq=before, limit=_PAGE)
    verification, checked_at = await _verification(ctx, params.get("verify") == "1")
    shown = {k: params.get(k, "") for k in ("kind", "case", "actor", "since", "until")}
    return ctx.render(
        "audit.html",
        entries=entries,
        shown=shown,
        older=entries[-1].seq if len(entries) == _PAGE else None,
        verification=verification,
        checked_at=checked_at,
    )


@view()
async def audit_download(ctx: Ctx) -> Response:
    fmt = ctx.request.query_params.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise InputError(f"format: {fmt[:20]!r} is not csv or json")
    since, until = _period(ctx)
    media = "text/csv" if fmt == "csv" else "application/json"
    head = await ctx.store.audit_head()
    seq, digest = head if head is not None else (0, "")
    headers = {
        "Content-Disposition": f'attachment; filename="audit-to-{seq}.{fmt}"',
        "X-Audit-Head": f"{seq}:{digest}",  # write it down: 'audit verify --expect' checks it
    }
    return StreamingResponse(
        audit_export(ctx.store, since, until, fmt), media_type=media, headers=headers
    )


routes = [Route("/audit", audit_page), Route("/audit/export", audit_download)]
