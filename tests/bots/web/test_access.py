"""Who may do what on the dashboard: sign-in, sessions, CSRF, throttling, and the
matrix of every role against every action."""

import io
import sqlite3
from typing import Any

import pytest

from bots.web.settings import WebSettings
from tests.bots.web.conftest import PASSWORD, Dashboard, csrf_of, post, sign_in

# (name, method, path, form, status when allowed)
ACTIONS: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("read queue", "GET", "/", {}, 200),
    ("read case", "GET", "/cases/c1", {}, 200),
    ("export case", "GET", "/cases/c1/export.json", {}, 200),
    ("read banks", "GET", "/banks", {}, 200),
    ("export bank", "GET", "/banks/ncii/export?format=lines", {}, 200),
    ("read audit", "GET", "/audit", {}, 200),
    ("export audit", "GET", "/audit/export?format=json", {}, 200),
    ("read compliance", "GET", "/compliance", {}, 200),
    ("export compliance", "GET", "/compliance/export?format=csv", {}, 200),
    ("transparency report", "GET", "/compliance/transparency", {}, 200),
    ("decide", "POST", "/cases/c1/decide", {"decision": "confirm"}, 303),
    ("ban", "POST", "/cases/c1/decide", {"decision": "ban"}, 303),
    ("bulk decide", "POST", "/cases/bulk", {"case": ["c1", "c2"], "decision": "overturn"}, 303),
    ("note", "POST", "/cases/c1/note", {"note": "looked at it"}, 303),
    ("create bank", "POST", "/banks/new", {"name": "extra", "action": "review"}, 303),
    ("disable bank", "POST", "/banks/ncii/disable", {}, 303),
    ("shadow bank", "POST", "/banks/ncii/shadow", {}, 303),
    ("import list", "POST", "/banks/ncii/import", {"format": "lines"}, 200),
    ("read accounts", "GET", "/users", {}, 200),
    (
        "add account",
        "POST",
        "/users/new",
        {"name": "zed", "role": "auditor", "password": "x" * 12},
        303,
    ),
    ("remove account", "POST", "/users/otto/remove", {}, 303),
    ("set password", "POST", "/users/otto/password", {"password": "y" * 12}, 303),
]
READS = {a[0] for a in ACTIONS if a[1] == "GET" and a[0] != "read accounts"}
DECIDES = {"decide", "ban", "bulk decide", "note"}
ALLOWED = {
    "otto": READS,
    "rita": READS | DECIDES,
    "ann": {a[0] for a in ACTIONS},
}


def _bank(store: Any) -> Any:
    from core.banks import Bank

    return store.create_bank(Bank("ncii"))


def _send(
    client: Any, method: str, path: str, form: dict[str, Any], name: str, page: str = "/"
) -> Any:
    if method == "GET":
        return client.get(path)
    files = {"file": ("list.txt", io.BytesIO(b"md5 " + b"a" * 32 + b"\n"))}
    data = {**form, "csrf": csrf_of(client, page)}
    if name == "import list":
        return client.post(path, data=data, files=files)
    return client.post(path, data=data)


