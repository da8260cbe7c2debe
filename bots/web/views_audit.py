"""The audit log: browse and filter, the chain's verification, CSV/JSON export."""

import time
from datetime import UTC, datetime, timedelta

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bots.reports import audit_export
from bots.web.context import Ctx, view
from core.audit import AuditFilter, Verification, verify
from core.errors import InputError

__all__ = ["parse_day", "routes"]

_PAGE = 100
_VERIFY_TTL_S = 60.0


def parse_day(text: str, name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` form field as midnight UTC (empty: None)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InputError(f"{name}: {text[:20]!r} is not a date (YYYY-MM-DD)") from exc


def _period(ctx: Ctx) -> tuple[datetime | None, datetime | None]:
    params = ctx.request.query_params
    until = parse_day(params.get("until", ""), "until")
    return parse_day(params.get("since", ""), "since"), until + timedelta(days=1) if until else None


async def _verification(ctx: Ctx, fresh: bool) -> tuple[Verification, datetime]:
    """The whole chain's check, cached for a minute (it reads every entry)."""
    cached = ctx.state.verified
    if cached is None or fresh or time.monotonic() - cached[0] > _VERIFY_TTL_S:
        anchors = await ctx.store.audit_anchors()
        result = verify([e async for e in ctx.store.iter_audit()], anchors)
        ctx.state.verified = cached = (time.monotonic(), (result, ctx.now))
    return cached[1]


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
    before = params.get("before", "")
    if before and not before.isdigit():
        raise InputError(f"before: {before[:20]!r} is not an entry number")
    entries = await ctx.store.audit_page(
        where, before_seq=int(before) if before else None, limit=_PAGE
    )
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
    headers = {"Content-Disposition": f'attachment; filename="audit.{fmt}"'}
    return StreamingResponse(
        audit_export(ctx.store, since, until, fmt), media_type=media, headers=headers
    )


routes = [Route("/audit", audit_page), Route("/audit/export", audit_download)]
