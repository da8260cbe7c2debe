"""Content, deletion requests, cases and decisions over the API, with the effects
delivered as signed webhooks to a real receiver on loopback."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.api.settings import ApiSettings, WebhookTarget
from adapters.api.webhooks import sign, verify
from core.api_tokens import Scope
from core.banks import Entry
from core.media.hashing import hash_media
from tests.adapters.api.conftest import Api, check_against_document
from tests.adapters.api.receiver import SECRET, Receiver
from tests.core.engine_helpers import BANNED, HARMLESS
from tests.net import Served

PDQ = next(s.value for s in hash_media(BANNED).signals if s.signal_type == "pdq")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()
    with Served(hook.app) as served:
        yield hook, f"{served.url}/hook"


@pytest.fixture
async def hooked(
    api_factory: Callable[..., Any], receiver: tuple[Receiver, str]
) -> tuple[Api, Receiver]:
    hook, url = receiver
    api: Api = await api_factory(ApiSettings(webhooks={"shop": WebhookTarget(url, SECRET)}))
    return api, hook


async def _client(api: Api, name: str = "shop") -> str:
    """A client that may submit and decide (the webhook's, in ``hooked``)."""
    return await api.token_for(name, Scope.SUBMIT, Scope.DECIDE)


def _item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"item_id": item_id, "room": "board-7", "uploader": "user-42", **extra}


async def test_an_uploaded_banned_photo_is_deleted_at_once_and_the_webhooks_follow(
    api_factory: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    api: Api = await api_factory(ApiSettings(webhooks={"shop": WebhookTarget(url, SECRET)}))
    token = await api.token_for("shop", Scope.SUBMIT)
    files = {"media": ("p.jpg", BANNED, "image/jpeg")}
    form = {"item": '{"item_id": "post-1", "room": "board-7", "uploader": "user-42"}'}
    response = await api.client.post("/v1/items", data=form, files=files, headers=api.auth(token))
    answer = check_against_document(response, "/v1/items", "post")
    assert (answer["verdict"], answer["duplicate"], answer["dry_run"]) == ("delete", False, False)
    assert {m["signal_type"] for m in answer["matches"]} >= {"pdq", "sha256"}
    case_id = answer["case"]["id"]
    assert hook.actions()[0] == "delete"
    delete = hook.events[0]
    assert (delete["case_id"], delete["room"], delete["item_ids"]) == (
        case_id,
        "board-7",
        ["post-1"],
    )
    assert "post_card" in hook.actions()  # the case opened, with its facts
    assert hook.refused == 0
    again = await api.client.post("/v1/items", data=form, files=files, headers=api.auth(token))
    repeated = again.json()
    assert (repeated["duplicate"], repeated["case"]["id"], repeated["verdict"]) == (
        True,
        case_id,
        "delete",
    )
    assert len(hook.events) == len(set(hook.keys))
    assert len(await api.store.list_cases()) == 1


async def test_harmless_and_hashed_items(api_factory: Callable[..., Any]) -> None:
    api: Api = await api_factory()
    token = await _client(api)
    harmless = await api.client.post(
        "/v1/items",
        data={"item": '{"item_id": "p2", "room": "r", "uploader": "u"}'},
        files={"media": ("h.jpg", HARMLESS, "image/jpeg")},
        headers=api.auth(token),
    )
    assert check_against_document(harmless, "/v1/items", "post")["verdict"] == "allow"
    hashed = await api.client.post(
        "/v1/items",
        json=_item("p3", hashes=[{"signal_type": "pdq", "value": PDQ}]),
        headers=api.auth(token),
    )
    answer = check_against_document(hashed, "/v1/items", "post")
    assert answer["verdict"] == "delete"  # matched on the platform's own hash, no bytes sent
    assert answer["matches"][0]["signal_type"] == "pdq"
    effects = await api.client.get(f"/v1/cases/{answer['case']['id']}", headers=api.auth(token))
    failed = [e for e in effects.json()["history"]["effects"] if e["state"] == "failed"]
    assert failed  # no webhook configured: the effects say so, on the case
    assert all("no webhook for api:shop" in e["error"] for e in failed)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"room": "r", "uploader": "u"}, "item_id: required"),
        (_item("x", links="http://a"), "links: expected a list"),
        (_item("x", hashes=[{"signal_type": "pdq", "value": "zz"}]), "hashes[0].value"),
        (_item("x", hashes=[{"signal_type": "nope", "value": "a"}]), "hashes[0].signal_type"),
        (_item("x", text=5), "text: expected a string"),
        (_item("x" * 200), "item_id: at most 128"),
    ],
)
async def test_a_bad_item_is_400_naming_the_field(
    api: Api, body: dict[str, Any], message: str
) -> None:
    token = await _client(api)
    response = await api.client.post("/v1/items", json=body, headers=api.auth(token))
    assert response.status_code == 400
    assert message in check_against_document(response, "/v1/items", "post")["message"]


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b"\xff\xfe", b"[1, 2]", b'{"item_id": '],
    ids=["deep", "not-utf8", "not-an-object", "cut-off"],
)
async def test_a_body_that_is_not_a_json_object_is_400(api: Api, raw: bytes) -> None:
    token = await _client(api)
    headers = {**api.auth(token), "Content-Type": "application/json"}
    response = await api.client.post("/v1/items", content=raw, headers=headers)
    assert response.status_code == 400
    assert check_against_document(response, "/v1/items", "post")["message"].startswith("body:")


