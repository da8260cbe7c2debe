"""The dashboard in Korean and English: the reader's own choice, else what their
browser asks for, else the deployment's; times in the reader's zone, named; and no
template says a word outside the catalogue."""

import re
from dataclasses import replace
from pathlib import Path

from bots.web.settings import WebSettings
from core.model import CaseKind
from core.store import SqlStore
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


def test_the_review_request_prints_the_facts_in_korean_and_never_media(
    dashboard: Dashboard,
) -> None:
    """An escalated deletion request, blocked as a temporary measure: its review request
    names the service, the item and its link, who asked and when, the category, what
    matched and from which list, every action with its time, and the audit chain's head."""
    from dataclasses import replace

    from core.audit import AuditRecord
    from core.banks import Bank
    from core.model import CaseState, Report
    from core.writes import Audit, OpenCase
    from tests.factories import make_case

    case = replace(
        make_case(dashboard.clock, "rq1", kind=CaseKind.DELETION_REQUEST, with_message=True),
        state=CaseState.ESCALATED,
        removed=True,
    )
    request = Report("kcsc", "deepfake", "피해자 본인 요청", authority=True, platform="telegram")

    async def seed(store: SqlStore) -> None:
        await store.create_bank(Bank("ncii", description="StopNCII 해시 목록"))
        await store.apply([OpenCase(case, request)])
        await store.apply([Audit(AuditRecord(kind="escalate", case_id="rq1", actor="web:rita"))])

    dashboard.seed(seed)
    rita = dashboard.client("rita", language="en")
    page = rita.get("/cases/rq1/review-request?lang=ko")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="ko">' in text
    for fact in (
        say("rr_title", "ko"),
        say("category_deepfake", "ko"),
        "임시조치 중",
        "https://t.me/c/",  # the item's link (a Telegram supergroup)
        say("rr_from_authority", "ko"),
        "피해자 본인 요청",
        "StopNCII 해시 목록",
        "감사 기록 연쇄: 작성 시점의 마지막 항목",
    ):
        assert fact in text, fact
    assert "<img" not in text
    assert "ref-rq1" not in text  # not even the platform's file reference
    english = rita.get("/cases/rq1/review-request").text
    assert say("rr_title", "en") in english


def test_each_deletion_request_has_one_row_of_its_24_hour_result(dashboard: Dashboard) -> None:
    import csv
    import io
    from datetime import timedelta

    from core.model import CaseState, Report
    from core.writes import OpenCase
    from tests.factories import make_case

    clock = dashboard.clock
    fast = make_case(clock, "dr1", kind=CaseKind.DELETION_REQUEST, with_message=True)
    fast = replace(fast, state=CaseState.CONFIRMED, decided_at=clock.now() + timedelta(hours=3))
    slow = make_case(clock, "dr2", kind=CaseKind.DELETION_REQUEST, with_message=True)
    slow = replace(slow, state=CaseState.CONFIRMED, decided_at=clock.now() + timedelta(hours=30))
    other = make_case(clock, "m1", with_message=True)  # not a deletion request: no row
    asked = Report("kcsc", "deepfake", authority=True, platform="telegram")

    async def seed(store: SqlStore) -> None:
        await store.apply([OpenCase(fast, asked), OpenCase(slow, asked), OpenCase(other)])

    dashboard.seed(seed)
    rita = dashboard.client("rita", language="en")
    answer = rita.get("/compliance/requests.csv?lang=ko")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith('attachment; filename="deletion-')
    rows = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert rows[0][0] == "사건 번호"
    by_case = {row[0]: row for row in rows[1:]}
    assert set(by_case) == {"dr1", "dr2"}
    assert by_case["dr1"][2] == "kcsc"
    assert by_case["dr1"][3] == say("category_deepfake", "ko")
    assert (by_case["dr1"][-1], by_case["dr2"][-1]) == ("예", "아니요")
    assert by_case["dr1"][1].endswith("KST")
    english = list(csv.reader(io.StringIO(rita.get("/compliance/requests.csv").text)))
    assert english[0][-1] == "answered within 24 hours"


def test_an_appeal_decided_from_the_dashboard_by_a_second_reviewer(dashboard: Dashboard) -> None:
    """rita confirmed the removal; the sender objected; rita may not decide the appeal,
    ann may, and reversing it overturns the confirmed case."""
    from core.cases import Appeal
    from core.model import CaseState
    from core.writes import OpenCase
    from tests.factories import make_case

    clock = dashboard.clock
    contested = replace(
        make_case(clock, "c9", with_message=True),
        state=CaseState.CONFIRMED,
        removed=True,
        decided_by="web:rita",
        decided_at=clock.now(),
    )
    appeal = replace(
        make_case(clock, "a9", kind=CaseKind.APPEAL, with_message=True),
        target="telegram:appeal:c9:0:u1",
        appeal=Appeal("c9", "telegram:u1", "sender", "ko", "제 사진입니다", "web:rita", "x"),
    )

    async def seed(store: SqlStore) -> None:
        await store.apply([OpenCase(contested), OpenCase(appeal)])

    dashboard.seed(seed)
    rita = dashboard.client("rita", language="ko")
    page = rita.get("/cases/a9").text
    assert "제 사진입니다" in page
    assert '<a href="/cases/c9">c9</a>' in page
    refused = post(rita, "/cases/a9/decide", {"decision": "overturn"}, "/cases/a9")
    assert refused.status_code == 403
    assert say("appeal_same_reviewer", "ko") in refused.text
    ann = dashboard.client("ann", language="en")
    decided = post(ann, "/cases/a9/decide", {"decision": "overturn", "note": "hers"}, "/cases/a9")
    assert decided.status_code == 303
    case_page = ann.get("/cases/c9").text
    assert f"state-{CaseState.OVERTURNED.value}" in case_page
