"""End to end in headless Chromium: sign in, watch the countdown, decide a case,
clear a page of the queue, import a list with a bad row, export the compliance
report, print the transparency report."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from core.banks import Bank
from core.store import SqlStore
from core.texts import say
from core.writes import OpenCase
from tests.e2e.conftest import PASSWORD, LiveDashboard
from tests.factories import make_case


def sign_in(page: Page, name: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def test_sign_in_watch_the_countdown_and_decide(live: LiveDashboard, page: Page) -> None:
    live.board.open_cases("late", hours=-1)
    live.board.open_cases("c1", hours=2)
    page.goto("/login")
    page.get_by_label("Name").fill("rita")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    sign_in(page, "rita")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("overdue")
    expect(rows.nth(0).locator("time")).to_contain_text("overdue 1h")
    countdown = rows.nth(1).locator("time.countdown")
    first = countdown.inner_text()
    assert first.endswith("left")
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks every second
    page.get_by_role("link", name="c1").click()
    expect(page.get_by_role("heading", name=re.compile("Case c1"))).to_be_visible()
    expect(page.locator(".no-media")).to_be_visible()
    page.get_by_label("Note (kept with the decision)").fill("clear match")
    page.get_by_role("button", name="Confirm removal").click()
    expect(page.get_by_role("status")).to_have_text("Case c1 is confirmed.")
    expect(page.locator("h1 .state")).to_have_text("confirmed")
    expect(page.locator(".facts")).to_contain_text("web:rita at")
    page.get_by_role("link", name="Queue").click()
    expect(rows).to_have_count(1)


def test_clear_a_page_of_the_queue_at_once(live: LiveDashboard, page: Page) -> None:
    live.board.open_cases(*(f"q{i:02}" for i in range(30)), hours=5)
    sign_in(page, "rita")
    expect(page.locator("#total")).to_have_text("30")
    page.get_by_label("Select all on this page").check()
    expect(page.locator('input[name="case"]:checked')).to_have_count(30)
    page.get_by_role("button", name="Confirm removal").click()
    expect(page.get_by_role("status")).to_have_text("30 of 30 cases: Confirm.")
    expect(page.get_by_text("The queue is clear.")).to_be_visible()


def test_import_a_list_with_a_bad_row(live: LiveDashboard, page: Page, tmp_path: Path) -> None:
    async def bank(store: SqlStore) -> None:
        await store.create_bank(Bank("ncii"))

    live.board.seed(bank)
    listing = tmp_path / "stopncii.txt"
    listing.write_text(f"md5 {'a' * 32}\nmd5 {'b' * 32}\nmd5 not-a-hash\n")
    sign_in(page, "ann")
    page.get_by_role("link", name="Banks").click()
    row = page.locator("#bank-ncii")
    row.get_by_text("Import a list").click()
    row.get_by_label("File").set_input_files(listing)
    row.get_by_label("Source").fill("StopNCII test")
    row.get_by_role("button", name="Import").click()
    expect(page.locator("#added")).to_have_text("2")
    expect(page.locator("#bad")).to_have_text("1")
    expect(page.locator(".bad-rows")).to_contain_text("line 3")
    page.get_by_role("link", name="Back to the banks").click()
    expect(page.locator("#bank-ncii td.num").first).to_have_text("2")


def test_export_the_compliance_report(live: LiveDashboard, page: Page) -> None:
    clock = live.board.clock
    cases = [make_case(clock, "m1", hours=3), make_case(clock, "m2", hours=3)]
    live.board.seed(lambda store: store.apply([OpenCase(c) for c in cases]))
    sign_in(page, "otto")
    page.get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", name="Compliance")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    path = download.value.path()
    table = dict(csv.reader(io.StringIO(Path(path).read_text())))
    assert table["metric"] == "value"
    assert table["cases"] == "2"
    assert download.value.suggested_filename.startswith("compliance-")
    page.get_by_role("link", name=re.compile("Transparency report")).click()
    expect(page.get_by_role("heading", name=re.compile("Transparency report"))).to_be_visible()
    pdf = page.pdf()  # printable: Chromium renders it to a PDF
    assert pdf.startswith(b"%PDF")


def test_in_korean_sign_in_watch_the_countdown_and_decide(
    live: LiveDashboard, korean_page: Page
) -> None:
    """The same walk for a reader whose browser asks for Korean: every word Korean,
    the countdown ticking in Korean, the decision's flash in Korean."""
    page = korean_page
    live.board.open_cases("k1", hours=2)
    page.goto("/")
    page.get_by_label(say("web_name", "ko")).fill("rita")
    page.get_by_label(say("web_password", "ko")).fill(PASSWORD)
    page.get_by_role("button", name=say("web_sign_in", "ko")).click()
    expect(page.get_by_role("heading", name=say("web_queue_title", "ko"))).to_be_visible()
    countdown = page.locator("table.cases tbody tr time.countdown")
    first = countdown.inner_text()
    assert first.endswith("남음")
    expect(countdown).not_to_have_text(first, timeout=3000)
    page.get_by_role("link", name="k1").click()
    page.get_by_role("button", name=say("web_confirm_removal", "ko"), exact=True).click()
    confirmed = say("web_case_now", "ko", case_id="k1", state=say("state_confirmed", "ko"))
    expect(page.get_by_role("status")).to_have_text(confirmed)
    expect(page.locator("h1 .state")).to_have_text(say("state_confirmed", "ko"))
    assert "Review queue" not in page.content()
