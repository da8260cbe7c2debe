"""The dashboard against odd and hostile requests (issue 13, items 13 and 18): odd query
values are a 400 naming the field, never a 500; sign-out revokes a copied cookie; a
rebinding host name is refused; exported CSV cells never run as formulas."""

import csv
import io

import pytest

from core.audit import AuditRecord
from core.writes import Audit
from tests.bots.web.conftest import Dashboard, post, sign_in


@pytest.mark.parametrize(
    "path",
    [
        "/audit?before=²",
        "/audit?before=99999999999999999999999999",
        "/audit?until=9999-12-31",
        "/audit?since=9999-12-31&until=9999-12-31",
        "/compliance/transparency?year=²",
        "/compliance/transparency?year=99999999999999999999",
        "/compliance?to=9999-12-31",
        "/?page=²&per=²",
        "/?page=99999999999999999999999",
    ],
)
def test_odd_query_values_never_fail_the_server(dashboard: Dashboard, path: str) -> None:
    otto = dashboard.client("otto")
    response = otto.get(path)
    assert response.status_code in (200, 400), response.text[:300]


def test_signing_out_revokes_a_copied_cookie(dashboard: Dashboard) -> None:
    client = dashboard.client("otto")
    stolen = dict(client.cookies)
    assert client.get("/").status_code == 200
    assert post(client, "/logout", {}).status_code == 303
    thief = dashboard.client()
    thief.cookies.update(stolen)
    assert thief.get("/").status_code == 303  # back to the sign-in page
    again = dashboard.client()
    assert sign_in(again, "otto").status_code == 303  # signing in again works


def test_a_foreign_host_name_is_refused(dashboard: Dashboard) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name."""
    client = dashboard.client()
    assert client.get("/healthz", headers={"host": "attacker.example"}).status_code == 400
    assert client.get("/metrics", headers={"host": "attacker.example:8080"}).status_code == 400
    assert client.get("/healthz", headers={"host": "localhost:8080"}).status_code == 200


def test_csv_exports_do_not_carry_formulas(dashboard: Dashboard) -> None:
    record = AuditRecord(kind="note", actor="web:rita", reason='=HYPERLINK("http://x","y")')
    dashboard.seed(lambda store: store.apply([Audit(record)]))
    otto = dashboard.client("otto")
    rows = list(csv.DictReader(io.StringIO(otto.get("/audit/export?format=csv").text)))
    reasons = [r["reason"] for r in rows if r["kind"] == "note"]
    assert reasons == ['\'=HYPERLINK("http://x","y")']


def test_an_unreadable_audit_row_is_shown_as_tampering_not_a_server_error(
    dashboard: Dashboard,
) -> None:
    """Issue 13, item 10: one malformed row gave a 500 on /audit."""
    import sqlite3

    records = [AuditRecord(kind="note", reason=str(i)) for i in range(3)]
    dashboard.seed(lambda store: store.apply([Audit(r) for r in records]))
    with sqlite3.connect(dashboard.db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("update audit_log set at = 'garbage' where seq = 2")
    otto = dashboard.client("otto")
    page = otto.get("/audit?verify=1")
    assert page.status_code == 200
    assert "CHAIN BROKEN at entry 2: the stored row cannot be read" in page.text
    exported = otto.get("/audit/export?format=json")
    assert exported.status_code == 200
    assert len(exported.json()) == 4  # three notes and otto's sign-in, none lost
