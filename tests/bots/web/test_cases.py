"""The queue and the case page: ordering, filters, paging, countdowns, decisions
(one at a time and in bulk), and the same decision seen from chat and dashboard."""

import html
import re
from dataclasses import replace
from typing import Any

from core.banks import Bank
from core.engine.moderator import Moderator
from core.matching.matcher import Matcher
from core.model import Decision
from core.store import SqlStore
from core.texts import say
from core.writes import OpenCase
from tests.bots.web.conftest import Dashboard, post
from tests.factories import make_case
from tests.fakes import FakePlatform

_ROW = re.compile(r'name="case" value="([^"]+)"')


def queue_ids(client: Any, query: str = "") -> list[str]:
    response = client.get(f"/?{query}")
    assert response.status_code == 200, response.text[-300:]
    return _ROW.findall(response.text)


def test_the_queue_is_sorted_by_time_left_and_marks_overdue(dashboard: Dashboard) -> None:
    dashboard.open_cases("late", hours=-2)
    dashboard.open_cases("soon", hours=1)
    dashboard.open_cases("later", hours=20)
    client = dashboard.client("otto")
    page = client.get("/").text
    assert queue_ids(client) == ["late", "soon", "later"]
    assert re.search(
        r'<tr class="overdue">\s*<td><input type="checkbox" name="case" value="late"', page
    )
    assert "overdue 2h 00m" in page  # rendered by the server; the script keeps it ticking
    assert "0h 59m" in page or "1h 00m 00s left" in page
    assert 'data-deadline="' in page
    assert "1 overdue" in page


def test_filters_and_paging(dashboard: Dashboard) -> None:
    dashboard.open_cases("t1", "t2", hours=3)
    dashboard.open_cases("d1", platform="discord", chat="55", banks=("gifct",), hours=4)
    dashboard.open_cases("f1", category="illegal_filming", hours=5)
    client = dashboard.client("otto")
    assert queue_ids(client, "platform=discord") == ["d1"]
    assert queue_ids(client, "bank=gifct") == ["d1"]
    assert queue_ids(client, "category=illegal_filming") == ["f1"]
    assert queue_ids(client, "platform=telegram&chat=-100") == ["t1", "t2", "f1"]
    assert queue_ids(client, "per=2") == ["t1", "t2"]
    assert queue_ids(client, "per=2&page=2") == ["d1", "f1"]
    assert "page 2 of 2" in client.get("/?per=2&page=2").text
    assert queue_ids(client, "state=confirmed") == []
    assert client.get("/?state=bogus").status_code == 400
    assert client.get("/?page=x").status_code == 400