@pytest.mark.parametrize("account", ["otto", "rita", "ann"])
@pytest.mark.parametrize("action", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_role_matrix(dashboard: Dashboard, account: str, action: tuple[Any, ...]) -> None:
    name, method, path, form, ok = action
    dashboard.seed(_bank)
    dashboard.open_cases("c1", "c2")
    client = dashboard.client(account)
    response = _send(client, method, path, form, name)
    if name in ALLOWED[account]:
        assert response.status_code == ok, response.text[-500:]
    else:
        assert response.status_code == 403
        assert "may not" in response.text


@pytest.mark.parametrize("action", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_anonymous_visitors_are_sent_to_sign_in(
    dashboard: Dashboard, action: tuple[Any, ...]
) -> None:
    name, method, path, form, _ = action
    dashboard.open_cases("c1")
    client = dashboard.client()
    response = _send(client, method, path, form, name, page="/login")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_forms_without_the_session_token_are_refused(dashboard: Dashboard) -> None:
    dashboard.open_cases("c1")
    client = dashboard.client("rita")
    for data in ({"decision": "confirm"}, {"decision": "confirm", "csrf": "forged"}):
        response = client.post("/cases/c1/decide", data=data)
        assert response.status_code == 403
        assert "form expired" in response.text
    token = csrf_of(client, "/")
    foreign = client.post(
        "/cases/c1/decide",
        data={"decision": "confirm", "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert "open" in client.get("/cases/c1").text  # nothing was decided
    same_site = client.post(
        "/cases/c1/decide",
        data={"decision": "confirm", "csrf": token},
        headers={"Origin": "http://127.0.0.1:8080"},
    )
    assert same_site.status_code == 303


def test_the_login_form_needs_its_token_too(dashboard: Dashboard) -> None:
    client = dashboard.client()
    response = client.post("/login", data={"name": "ann", "password": PASSWORD})
    assert response.status_code == 403


def test_session_cookie_flags(dashboard: Dashboard) -> None:
    client = dashboard.client()
    csrf_of(client)
    response = sign_in(client, "ann")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on loopback
    behind_proxy = WebSettings(secret="test-secret", hosts=("dash.example",))
    tls = dashboard.client(settings=behind_proxy, base_url="https://dash.example")
    signed = sign_in(tls, "ann")
    assert signed.status_code == 303
    assert "secure" in signed.headers["set-cookie"].lower()
    assert signed.headers["strict-transport-security"] == "max-age=31536000"  # issue 13, 18
    assert "strict-transport-security" not in response.headers  # not over plain HTTP


def test_wrong_passwords_are_throttled(dashboard: Dashboard) -> None:
    client = dashboard.client()
    for _ in range(5):
        assert sign_in(client, "ann", "wrong password!").status_code == 401
    throttled = sign_in(client, "ann")  # even the right password waits now
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in throttled.text


def test_unknown_accounts_and_wrong_passwords_look_the_same(dashboard: Dashboard) -> None:
    client = dashboard.client()
    unknown = sign_in(client, "nobody", PASSWORD)
    wrong = sign_in(client, "ann", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong name or password." in unknown.text
    assert "Wrong name or password." in wrong.text


def test_sign_in_goes_back_only_to_a_local_page(dashboard: Dashboard) -> None:
    client = dashboard.client()
    for target, expected in [
        ("/audit?kind=login", "/audit?kind=login"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),  # browsers read '/\' as '//'
    ]:
        token = csrf_of(client)
        response = client.post(
            "/login", data={"name": "ann", "password": PASSWORD, "csrf": token, "next": target}
        )
        assert response.headers["location"] == expected


def test_sign_out_ends_the_session(dashboard: Dashboard) -> None:
    client = dashboard.client("rita")
    assert post(client, "/logout", {}).status_code == 303
    assert client.get("/").status_code == 303


def test_a_new_password_or_a_removed_account_ends_sessions(dashboard: Dashboard) -> None:
    rita = dashboard.client("rita")
    otto = dashboard.client("otto")
    ann = dashboard.client("ann")
    assert post(ann, "/users/rita/password", {"password": "z" * 12}, "/users").status_code == 303
    assert post(ann, "/users/otto/remove", {}, "/users").status_code == 303
    assert rita.get("/").status_code == 303
    assert otto.get("/").status_code == 303
    assert sign_in(rita, "rita", "z" * 12).status_code == 303
    refused = post(ann, "/users/ann/remove", {}, "/users")
    assert refused.status_code == 400
    assert "your own account" in refused.text


def test_account_rules(dashboard: Dashboard) -> None:
    ann = dashboard.client("ann")
    short = post(ann, "/users/new", {"name": "zed", "role": "admin", "password": "short"}, "/users")
    assert short.status_code == 400
    bad_name = post(ann, "/users/new", {"name": "Zed!", "role": "admin", "password": "x" * 12})
    assert bad_name.status_code == 400
    bad_role = post(ann, "/users/new", {"name": "zed", "role": "god", "password": "x" * 12})
    assert bad_role.status_code == 400
    taken = post(ann, "/users/new", {"name": "rita", "role": "admin", "password": "x" * 12})
    assert taken.status_code == 400


def test_every_change_is_audited_with_the_account(dashboard: Dashboard) -> None:
    dashboard.seed(_bank)
    dashboard.open_cases("c1")
    ann = dashboard.client("ann")
    post(ann, "/cases/c1/decide", {"decision": "confirm", "note": "clear match"})
    post(ann, "/banks/ncii/disable", {})
    post(ann, "/users/new", {"name": "zed", "role": "auditor", "password": "x" * 12})
    with sqlite3.connect(dashboard.db_url.removeprefix("sqlite:///")) as conn:
        rows = conn.execute("select kind, actor from audit_log order by seq").fetchall()
    assert ("login", "web:ann") in rows
    assert ("decision", "web:ann") in rows
    assert ("bank_disabled", "web:ann") in rows
    assert ("user_added", "web:ann") in rows


def test_security_headers_forbid_images_and_framing(dashboard: Dashboard) -> None:
    client = dashboard.client("otto")
    headers = client.get("/").headers
    policy = headers["content-security-policy"]
    assert "img-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
