"""End to end in headless Chromium, in English and in Korean (``lang``): sign in,
watch the countdown, decide a case, clear a page of the queue, import a list with a
bad row, export the compliance report, print the transparency report. Every word
the tests look for comes from the catalogue in the reader's language."""

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.banks import Bank
from core.store import SqlStore
from core.texts import say
from core.writes import OpenCase
from tests.e2e.conftest import PASSWORD, LiveDashboard
from tests.factories import make_case

Say = Callable[..., str]


@pytest.fixture
def t(lang: str) -> Say:
    return lambda key, **fields: say(key, lang, **fields)


def sign_in(page: Page, t: Say, name: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label(t("web_name")).fill(name)
    page.get_by_label(t("web_password")).fill(PASSWORD)
    page.get_by_role("button", name=t("web_sign_in")).click()
    expect(page.get_by_role("heading", name=t("web_queue_title"))).to_be_visible()


def test_sign_in_watch_the_countdown_and_decide(live: LiveDashboard, page: Page, t: Say) -> None:
    live.board.open_cases("late", hours=-1)
    live.board.open_cases("c1", hours=2)
    page.goto("/login")
    page.get_by_label(t("web_name")).fill("rita")
    page.get_by_label(t("web_password")).fill("wrong password")
    page.get_by_role("button", name=t("web_sign_in")).click()
    expect(page.get_by_role("alert")).to_have_text(t("web_wrong_password"))
    sign_in(page, t, "rita")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("overdue")
    overdue = t("web_overdue_by", time="1h").rsplit("1h", 1)[0]
    expect(rows.nth(0).locator("time")).to_contain_text(f"{overdue}1h")
    countdown = rows.nth(1).locator("time.countdown")
    first = countdown.inner_text()
    assert first.endswith(t("web_left", time="").strip())
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks every second
    page.get_by_role("link", name="c1").click()
    heading = page.get_by_role("heading", name=re.compile(t("web_case_title", case_id="c1")))
    expect(heading).to_be_visible()
    expect(page.locator(".no-media")).to_be_visible()
    page.get_by_label(t("web_note_with_decision")).fill("clear match")
    page.get_by_role("button", name=t("web_confirm_removal"), exact=True).click()
    confirmed = t("state_confirmed")
    expect(page.get_by_role("status")).to_have_text(
        t("web_case_now", case_id="c1", state=confirmed)
    )
    expect(page.locator("h1 .state")).to_have_text(confirmed)
    expect(page.locator(".facts")).to_contain_text("web:rita")
    page.get_by_role("link", name=t("web_nav_queue")).click()
    expect(rows).to_have_count(1)


def test_clear_a_page_of_the_queue_at_once(live: LiveDashboard, page: Page, t: Say) -> None:
    live.board.open_cases(*(f"q{i:02}" for i in range(30)), hours=5)
    sign_in(page, t, "rita")
    expect(page.locator("#total")).to_have_text("30")
    page.get_by_label(t("web_select_all")).check()
    expect(page.locator('input[name="case"]:checked')).to_have_count(30)
    page.get_by_role("button", name=t("web_confirm_removal")).click()
    done = t("web_bulk_done", done=30, count=30, decision=t("button_confirm"))
    expect(page.get_by_role("status")).to_have_text(done)
    expect(page.get_by_text(t("web_queue_empty"))).to_be_visible()


def test_import_a_list_with_a_bad_row(
    live: LiveDashboard, page: Page, t: Say, tmp_path: Path
) -> None:
    async def bank(store: SqlStore) -> None:
        await store.create_bank(Bank("ncii"))

    live.board.seed(bank)
    listing = tmp_path / "stopncii.txt"
    listing.write_text(f"md5 {'a' * 32}\nmd5 {'b' * 32}\nmd5 not-a-hash\n")
    sign_in(page, t, "ann")
    page.get_by_role("link", name=t("web_nav_banks")).click()
    row = page.locator("#bank-ncii")
    row.get_by_text(t("web_import_a_list")).click()
    row.get_by_label(t("web_file")).set_input_files(listing)
    row.get_by_label(t("web_source")).fill("StopNCII test")
    row.get_by_role("button", name=t("web_import"), exact=True).click()
    expect(page.locator("#added")).to_have_text("2")
    expect(page.locator("#bad")).to_have_text("1")
    expect(page.locator(".bad-rows")).to_contain_text("line 3")
    page.get_by_role("link", name=t("web_back_to_banks")).click()
    expect(page.locator("#bank-ncii td.num").first).to_have_text("2")


def test_export_the_compliance_report(live: LiveDashboard, page: Page, t: Say) -> None:
    clock = live.board.clock
    cases = [make_case(clock, "m1", hours=3), make_case(clock, "m2", hours=3)]
    live.board.seed(lambda store: store.apply([OpenCase(c) for c in cases]))
    sign_in(page, t, "otto")
    page.get_by_role("link", name=t("web_nav_compliance")).click()
    expect(page.get_by_role("heading", name=t("web_nav_compliance"))).to_be_visible()
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    path = download.value.path()
    table = dict(csv.reader(io.StringIO(Path(path).read_text())))
    assert table["metric"] == "value"
    assert table["cases"] == "2"
    assert download.value.suggested_filename.startswith("compliance-")
    year = clock.now().year - 1 if clock.now().month == 1 else clock.now().year
    page.get_by_role("link", name=t("web_transparency_link", year=year)).click()
    title = t("web_transparency_title", year=year)
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    pdf = page.pdf()  # printable: Chromium renders it to a PDF
    assert pdf.startswith(b"%PDF")


def test_no_english_is_left_on_a_korean_page(live: LiveDashboard, korean_page: Page) -> None:
    """The queue, a case and the accounts page, read in Korean, carry none of the
    English words the catalogue gives them."""
    page = korean_page
    live.board.open_cases("k1", hours=2)
    sign_in(page, lambda key, **fields: say(key, "ko", **fields), "ann")
    for path in ("/", "/cases/k1", "/users", "/banks", "/audit", "/compliance"):
        page.goto(path)
        shown = page.locator("main").inner_text()
        for english in ("Review queue", "Confirm removal", "Accounts", "Filter", "Export"):
            assert english not in shown, (path, english)
