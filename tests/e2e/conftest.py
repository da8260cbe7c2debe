"""The dashboard served by uvicorn on a loopback port (in a thread, with its own
event loop) and driven by Playwright in Debian's headless Chromium.

Playwright is told to use /usr/bin/chromium and downloads no browser; `make`
installs the `chromium` package. Chromium's background networking is off, as
this machine (and CI) reaches no other host.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bots.web.app import create_app, standalone
from bots.web.settings import WebSettings
from tests.bots.web.conftest import PASSWORD, Dashboard, dashboard, password_hash
from tests.net import Served

__all__ = ["PASSWORD", "LiveDashboard", "dashboard", "password_hash"]

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


class LiveDashboard(Served):
    def __init__(self, board: Dashboard) -> None:
        self.board = board
        super().__init__(
            create_app(WebSettings(secret="e2e-" + "s" * 32), lambda: standalone(board.db_url))
        )


@pytest.fixture(scope="module")  # Playwright's loop must end before other tests run
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "install Debian's chromium package (make test does, as root)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def live(dashboard: Dashboard) -> Iterator[LiveDashboard]:
    with LiveDashboard(dashboard) as served:
        yield served


@pytest.fixture(params=["en", "ko"])
def lang(request: pytest.FixtureRequest) -> str:
    """Every browser walk runs twice: a reader whose browser asks for English, and one
    whose browser asks for Korean."""
    return str(request.param)


@pytest.fixture
def page(browser: Browser, live: LiveDashboard, lang: str) -> Iterator[Page]:
    """A fresh browser context in ``lang`` (see ``watched``)."""
    yield from watched(browser, live, {"en": "en-US", "ko": "ko-KR"}[lang])


@pytest.fixture
def korean_page(browser: Browser, live: LiveDashboard) -> Iterator[Page]:
    """A browser context in Korean, for checks of the Korean pages alone."""
    yield from watched(browser, live, "ko-KR")


def watched(browser: Browser, live: LiveDashboard, locale: str) -> Iterator[Page]:
    """A page that fails the test on a script error, a CSP violation or any image
    request (the dashboard must never show media)."""
    context = browser.new_context(base_url=live.url, accept_downloads=True, locale=locale)
    opened = context.new_page()
    problems: list[str] = []
    # A page answered 401 or 403 is an outcome the tests check; a script, a style
    # sheet or anything else failing to load is a problem.
    opened.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    opened.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.on(
        "request",
        lambda r: problems.append(f"image {r.url}") if r.resource_type == "image" else None,
    )
    yield opened
    context.close()
    assert problems == []
