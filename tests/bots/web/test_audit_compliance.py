"""The audit log and compliance pages: filters, chain status, exports, the
transparency report."""

import csv
import io
import sqlite3
from datetime import timedelta

from core.audit import AuditRecord
from core.model import CaseKind, CaseState
from core.store import SqlStore
from core.writes import Audit, OpenCase, UpdateCase
from tests.bots.web.conftest import Dashboard
from tests.factories import make_case


def _log(dashboard: Dashboard) -> None:
    records = [
        AuditRecord(kind="match", case_id="c1", bank="ncii", distance=3),
        AuditRecord(kind="decision", case_id="c1", actor="web:rita", action="confirm"),
        AuditRecord(kind="bank_disabled", bank="ncii", actor="web:ann"),
    ]
    dashboard.seed(lambda store: store.apply([Audit(r) for r in records]))


def test_browse_and_filter(dashboard: Dashboard) -> None:
    _log(dashboard)
    otto = dashboard.client("otto")
    page = otto.get("/audit").text
    assert "Chain verified:" in page
    assert page.index("bank_disabled") < page.index("web:rita")  # newest first
    only = otto.get("/audit?actor=web:rita").text
    assert "confirm" in only
    assert "bank_disabled" not in only
    by_case = otto.get("/audit?case=c1").text
    assert by_case.count('<a href="/cases/c1">c1</a>') == 2
    assert "<td>web:ann</td>" not in by_case  # the bank entry has no case
    assert otto.get("/audit?since=yesterday").status_code == 400
    assert otto.get("/audit?before=x").status_code == 400


def test_a_tampered_chain_shows_where(dashboard: Dashboard) -> None:
    _log(dashboard)
    with sqlite3.connect(dashboard.db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("update audit_log set actor = 'web:mallory' where seq = 2")
    otto = dashboard.client("otto")  # signing in appends entry 5
    page = otto.get("/audit?verify=1").text
    assert "CHAIN BROKEN at entry 2" in page


def test_each_view_checks_the_new_entries_and_verify_now_the_whole_chain(
    dashboard: Dashboard,
) -> None:
    _log(dashboard)
    otto = dashboard.client("otto")  # signing in appends entry 4
    assert "Chain verified: 4 entries" in otto.get("/audit").text
    _log(dashboard)
    assert "Chain verified: 7 entries" in otto.get("/audit").text  # only 5-7 were read
    with sqlite3.connect(dashboard.db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("update audit_log set reason = 'rewritten' where seq = 1")
    assert "Chain verified: 7 entries" in otto.get("/audit").text
    assert "CHAIN BROKEN at entry 1" in otto.get("/audit?verify=1").text
    assert "CHAIN BROKEN at entry 1" in otto.get("/audit").text  # and stays so


def test_exports(dashboard: Dashboard) -> None:
    _log(dashboard)
    otto = dashboard.client("otto")
    rows = list(csv.DictReader(io.StringIO(otto.get("/audit/export?format=csv").text)))
    assert [r["kind"] for r in rows[:3]] == ["match", "decision", "bank_disabled"]
    entries = otto.get("/audit/export?format=json").json()
    assert entries[1]["actor"] == "web:rita"
    assert otto.get("/audit/export?format=xml").status_code == 400
    today = dashboard.clock.now().strftime("%Y-%m-%d")
    assert len(otto.get(f"/audit/export?format=json&since={today}&until={today}").json()) >= 3
    assert otto.get("/audit/export?format=json&since=2000-01-01&until=2000-01-02").json() == []


def _period(dashboard: Dashboard) -> None:
    clock = dashboard.clock
    fast = make_case(clock, "r1", kind=CaseKind.DELETION_REQUEST, hours=24)
    slow = make_case(clock, "r2", kind=CaseKind.DELETION_REQUEST, hours=48)
    review = make_case(clock, "m1", hours=24)

    async def seed(store: SqlStore) -> None:
        await store.apply([OpenCase(c) for c in (fast, slow, review)])
        for case_id, hours in (("r1", 2), ("r2", 30)):
            decided = (
                ("state", CaseState.CONFIRMED),
                ("decided_at", clock.now() + timedelta(hours=hours)),
            )
            await store.apply([UpdateCase(case_id, decided)])

    dashboard.seed(seed)


def test_compliance_page_and_exports(dashboard: Dashboard) -> None:
    _period(dashboard)
    otto = dashboard.client("otto")
    page = otto.get("/compliance").text  # the last 30 days by default
    assert '<p class="big">1 / 2</p>' in page  # deletion requests within 24 h
    assert "50.0 %" in page
    assert '<p class="big">16.0 h</p>' in page  # median of 2 h and 30 h
    table = dict(csv.reader(io.StringIO(otto.get("/compliance/export?format=csv").text)))
    assert table["deletion_requests"] == "2"
    assert table["deletion_requests_answered_within_24h"] == "1"
    assert table["cases"] == "3"
    as_json = otto.get("/compliance/export?format=json").json()
    assert as_json["deletion_requests_within_24h_rate"] == "50.0%"
    day = dashboard.clock.now().strftime("%Y-%m-%d")
    download = otto.get(f"/compliance/export?format=csv&from={day}&to={day}")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="compliance-{day}-{day}.csv"'
    )
    empty = otto.get("/compliance/export?format=json&from=2001-01-01&to=2001-12-31").json()
    assert empty["cases"] == "0"
    assert otto.get("/compliance?from=31/12/2026").status_code == 400


def test_the_transparency_report_is_printable(dashboard: Dashboard) -> None:
    _period(dashboard)
    otto = dashboard.client("otto")
    year = dashboard.clock.now().year
    page = otto.get(f"/compliance/transparency?year={year}").text
    assert f"Transparency report {year}" in page
    assert "Year not yet complete" in page
    assert '<tr><th>Deletion requests from authorities</th><td class="num">2</td></tr>' in page
    assert 'id="print"' in page
    last = otto.get(f"/compliance/transparency?year={year - 1}").text
    assert "Year not yet complete" not in last
    assert "No cases." in last
    assert otto.get("/compliance/transparency?year=1999").status_code == 400
    assert otto.get(f"/compliance/transparency?year={year + 1}").status_code == 400