async def test_a_lookup_token_cannot_submit(api: Api) -> None:
    response = await api.client.post("/v1/items", json=_item("p"), headers=api.auth())
    assert response.status_code == 403


async def test_an_authority_request_blocks_first_and_a_reviewer_overturns_it(
    hooked: tuple[Api, Receiver],
) -> None:
    api, hook = hooked
    token = await _client(api)
    request = {"category": "deepfake", "item_id": "post-9", "room": "board-7", "authority": True}
    response = await api.client.post("/v1/requests", json=request, headers=api.auth(token))
    answer = check_against_document(response, "/v1/requests", "post")
    assert answer["block"] is True
    case_id = answer["case"]["id"]
    assert answer["case"]["kind"] == "deletion_request"
    assert "delete" in hook.actions()
    decision = {"decision": "overturn", "reviewer": "mod-kim", "note": "satire, not a deepfake"}
    decided = await api.client.post(
        f"/v1/cases/{case_id}/decision", json=decision, headers=api.auth(token)
    )
    assert check_against_document(decided, "/v1/cases/{case_id}/decision", "post")["state"] == (
        "overturned"
    )
    assert "restore" in hook.actions()
    case = await api.client.get(f"/v1/cases/{case_id}", headers=api.auth(token))
    history = check_against_document(case, "/v1/cases/{case_id}")["history"]
    assert history["decisions"][0]["by"] == "api:shop:mod-kim"


async def test_a_client_never_reaches_another_clients_case(hooked: tuple[Api, Receiver]) -> None:
    api, _ = hooked
    mine = await _client(api)
    other = await api.token_for("rival", Scope.SUBMIT, Scope.DECIDE)
    body = {"category": "csam", "item_id": "p", "room": "r", "authority": True}
    case_id = (await api.client.post("/v1/requests", json=body, headers=api.auth(mine))).json()[
        "case"
    ]["id"]
    for call in (
        api.client.get(f"/v1/cases/{case_id}", headers=api.auth(other)),
        api.client.post(
            f"/v1/cases/{case_id}/decision",
            json={"decision": "confirm", "reviewer": "x"},
            headers=api.auth(other),
        ),
    ):
        response = await call
        assert response.status_code == 404
        assert "for api:rival" in response.json()["message"]


async def test_a_receiver_outage_loses_nothing_and_doubles_nothing(
    hooked: tuple[Api, Receiver],
) -> None:
    api, hook = hooked
    token = await _client(api)
    hook.fail_next = 100  # down
    body = _item("p-out", hashes=[{"signal_type": "pdq", "value": PDQ}])
    answer = (await api.client.post("/v1/items", json=body, headers=api.auth(token))).json()
    assert answer["verdict"] == "delete"  # the answer does not wait for the webhook
    case = await api.client.get(f"/v1/cases/{answer['case']['id']}", headers=api.auth(token))
    pending = [e for e in case.json()["history"]["effects"] if e["state"] == "pending"]
    assert (hook.events, hook.calls) == ([], len(pending))  # one attempt each, then the next round
    hook.fail_next = len(pending)  # still down for one more round
    await api.moderator.run_outbox()
    assert hook.events == []
    await api.moderator.run_outbox()  # back
    assert "delete" in hook.actions()
    delivered = len(hook.events)
    await api.moderator.run_outbox()  # nothing left to send
    assert len(hook.events) == delivered
    assert len(hook.keys) == len(set(hook.keys))


async def test_metrics_count_webhook_endings_for_a_token_holder(
    hooked: tuple[Api, Receiver],
) -> None:
    api, hook = hooked
    token = await _client(api)
    hook.fail_next = 100
    body = _item("p-m", hashes=[{"signal_type": "pdq", "value": PDQ}])
    await api.client.post("/v1/items", json=body, headers=api.auth(token))
    assert (await api.client.get("/metrics")).status_code == 401
    text = (await api.client.get("/metrics", headers=api.auth())).text
    assert 'blockfirst_effects_total{kind="delete",result="pending"} 1.0' in text
    assert "blockfirst_queue_size 1.0" in text


def test_a_signature_checks_the_secret_the_body_and_the_time() -> None:
    body, now = b'{"action":"delete"}', time.time()
    header = sign(SECRET, body, int(now))
    assert verify(SECRET, header, body, now)
    assert not verify(SECRET, header, body + b" ", now)  # another body
    assert not verify("another-secret-" + "x" * 32, header, body, now)
    assert not verify(SECRET, header, body, now + 301)  # a replay, later
    assert not verify(SECRET, "t=abc,v1=00", body, now)
    assert not verify(SECRET, "", body, now)


