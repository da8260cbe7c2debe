"""The dashboard in Korean and English: the reader's own choice, else what their
browser asks for, else the deployment's; times in the reader's zone, named; and no
template says a word outside the catalogue."""

import re
from pathlib import Path

from bots.web.settings import WebSettings
from core.texts import say
from tests.bots.web.conftest import Dashboard, post

TEMPLATES = sorted((Path(__file__).resolve().parents[3] / "bots/web/templates").glob("*.html"))
# Words a template may carry as they are: names, formats and examples, not sentences.
AS_IS = {"blockfirst", "CSV", "JSON", "auto", "한국어", "English", "pdq", "md5"}


def test_a_korean_browser_gets_korean_pages(dashboard: Dashboard) -> None:
    dashboard.open_cases("k1", hours=3)
    rita = dashboard.client("rita", language="ko-KR,ko;q=0.9,en;q=0.8")
    page = rita.get("/").text
    assert '<html lang="ko">' in page
    assert f"<h1>{say('web_queue_title', 'ko')}</h1>" in page
    assert say("state_open", "ko") in page
    assert "Review queue" not in page


def test_the_browsers_weights_decide_and_else_the_deployments_language(
    dashboard: Dashboard,
) -> None:
    english_first = dashboard.client("rita", language="fr;q=1, en;q=0.9, ko;q=0.5")
    assert '<html lang="en">' in english_first.get("/").text
    silent = dashboard.client("rita", language="")
    assert '<html lang="ko">' in silent.get("/").text  # the deployment's default
    english_deployment = dashboard.client(
        "rita", language="", settings=WebSettings(secret="test-secret", language="en")
    )
    assert '<html lang="en">' in english_deployment.get("/").text


def test_an_accounts_own_language_and_zone_win(dashboard: Dashboard) -> None:
    dashboard.open_cases("z1", hours=3)
    rita = dashboard.client("rita", language="en")
    assert "KST" in rita.get("/cases/z1").text  # the deployment's zone: Asia/Seoul
    saved = post(rita, "/preferences", {"language": "ko", "timezone": "UTC"}, "/preferences")
    assert saved.status_code == 303
    assert say("web_preferences_saved", "ko") in rita.get("/preferences").text
    page = rita.get("/cases/z1").text
    assert '<html lang="ko">' in page
    assert " UTC" in page
    assert "KST" not in page
    mars = {"language": "ko", "timezone": "Mars/Base"}
    refused = post(rita, "/preferences", mars, "/preferences")
    assert refused.status_code == 400
    assert say("web_unknown_zone", "ko", zone="Mars/Base") in refused.text
    wrong = post(rita, "/preferences", {"language": "fr", "timezone": ""}, "/preferences")
    assert wrong.status_code == 400
    post(rita, "/preferences", {"language": "", "timezone": ""}, "/preferences")
    assert '<html lang="en">' in rita.get("/").text  # back to what the browser asks


def test_a_refusal_is_said_in_the_readers_language(dashboard: Dashboard) -> None:
    otto = dashboard.client("otto", language="ko")
    refused = post(otto, "/banks/new", {"name": "x"}, "/banks")
    assert refused.status_code == 403
    assert "감사인이므로 목록 관리 권한이 없습니다" in refused.text


def _unsaid_words(template: str) -> list[str]:
    """Words a template shows outside ``{{ ... }}`` (its text and readable attributes)."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template, flags=re.S)
    readable = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text)  # tags, their attributes with them
    text = re.sub(r"&\w+;|&#\d+;", " ", text)
    letters = "A-Za-z\uac00-\ud7a3"
    words = re.findall(rf"[{letters}][{letters}0-9]+", " ".join([text, *readable]))
    return [w for w in words if w not in AS_IS]


def test_no_template_says_a_word_outside_the_catalogue() -> None:
    found = {p.name: _unsaid_words(p.read_text(encoding="utf-8")) for p in TEMPLATES}
    assert {name: words for name, words in found.items() if words} == {}


def test_the_template_check_finds_words_written_inline() -> None:
    assert _unsaid_words("<h1>Review queue</h1>") == ["Review", "queue"]
    assert _unsaid_words('<input aria-label="Select all">') == ["Select", "all"]
    assert _unsaid_words('<h1>{{ t("web_queue_title") }}</h1><th>#</th>') == []
