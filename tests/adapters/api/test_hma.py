"""The HMA-compatible endpoints, called the way HMA's own tests and client call them
(query parameters, a multipart field named after the content type), each answer
checked against the OpenAPI document."""

from collections.abc import Callable
from typing import Any

import pytest

from adapters.api.settings import ApiSettings
from core.api_tokens import Scope
from core.media.hashing import hash_media
from tests.adapters.api.conftest import Api, check_against_document
from tests.core.engine_helpers import BANNED, HARMLESS, MIRRORED

PDQ = next(s.value for s in hash_media(BANNED).signals if s.signal_type == "pdq")
SHA256 = next(s.value for s in hash_media(BANNED).signals if s.signal_type == "sha256")


async def _entry_id(api: Api, signal_type: str) -> int:
    entries = [e async for e in api.store.iter_entries("ncii")]
    return next(e.id for e in entries if e.signal_type == signal_type)  # type: ignore[misc]


async def test_raw_lookup_answers_entry_ids_and_distances(api: Api) -> None:
    query = f"/m/raw_lookup?signal_type=pdq&signal={PDQ}"
    plain = await api.client.get(query, headers=api.auth())
    assert check_against_document(plain, "/m/raw_lookup") == {
        "matches": [await _entry_id(api, "pdq")]
    }
    near = await api.client.get(query + "&include_distance=true", headers=api.auth())
    expected = {"bank_content_id": await _entry_id(api, "pdq"), "distance": "0"}
    assert check_against_document(near, "/m/raw_lookup") == {"matches": [expected]}
    other = await api.client.get(query + "&banks=off", headers=api.auth())
    assert other.json() == {"matches": []}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("signal=abc", "signal_type is required"),
        ("signal_type=pdq", "signal is required"),
        ("signal_type=nope&signal=abc", "No such SignalType 'nope'"),
        ("signal_type=pdq&signal=zz", "invalid signal"),
        (f"signal_type=pdq&signal={PDQ}&include_distance=maybe", "invalid boolean"),
    ],
)
async def test_raw_lookup_refuses_bad_input_by_name(api: Api, query: str, message: str) -> None:
    response = await api.client.get(f"/m/raw_lookup?{query}", headers=api.auth())
    assert response.status_code == 400
    assert message in check_against_document(response, "/m/raw_lookup")["message"]


async def test_lookup_by_signal_groups_matches_by_bank(api: Api) -> None:
    response = await api.client.get(
        f"/m/lookup?signal_type=sha256&signal={SHA256}", headers=api.auth()
    )
    expected = [{"bank_content_id": await _entry_id(api, "sha256"), "distance": "0"}]
    assert check_against_document(response, "/m/lookup") == {"ncii": expected}
    response = await api.client.get("/m/lookup?signal_type=pdq", headers=api.auth())
    assert response.status_code == 400
    assert "Either url or both signal and signal_type" in response.json()["message"]


async def test_an_uploaded_photo_is_hashed_in_memory_and_matched_by_type(api: Api) -> None:
    files = {"photo": ("leak.png", MIRRORED, "image/png")}  # a mirrored copy
    response = await api.client.post("/m/lookup", files=files, headers=api.auth())
    found = check_against_document(response, "/m/lookup", "post")
    assert list(found["pdq"]) == ["ncii"]
    assert found["sha256"] == {}  # other bytes: no exact match
    harmless = await api.client.post(
        "/m/lookup", files={"photo": ("x.jpg", HARMLESS, "image/jpeg")}, headers=api.auth()
    )
    assert all(banks == {} for banks in harmless.json().values())


