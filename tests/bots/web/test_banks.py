"""Banks in the dashboard: counts, create, enable/disable, import with the CLI's
bad-row report, export in every list format."""

import html
import io
from datetime import UTC, datetime
from typing import Any

from bots.web.settings import WebSettings
from core.banks import Bank, Entry
from core.store import SqlStore
from core.writes import CountHits, Quarantine
from tests.bots.web.conftest import Dashboard, csrf_of, post
from tests.fakes import FakePlatform

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


async def _banks(store: SqlStore) -> None:
    await store.create_bank(Bank("ncii", category="illegal_filming", description="StopNCII"))
    await store.add_entries("ncii", [Entry("md5", f"{i:032x}") for i in range(3)])


def upload(client: Any, bank: str, content: bytes, **form: str) -> Any:
    files = {"file": ("list.txt", io.BytesIO(content))}
    data = {"format": "auto", **form, "csrf": csrf_of(client, "/banks")}
    return client.post(f"/banks/{bank}/import", data=data, files=files)


def test_the_banks_page_counts_entries(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    page = dashboard.client("otto").get("/banks").text
    assert 'id="bank-ncii"' in page
    assert '<td class="num">3</td>' in page
    assert "StopNCII" in page
    assert "Import a list" not in page  # an auditor changes nothing


def test_import_reports_bad_rows_by_line(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    ann = dashboard.client("ann")
    content = f"pdq {PDQ}\nmd5 {0:032x}\nmd5 not-a-hash\n# comment\nsha256 {'a' * 64}\n"
    response = upload(ann, "ncii", content.encode(), source="test list")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert '<dd id="added">2</dd>' in page
    assert "<dt>Already present</dt><dd>1</dd>" in page
    assert '<dd id="bad">1</dd>' in page
    assert "line 3" in page

    async def entries(store: SqlStore) -> list[tuple[str, str, str]]:
        return [(e.signal_type, e.source, e.added_by) async for e in store.iter_entries("ncii")]

    added = dashboard.seed(entries)[3:]
    assert added == [("pdq", "test list", "web:ann"), ("sha256", "test list", "web:ann")]


def test_a_strict_import_adds_nothing(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    ann = dashboard.client("ann")
    response = upload(ann, "ncii", f"pdq {PDQ}\nmd5 nope\n".encode(), strict="1")
    assert response.status_code == 400
    assert "nothing was imported" in response.text
    assert '<td class="num">3</td>' in ann.get("/banks").text


def test_import_refuses_what_it_cannot_read(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    ann = dashboard.client("ann")
    assert upload(ann, "ncii", b"x", format="excel").status_code == 400
    assert upload(ann, "nope", b"md5 " + b"0" * 32).status_code == 400
    missing = ann.post("/banks/ncii/import", data={"csrf": csrf_of(ann, "/banks")})
    assert missing.status_code == 400
    assert "choose a hash list" in missing.text


def test_uploads_are_bounded(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    settings = WebSettings(secret="test-secret", max_upload_bytes=4096)
    ann = dashboard.client("ann", settings=settings)
    small = upload(ann, "ncii", f"md5 {'1' * 32}\n".encode())
    assert small.status_code == 200
    big = upload(ann, "ncii", f"md5 {'2' * 32}\n".encode() * 200)
    assert big.status_code == 413
    assert '<td class="num">4</td>' in ann.get("/banks").text  # nothing of it was added


def test_export_in_every_format(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    otto = dashboard.client("otto")
    lines = otto.get("/banks/ncii/export?format=lines")
    assert lines.text.splitlines() == [f"md5 {i:032x}" for i in range(3)]
    assert lines.headers["content-disposition"] == 'attachment; filename="ncii.lines.txt"'
    pytx = otto.get("/banks/ncii/export?format=pytx-csv").text.splitlines()
    assert pytx[0] == "signal_type,signal_str,collab,category,tags"
    assert len(pytx) == 4
    assert otto.get("/banks/ncii/export?format=hma-csv&type=md5").text.count("\n") == 3
    assert otto.get("/banks/nope/export").status_code == 400
    assert otto.get("/banks/ncii/export?format=xml").status_code == 400


def test_create_disable_enable(dashboard: Dashboard) -> None:
    ann = dashboard.client("ann")
    made = post(ann, "/banks/new", {"name": "gifct", "action": "review", "category": "other"})
    assert made.status_code == 303
    assert "Bank gifct created." in ann.get("/banks").text
    assert post(ann, "/banks/new", {"name": "gifct", "action": "review"}).status_code == 400
    assert post(ann, "/banks/new", {"name": "Bad Name!", "action": "review"}).status_code == 400
    assert post(ann, "/banks/new", {"name": "x", "action": "explode"}).status_code == 400
    assert post(ann, "/banks/gifct/disable", {}).status_code == 303
    assert "<td>disabled</td>" in ann.get("/banks").text
    assert post(ann, "/banks/gifct/enable", {}).status_code == 303
    assert "<td>enabled</td>" in ann.get("/banks").text


def test_a_bank_goes_into_shadow_and_live_again_audited(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    ann = dashboard.client("ann")
    assert post(ann, "/banks/ncii/shadow", {}).status_code == 303
    page = ann.get("/banks/ncii").text
    assert "Bank ncii is in shadow" in page
    assert "in shadow (records only, acts on nothing)" in page
    assert "Go live" in page
    assert "<td>in shadow (records only, acts on nothing)</td>" in ann.get("/banks").text
    assert post(ann, "/banks/ncii/live", {}).status_code == 303
    assert "Put in shadow" in ann.get("/banks/ncii").text
    audit = ann.get("/audit").text
    assert "bank_shadow" in audit
    assert "bank_live" in audit
    assert post(ann, "/banks/nope/shadow", {}).status_code == 400


def test_bank_changes_reach_the_bots_in_the_same_process(dashboard: Dashboard) -> None:
    dashboard.seed(_banks)
    platform = FakePlatform("fake")
    ann = dashboard.client("ann", platforms={"fake": platform})
    moderator = ann.app.state.web.live.moderator  # type: ignore[attr-defined]
    assert moderator.indexed == 3
    upload(ann, "ncii", f"pdq {PDQ}\n".encode())
    assert moderator.indexed == 4
    assert "4 entries" in ann.get("/readyz").text


async def _text_bank(store: SqlStore) -> None:
    await store.create_bank(Bank("ads", category="deepfake"))
    await store.add_entries(
        "ads",
        [
            Entry("text", "딥페이크판매", note="selling channels"),
            Entry("text", "딥페이크예방교육", allow=True),
            Entry("pdq", PDQ),
        ],
    )


async def _audit_reasons(store: SqlStore) -> list[tuple[str, str, str]]:
    return [(e.record.kind, e.record.actor, e.record.reason) async for e in store.iter_audit()]


def test_a_bank_page_lists_its_text_rules_and_tries_a_text(dashboard: Dashboard) -> None:
    dashboard.seed(_text_bank)
    otto = dashboard.client("otto")
    page = html.unescape(otto.get("/banks/ads").text)
    assert "딥페이크판매" in page
    assert "selling channels" in page
    assert "딥페이크예방교육" in page
    assert "allows (beats block rules)" in page
    assert PDQ not in page  # hashes are counted, not listed
    assert "pdq 1" in page
    assert "text 2" in page
    assert "Add a text rule" not in page  # an auditor changes nothing
    tried = html.unescape(otto.get("/banks/ads", params={"try": "ㄷㅣㅂ 페 이 크 판.매 🔥"}).text)
    assert '<code id="reads-as">딥페이크판매</code>' in tried
    assert "Matched words (text): “ㄷㅣㅂ 페 이 크 판.매”" in tried
    news = html.unescape(otto.get("/banks/ads", params={"try": "딥페이크 예방 교육"}).text)
    assert "No rule matches this text." in news


def test_an_admin_adds_and_removes_a_text_rule_and_both_are_audited(
    dashboard: Dashboard,
) -> None:
    dashboard.seed(_text_bank)
    ann = dashboard.client("ann")
    added = post(
        ann,
        "/banks/ads/rules",
        {"rule": "Hidden CAM", "type": "text_word", "note": "n"},
        "/banks/ads",
    )
    assert added.status_code == 303
    assert "Rule hidencam added (1 changed)." in html.unescape(ann.get("/banks/ads").text)
    bad = post(ann, "/banks/ads/rules", {"rule": "(a|aa)+$", "type": "text_re"}, "/banks/ads")
    assert bad.status_code == 400
    assert "matches an empty text" in html.unescape(bad.text) or "takes over" in bad.text
    removed = post(
        ann, "/banks/ads/rules/remove", {"type": "text", "value": "딥페이크판매"}, "/banks/ads"
    )
    assert removed.status_code == 303
    assert "Rule 딥페이크판매 removed (1 changed)." in html.unescape(ann.get("/banks/ads").text)
    refused = post(ann, "/banks/ads/rules/remove", {"type": "pdq", "value": PDQ}, "/banks/ads")
    assert refused.status_code == 400
    rita = dashboard.client("rita")
    assert (
        post(rita, "/banks/ads/rules", {"rule": "x y z", "type": "text"}, "/banks/ads").status_code
        == 403
    )
    audit = dashboard.seed(_audit_reasons)
    assert ("entries_added", "web:ann", "1 added, 0 restored: text_word:hidencam") in audit
    assert ("entries_status", "web:ann", "removed: text:딥페이크판매") in audit


def test_a_rules_csv_imports_text_rules_with_notes(dashboard: Dashboard) -> None:
    dashboard.seed(_text_bank)
    ann = dashboard.client("ann")
    content = 'type,value,note\ntext_word,몰카,seller slang\ntext,"팝니다, 연락",\nnope,x,\n'
    response = upload(ann, "ads", content.encode())
    page = html.unescape(response.text)
    assert '<dd id="added">2</dd>' in page
    assert '<dd id="bad">1</dd>' in page
    assert "line 4" in page
    listed = html.unescape(ann.get("/banks/ads").text)
    assert "seller slang" in listed


async def _quarantined(store: SqlStore) -> None:
    await store.create_bank(Bank("followed", category="illegal_filming"))
    await store.add_entries("followed", [Entry("md5", f"{7:032x}")])
    [(entry_id, _, _)] = await store.entry_ids("followed", [("md5", f"{7:032x}")])
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    await store.apply(
        [
            *(CountHits((entry_id,), now) for _ in range(31)),
            Quarantine("followed", entry_id, "31 matches within 60 min (limit 30)"),
        ]
    )


def test_a_quarantined_entry_is_shown_and_an_admin_trusts_or_disputes_it(
    dashboard: Dashboard,
) -> None:
    dashboard.seed(_quarantined)
    otto = html.unescape(dashboard.client("otto").get("/banks/followed").text)
    assert "31 matches within 60 min (limit 30)" in otto
    assert "Trust again" not in otto  # an auditor changes nothing
    ann = dashboard.client("ann")
    page = html.unescape(ann.get("/banks/followed").text)
    assert "quarantined since" in page
    entry_id = page.split('<tr id="entry-')[1].split('"')[0]
    trusted = post(ann, f"/banks/followed/entries/{entry_id}/trust", {}, "/banks/followed")
    assert trusted.status_code == 303
    after = html.unescape(ann.get("/banks/followed").text)
    assert f"Entry {entry_id} is trusted again" in after
    assert "trusted again since" in after
    disputed = post(
        ann, f"/banks/followed/entries/{entry_id}/dispute", {"reason": "a meme"}, "/banks/followed"
    )
    assert disputed.status_code == 303
    reasons = dashboard.seed(_audit_reasons)
    assert ("entry_trusted", "web:ann", f"entry {entry_id} md5:{7:032x}") in reasons
    assert ("entry_disputed", "web:ann", f"entry {entry_id} md5:{7:032x}: a meme") in reasons
    rita = dashboard.client("rita")
    path = f"/banks/followed/entries/{entry_id}/trust"
    assert post(rita, path, {}, "/banks/followed").status_code == 403
    assert (
        post(ann, "/banks/followed/entries/99999/trust", {}, "/banks/followed").status_code == 400
    )
