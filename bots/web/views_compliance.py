"""Compliance: a period's figures, their CSV/JSON export, and the yearly
transparency report as a printable page (Korean law asks covered operators
for one by 31 January)."""

import csv
import io
from datetime import UTC, datetime, timedelta

from starlette.responses import Response
from starlette.routing import Route

from bots.reports import compliance_report, metric_rows_csv, metric_rows_json
from bots.web.context import Ctx, view
from bots.web.params import parse_number, parse_period
from core.compliance import DAY
from core.errors import InputError
from core.model import CaseKind
from core.policy import LANGUAGES
from core.texts import category_name, say, when

__all__ = ["routes"]

_FIRST_YEAR = 2000


def _period(ctx: Ctx) -> tuple[datetime | None, datetime | None]:
    """``from`` (inclusive) and ``to`` (inclusive day) from the query; default: 30 days."""
    params = ctx.request.query_params
    if "from" not in params and "to" not in params:
        today = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(days=29), today + timedelta(days=1)
    return parse_period(params, "from", "to")


def _day(value: datetime | None, shift: timedelta = timedelta()) -> str:
    return (value - shift).strftime("%Y-%m-%d") if value else ""


def _attachment(
    prefix: str, period: tuple[datetime | None, datetime | None], ext: str
) -> dict[str, str]:
    """A download named by what it is and the days it covers."""
    name = f"{prefix}-{_day(period[0]) or 'start'}-{_day(period[1], timedelta(days=1)) or 'now'}"
    return {"Content-Disposition": f'attachment; filename="{name}.{ext}"'}


@view()
async def compliance_page(ctx: Ctx) -> Response:
    period = _period(ctx)
    report = await compliance_report(ctx.store, period, ctx.now)
    start, end = _day(period[0]), _day(period[1], timedelta(days=1))
    return ctx.render(
        "compliance.html",
        report=report,
        rows=report.rows(),
        start=start,
        end=end,
        year=ctx.now.year - 1 if ctx.now.month == 1 else ctx.now.year,
    )


@view()
async def compliance_download(ctx: Ctx) -> Response:
    fmt = ctx.request.query_params.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise InputError(f"format: {fmt[:20]!r} is not csv or json")
    period = _period(ctx)
    rows = (await compliance_report(ctx.store, period, ctx.now)).rows()
    headers = _attachment("compliance", period, fmt)
    if fmt == "csv":
        return Response(metric_rows_csv(rows), media_type="text/csv", headers=headers)
    return Response(metric_rows_json(rows), media_type="application/json", headers=headers)


_REQUEST_COLUMNS = (
    "rq_case",
    "rq_requested_at",
    "rq_requested_by",
    "rq_category",
    "rq_blocked_at",
    "rq_result",
    "rq_decided_at",
    "rq_within_24h",
)


@view()
async def request_results(ctx: Ctx) -> Response:
    """One row per deletion request of the period: who asked and when, when it was
    blocked, what was decided and when, and whether within 24 hours — headed and
    worded in the reader's language (or ``?lang=``), times in their zone."""
    asked = ctx.request.query_params.get("lang", "")
    language = asked if asked in LANGUAGES else ctx.language
    period = _period(ctx)
    cases = await ctx.store.list_cases(opened=period, limit=100_000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([say(column, language) for column in _REQUEST_COLUMNS])
    for case in cases:
        if case.kind is not CaseKind.DELETION_REQUEST:
            continue
        history = await ctx.store.case_history(case.id)
        first = history["reports"][0] if history["reports"] else None
        blocked = [
            e["finished_at"]
            for e in history["effects"]
            if e["kind"] == "delete" and e["state"] == "done" and e["finished_at"]
        ]
        decided = case.decided_at
        in_time = decided is not None and decided - case.opened_at <= DAY
        writer.writerow(
            [
                case.id,
                when(first["at"], ctx.zone) if first else when(case.opened_at, ctx.zone),
                first["reporter"] if first else "",
                category_name(case.category, language),
                when(min(blocked), ctx.zone) if blocked else "",
                say(f"state_{case.state.value}", language),
                when(decided, ctx.zone) if decided else "",
                say("web_yes" if in_time else "web_no", language),
            ]
        )
    headers = _attachment("deletion-requests", period, "csv")
    # A byte-order mark, so spreadsheet programs read the Korean as UTF-8.
    body = "\ufeff" + out.getvalue()
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@view()
async def transparency(ctx: Ctx) -> Response:
    text = ctx.request.query_params.get("year", str(ctx.now.year))
    year = parse_number(text, "year", 0, 0, 10**6)
    if not _FIRST_YEAR <= year <= ctx.now.year:
        raise InputError(f"year: {text[:10]!r} is not a year from {_FIRST_YEAR} to now")
    period = (datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
    report = await compliance_report(ctx.store, period, ctx.now)
    categories: dict[str, dict[str, int]] = {}
    for key, count in report.by_category_outcome.items():
        category, state = key.split("/", 1)
        categories.setdefault(category, {})[state] = count
    return ctx.render(
        "transparency.html",
        report=report,
        year=year,
        categories=categories,
        complete=ctx.now >= period[1],
    )


routes = [
    Route("/compliance", compliance_page),
    Route("/compliance/export", compliance_download),
    Route("/compliance/requests.csv", request_results),
    Route("/compliance/transparency", transparency),
]