async def test_hashing_an_upload_gives_every_signal_or_the_types_asked_for(api: Api) -> None:
    files = {"photo": ("a.jpg", BANNED, "image/jpeg")}
    every = await api.client.post("/h/hash", files=files, headers=api.auth())
    expected = {s.signal_type: s.value for s in hash_media(BANNED).signals}
    assert check_against_document(every, "/h/hash", "post") == expected
    some = await api.client.post("/h/hash?types=pdq,md5", files=files, headers=api.auth())
    assert some.json() == {k: expected[k] for k in ("pdq", "md5")}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"document": ("a.jpg", BANNED, "image/jpeg")}, "no such content_type: 'document'"),
        (
            [
                ("photo", ("a.jpg", BANNED, "image/jpeg")),
                ("photo", ("b.jpg", BANNED, "image/jpeg")),
            ],
            "Only one file allowed",
        ),
        ({"photo": ("a.jpg", b"", "image/jpeg")}, "the uploaded photo is empty"),
    ],
    ids=["unknown-field", "two-files", "empty"],
)
async def test_bad_uploads_are_400_with_the_reason(api: Api, files: Any, message: str) -> None:
    response = await api.client.post("/h/hash", files=files, headers=api.auth())
    assert response.status_code == 400
    assert message in check_against_document(response, "/h/hash", "post")["message"]


async def test_a_form_that_is_not_an_upload_is_refused(api: Api) -> None:
    response = await api.client.post("/m/lookup", data={"photo": "text"}, headers=api.auth())
    assert response.status_code == 400
    assert "expected a multipart/form-data upload" in response.json()["message"]
    boundary = "b0undary"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="photo"\r\n\r\ntext\r\n'
    response = await api.client.post(
        "/m/lookup",
        content=(body + f"--{boundary}--\r\n").encode(),
        headers={**api.auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert "Missing multipart/form-data file upload" in response.json()["message"]


async def test_urls_are_not_fetched_unless_switched_on(api: Api) -> None:
    for path in ("/h/hash?url=https://example.com/a.jpg", "/m/lookup?url=https://x.test/a.png"):
        response = await api.client.get(path, headers=api.auth())
        assert response.status_code == 403
        assert "api.fetch_urls" in response.json()["message"]


async def test_switched_on_the_url_fetch_stays_guarded(api_factory: Callable[..., Any]) -> None:
    api: Api = await api_factory(ApiSettings(fetch_urls=True))
    response = await api.client.get("/h/hash?url=http://127.0.0.1:1/a.jpg", headers=api.auth())
    assert response.status_code == 400
    assert "loopback" in check_against_document(response, "/h/hash")["message"]


async def test_index_status_and_bank_listing(api: Api) -> None:
    status = check_against_document(
        await api.client.get("/m/index/status", headers=api.auth()), "/m/index/status"
    )
    assert (status["pdq"]["present"], status["pdq"]["size"]) == (True, 1)
    assert status["vpdq"] == {"present": False, "built_to": -1, "size": 0}
    one = await api.client.get("/m/index/status?signal_type=pdq", headers=api.auth())
    assert list(one.json()) == ["pdq"]
    bad = await api.client.get("/m/index/status?signal_type=nope", headers=api.auth())
    assert bad.status_code == 400
    banks = check_against_document(await api.client.get("/c/banks", headers=api.auth()), "/c/banks")
    assert banks == [
        {"name": "ncii", "matching_enabled_ratio": 1.0},
        {"name": "off", "matching_enabled_ratio": 0.0},
    ]
    bank = await api.client.get("/c/bank/ncii", headers=api.auth())
    assert check_against_document(bank, "/c/bank/{name}") == banks[0]
    missing = await api.client.get("/c/bank/nope", headers=api.auth())
    assert missing.status_code == 404
    assert check_against_document(missing, "/c/bank/{name}") == {"message": "bank 'nope' not found"}


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        ({}, 401, "missing token"),
        ({"Authorization": "Basic abc"}, 401, "missing token"),
        ({"Authorization": "Bearer bf_not-a-token"}, 401, "unknown token"),
    ],
)
async def test_no_token_or_a_wrong_one_is_401(
    api: Api, header: dict[str, str], status: int, message: str
) -> None:
    response = await api.client.get("/c/banks", headers=header)
    assert response.status_code == status
    assert message in check_against_document(response, "/c/banks")["message"]