async def test_a_rooms_settings_change_what_its_items_get(api: Api) -> None:
    admin = await api.token_for("shop", Scope.SUBMIT, Scope.BANKS)
    path = "/v1/rooms/board-7/settings"
    current = await api.client.get(path, headers=api.auth(admin))
    assert check_against_document(current, "/v1/rooms/{room}/settings")["mode"] == "enforce"
    changed = await api.client.put(path, json={"mode": "dry-run"}, headers=api.auth(admin))
    assert check_against_document(changed, "/v1/rooms/{room}/settings", "put")["mode"] == (
        "dry-run"
    )
    body = _item("p-dry", hashes=[{"signal_type": "pdq", "value": PDQ}])
    answer = (await api.client.post("/v1/items", json=body, headers=api.auth(admin))).json()
    assert (answer["verdict"], answer["dry_run"]) == ("delete", True)  # recorded, not acted on
    bad = await api.client.put(path, json={"mode": "loud"}, headers=api.auth(admin))
    assert (bad.status_code, bad.json()["message"]) == (400, "mode: one of enforce, dry-run")
    submit_only = await api.token_for("poster", Scope.SUBMIT)
    refused = await api.client.put(path, json={"notice": False}, headers=api.auth(submit_only))
    assert refused.status_code == 403
    audit = [e.record async for e in api.store.iter_audit() if e.record.kind == "settings"]
    assert [(r.platform, r.chat_id, r.actor) for r in audit] == [
        ("api:shop", "board-7", "api:shop")
    ]


async def test_an_uploader_objects_and_another_reviewer_reverses(
    hooked: tuple[Api, Receiver],
) -> None:
    api, hook = hooked
    token = await _client(api)
    files = {"media": ("p.jpg", BANNED, "image/jpeg")}
    form = {"item": '{"item_id": "post-5", "room": "board-7", "uploader": "user-42"}'}
    posted = await api.client.post("/v1/items", data=form, files=files, headers=api.auth(token))
    case_id = posted.json()["case"]["id"]
    confirm = {"decision": "confirm", "reviewer": "mod-kim"}
    await api.client.post(f"/v1/cases/{case_id}/decision", json=confirm, headers=api.auth(token))
    stranger = {"objector": "user-7", "text": "not mine either", "language": "en"}
    refused = await api.client.post(
        f"/v1/cases/{case_id}/objection", json=stranger, headers=api.auth(token)
    )
    assert refused.status_code == 400
    objection = {"objector": "user-42", "text": "I drew this myself", "language": "ko"}
    opened = await api.client.post(
        f"/v1/cases/{case_id}/objection", json=objection, headers=api.auth(token)
    )
    appeal = check_against_document(opened, "/v1/cases/{case_id}/objection", "post")
    assert (appeal["kind"], appeal["state"]) == ("appeal", "open")
    same = {"decision": "overturn", "reviewer": "mod-kim"}
    four_eyes = await api.client.post(
        f"/v1/cases/{appeal['id']}/decision", json=same, headers=api.auth(token)
    )
    assert four_eyes.status_code == 400
    assert "another reviewer" in four_eyes.json()["message"]
    other = {"decision": "overturn", "reviewer": "mod-lee", "note": "original work"}
    await api.client.post(f"/v1/cases/{appeal['id']}/decision", json=other, headers=api.auth(token))
    contested = await api.client.get(f"/v1/cases/{case_id}", headers=api.auth(token))
    assert contested.json()["state"] == "overturned"
    assert "restore" in hook.actions()
    replies = [e for e in hook.events if e["action"] == "reply"]
    assert any("조치를 취소하고 복원합니다" in r["text"] for r in replies)


async def test_an_items_text_file_names_and_uploader_name_are_read_by_text_rules(
    api_factory: Callable[..., Any],
) -> None:
    api: Api = await api_factory()
    await api.store.add_entries("ncii", [Entry("text", "몰카팝니다")])
    await api.moderator.follow_banks()
    token = await _client(api)
    by_file = await api.client.post(
        "/v1/items",
        json=_item("t1", text="신작", file_names=["몰카-팝니다.zip"]),
        headers=api.auth(token),
    )
    answer = check_against_document(by_file, "/v1/items", "post")
    assert answer["verdict"] == "delete"
    assert [(m["place"], m["words"]) for m in answer["matches"]] == [("file_name", "몰카-팝니다")]
    by_name = await api.client.post(
        "/v1/items", json=_item("t2", uploader_name="몰카 팝니다"), headers=api.auth(token)
    )
    named = check_against_document(by_name, "/v1/items", "post")
    assert named["verdict"] == "review"  # a name is reviewed, never deleted for
    assert named["matches"][0]["place"] == "sender_name"
    too_many = await api.client.post(
        "/v1/items", json=_item("t3", file_names=["a"] * 21), headers=api.auth(token)
    )
    assert too_many.status_code == 400
