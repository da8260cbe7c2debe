"""Reports the CLI and the dashboard both give: the compliance report and the
audit log export, streamed as CSV or JSON text."""

import csv
import io
import json
from collections.abc import AsyncGenerator, Iterable
from datetime import datetime

from core.audit import export_row
from core.compliance import ComplianceReport, summarise
from core.formats import spreadsheet_safe
from core.ports import AuditStore, CaseStore

__all__ = ["audit_export", "compliance_report", "metric_rows_csv", "metric_rows_json"]

_CASES_CAP = 10_000_000


async def compliance_report(
    store: CaseStore, period: tuple[datetime | None, datetime | None], now: datetime
) -> ComplianceReport:
    """The compliance report of cases opened in [from, to)."""
    cases = await store.list_cases(opened=period, limit=_CASES_CAP)
    return summarise(cases, now, period, await store.reply_effects(period))


def metric_rows_csv(rows: Iterable[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerows((spreadsheet_safe(k), spreadsheet_safe(v)) for k, v in rows)
    return out.getvalue()


def metric_rows_json(rows: Iterable[tuple[str, str]]) -> str:
    return json.dumps(dict(rows), indent=2, ensure_ascii=False) + "\n"


async def audit_export(
    store: AuditStore, since: datetime | None, until: datetime | None, fmt: str
) -> AsyncGenerator[str, None]:
    """The audit log in [since, until) as CSV (with a header) or a JSON array, in chunks."""
    first = True
    if fmt == "json":
        yield "["
    async for entry in store.iter_audit(since, until):
        row = export_row(entry)
        if fmt == "csv":  # reasons and notes are free text (a reporter's, a list's)
            row = {key: spreadsheet_safe(value) for key, value in row.items()}
        if fmt == "json":
            yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        else:
            out = io.StringIO()
            writer = csv.DictWriter(out, list(row), lineterminator="\n")
            if first:
                writer.writeheader()
            writer.writerow(row)
            yield out.getvalue()
        first = False
    if fmt == "json":
        yield "\n]\n"