def test_the_case_page_shows_every_fact_and_no_media(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1", hours=3)
    client = dashboard.client("otto")
    page = client.get("/cases/c1").text
    for fact in (
        "look at this",  # the text
        "someone",  # the sender's name
        "<code>u1</code>",  # the sender's id
        "key-c1",  # the file key (a reference, not the file)
        "pdq act band, deepfake",  # why
        "<td>ncii</td><td>md5</td><td>0</td>",  # bank, signal, distance
        "ab" * 32,  # the PDQ signal
    ):
        assert fact in page
    assert "<img" not in page
    assert "ref-c1" not in page  # the platform reference that would fetch the file
    assert client.get("/cases/NOPE").status_code == 400


def test_message_links_per_platform(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1", chat="-1001234", hours=3)
    dashboard.open_cases("c2", platform="discord", chat="55", hours=3)
    client = dashboard.client("otto")
    assert "https://t.me/c/1234/c1" in client.get("/cases/c1").text
    assert "https://discord.com/channels/@me/55/c2" in client.get("/cases/c2").text


def test_a_decision_is_recorded_audited_and_queued_for_the_chat(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1", hours=3)
    rita = dashboard.client("rita")
    response = post(rita, "/cases/c1/decide", {"decision": "ban", "note": "clear match"})
    assert response.status_code == 303
    assert response.headers["location"] == "/cases/c1"
    page = rita.get("/cases/c1").text
    assert "Case c1 is confirmed." in page  # the flash, once
    assert "Case c1 is confirmed." not in rita.get("/cases/c1").text
    assert "web:rita" in page
    assert "clear match" in page

    async def pending(store: SqlStore) -> list[str]:
        return [e.kind.value for e in await store.pending_effects(["telegram"])]

    assert sorted(dashboard.seed(pending)) == ["ban", "update_card"]  # for the bot process
    again = post(rita, "/cases/c1/decide", {"decision": "overturn"}, "/cases/c1")
    assert again.status_code == 400
    assert "already confirmed" in again.text
    assert post(rita, "/cases/c1/decide", {"decision": "smite"}).status_code == 400


def test_a_dashboard_decision_edits_the_chat_card_at_once(dashboard: Dashboard) -> None:
    platform = FakePlatform("fake")
    case = replace(make_case(dashboard.clock, "c1", platform="fake"), card_ref="card-1")
    dashboard.seed(lambda store: store.apply([OpenCase(case)]))
    rita = dashboard.client("rita", platforms={"fake": platform})
    assert post(rita, "/cases/c1/decide", {"decision": "confirm"}).status_code == 303
    assert platform.of("update_card") == [("update_card", "card-1", "c1")]
    card = platform.cards["card-1"]
    assert card.decisions == ()
    assert say("card_decided", "ko", reviewer="web:rita") in card.lines


def test_a_chat_decision_shows_in_the_dashboard(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1", hours=3)
    otto = dashboard.client("otto")
    assert queue_ids(otto) == ["c1"]

    async def decide_in_chat(store: SqlStore) -> None:
        await store.add_reviewer("telegram:7", by="test")
        async with Moderator(store, {}, Matcher([])) as moderator:
            await moderator.on_decision("c1", Decision.OVERTURN, "telegram:7")

    dashboard.seed(decide_in_chat)
    assert queue_ids(otto) == []
    page = otto.get("/cases/c1").text
    assert "overturned" in page
    assert "telegram:7" in page


def test_notes_and_the_review_request_export(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1", hours=3)
    rita = dashboard.client("rita")
    assert post(rita, "/cases/c1/note", {"note": "asked the chat admin"}).status_code == 303
    assert post(rita, "/cases/c1/note", {"note": "   "}).status_code == 400
    assert "asked the chat admin" in rita.get("/cases/c1").text
    exported = rita.get("/cases/c1/export.json")
    assert exported.headers["content-disposition"] == 'attachment; filename="case-c1.json"'
    facts = exported.json()
    assert facts["id"] == "c1"
    assert facts["matches"][0]["bank"] == "ncii"
    assert facts["sender"] == {"id": "u1", "kind": "user"}
    assert len(facts["audit"]) == 1  # the note's entry hash


def test_a_reviewer_clears_a_queue_of_1000_cases(dashboard: Dashboard) -> None:
    cases = [make_case(dashboard.clock, f"q{i:04}", hours=1 + i % 48) for i in range(1000)]
    dashboard.seed(lambda store: store.apply([OpenCase(c) for c in cases]))
    rita = dashboard.client("rita")
    rounds = 0
    while ids := queue_ids(rita, "per=200"):
        response = post(
            rita, "/cases/bulk", {"case": ids, "decision": "confirm", "next": "/?per=200"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/?per=200"
        rounds += 1
        assert rounds <= 5
    assert rounds == 5
    assert "The queue is clear." in rita.get("/").text
    confirmed = rita.get("/?state=confirmed&per=200").text
    assert '<span id="total">1000</span> cases shown' in confirmed


def test_bulk_decisions_report_what_failed(dashboard: Dashboard) -> None:
    dashboard.open_cases("b1", "b2", hours=3)
    rita = dashboard.client("rita")
    post(rita, "/cases/b1/decide", {"decision": "confirm"})
    response = post(rita, "/cases/bulk", {"case": ["b1", "b2", "nope"], "decision": "overturn"})
    assert response.status_code == 303
    flash = html.unescape(rita.get("/").text)
    assert "1 of 3 cases: Overturn." in flash
    assert "b1: Case b1 is already confirmed; it cannot be changed now." in flash
    assert "nope: There is no case nope." in flash
    post(rita, "/cases/bulk", {"decision": "confirm"})
    assert "No case was ticked." in rita.get("/").text


def test_this_image_is_fine_from_the_case_page(dashboard: Dashboard) -> None:
    async def bank(store: SqlStore) -> None:
        await store.create_bank(Bank("ncii", category="deepfake"))

    dashboard.seed(bank)
    dashboard.open_cases("c1", hours=3)
    rita = dashboard.client("rita")
    assert "Overturn: this image is fine" in html.unescape(rita.get("/cases/c1").text)
    response = post(rita, "/cases/c1/decide", {"decision": "fine"}, "/cases/c1")
    assert response.status_code == 303
    assert "Case c1 is overturned." in rita.get("/cases/c1").text

    async def allowed(store: SqlStore) -> list[tuple[str, str, bool]]:
        return [(e.signal_type, e.source, e.allow) async for e in store.iter_entries("ncii")]

    assert sorted(dashboard.seed(allowed)) == [
        ("md5", "case:c1", True),
        ("pdq", "case:c1", True),
    ]


def test_copies_join_one_case_counted_on_the_queue_and_the_case_page(
    dashboard: Dashboard,
) -> None:
    key = (("sha256", "ab" * 32),)
    first = make_case(dashboard.clock, "first", hours=1, with_message=True)
    busy = make_case(dashboard.clock, "busy", hours=5, with_message=True)
    copies = [
        make_case(dashboard.clock, f"copy{i}", chat=f"-20{i % 2}", with_message=True)
        for i in range(3)
    ]

    async def seed(store: SqlStore) -> None:
        await store.apply([OpenCase(first), OpenCase(busy, keys=key)])
        await store.apply([OpenCase(c, keys=key) for c in copies])  # posts of busy's item

    dashboard.seed(seed)
    client = dashboard.client("otto")
    assert queue_ids(client) == ["first", "busy"]
    assert queue_ids(client, "sort=copies") == ["busy", "first"]
    assert "4 in 3 chats" in client.get("/").text
    page = html.unescape(client.get("/cases/busy").text)
    assert "4 posts of this item in 3 chat(s) (one decision acts on all)" in page
    assert page.count("<code>copy") == 3  # each copy's message id