async def test_a_revoked_token_or_a_missing_scope_is_refused(api: Api) -> None:
    submit_only = await api.token_for("uploader", Scope.SUBMIT)
    response = await api.client.get("/c/banks", headers=api.auth(submit_only))
    assert response.status_code == 403
    assert "lacks the 'lookup' scope" in response.json()["message"]
    assert await api.store.revoke_token("shop1", api.clock.now())
    response = await api.client.get("/c/banks", headers=api.auth())
    assert (response.status_code, response.json()) == (
        401,
        {"message": "token api:shop1 was revoked"},
    )


async def test_each_token_has_its_own_rate_limit(api_factory: Callable[..., Any]) -> None:
    api: Api = await api_factory(ApiSettings(requests_per_minute=3))
    other = await api.token_for("other", Scope.LOOKUP)
    codes = [(await api.client.get("/c/banks", headers=api.auth())).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = await api.client.get("/c/banks", headers=api.auth())
    assert limited.headers["Retry-After"] == "60"
    assert (await api.client.get("/c/banks", headers=api.auth(other))).status_code == 200
    api.clock.advance(seconds=61)
    assert (await api.client.get("/c/banks", headers=api.auth())).status_code == 200


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    api_factory: Callable[..., Any],
) -> None:
    api: Api = await api_factory(ApiSettings(max_body_bytes=1000))
    files = {"photo": ("a.jpg", BANNED, "image/jpeg")}
    response = await api.client.post("/h/hash", files=files, headers=api.auth())
    assert response.status_code == 413
    assert "1000-byte limit" in check_against_document(response, "/h/hash", "post")["message"]


async def test_unknown_paths_and_methods_answer_json(api: Api) -> None:
    missing = await api.client.get("/m/nothing", headers=api.auth())
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    wrong = await api.client.delete("/c/banks", headers=api.auth())
    assert wrong.status_code == 405
    assert wrong.json() == {"message": "Method Not Allowed"}


async def test_a_banks_token_banks_content_as_hma_curation_does(api: Api) -> None:
    token = await api.token_for("curator", Scope.BANKS, Scope.LOOKUP)
    created = await api.client.post("/c/banks", json={"name": "shared"}, headers=api.auth(token))
    assert check_against_document(created, "/c/banks", "post") == {
        "name": "shared",
        "matching_enabled_ratio": 1.0,
    }
    assert (await api.store.get_bank("shared")).action.value == "review"  # acts only if asked
    again = await api.client.post("/c/banks", json={"name": "shared"}, headers=api.auth(token))
    assert again.status_code == 403
    files = {"photo": ("h.jpg", HARMLESS, "image/jpeg")}
    banked = await api.client.post("/c/bank/shared/content", files=files, headers=api.auth(token))
    body = check_against_document(banked, "/c/bank/{name}/content", "post")
    assert set(body["signals"]) >= {"pdq", "sha256"}
    signal = await api.client.post(
        "/c/bank/shared/signal", json={"md5": "0" * 32}, headers=api.auth(token)
    )
    assert check_against_document(signal, "/c/bank/{name}/signal", "post")["id"] > body["id"]
    removed = await api.client.delete(
        f"/c/bank/shared/content/{signal.json()['id']}", headers=api.auth(token)
    )
    assert check_against_document(removed, "/c/bank/{name}/content/{content_id}", "delete") == {
        "deleted": 1
    }
    audit = [e.record async for e in api.store.iter_audit()]
    assert [(r.kind, r.actor) for r in audit if r.bank == "shared"] == [
        ("bank_created", "api:curator"),
        ("entries_added", "api:curator"),
        ("entries_added", "api:curator"),
        ("entries_removed", "api:curator"),
    ]
    missing = await api.client.post(
        "/c/bank/nope/signal", json={"md5": "0" * 32}, headers=api.auth(token)
    )
    assert missing.status_code == 404
    lookup_only = await api.client.post("/c/banks", json={"name": "x"}, headers=api.auth())
    assert lookup_only.status_code == 403


@pytest.mark.parametrize("content_id", ["0", str(2**63), "9" * 40])
async def test_an_entry_id_out_of_range_is_404(api: Api, content_id: str) -> None:
    token = await api.token_for("curator", Scope.BANKS)
    response = await api.client.delete(
        f"/c/bank/ncii/content/{content_id}", headers=api.auth(token)
    )
    assert response.status_code == 404
