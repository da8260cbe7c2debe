import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.links import MAX_URL, Link, canonical_link, extract_links, link_queries
from core.signals import SIGNAL_TYPES
from tests.core.canonical_auto import CanonicalFormAutoTest

# (raw, kind, key, lookalike_of): real-world shapes people post.
SHAPES = [
    ("https://example.com", "url", "https://example.com/", None),
    ("HTTPS://EXAMPLE.COM/Path", "url", "https://example.com/Path", None),
    ("http://example.com:80/", "url", "http://example.com/", None),
    ("https://example.com:443/a", "url", "https://example.com/a", None),
    ("https://example.com:8443/a", "url", "https://example.com:8443/a", None),
    ("example.com/path", "url", "https://example.com/path", None),
    ("www.example.com", "url", "https://www.example.com/", None),
    ("//example.com/x", "url", "https://example.com/x", None),
    ("https://example.com/a/./b/../c", "url", "https://example.com/a/c", None),
    ("https://example.com/a#section-2", "url", "https://example.com/a", None),
    (
        "https://example.com/?utm_source=tg&utm_medium=x&id=5",
        "url",
        "https://example.com/?id=5",
        None,
    ),
    ("https://example.com/p?fbclid=IwAR0abc", "url", "https://example.com/p", None),
    ("https://example.com/p?gclid=x&b=2&a=1", "url", "https://example.com/p?a=1&b=2", None),
    ("https://example.com/%7Euser", "url", "https://example.com/~user", None),
    ("https://example.com/%41%42c", "url", "https://example.com/ABc", None),
    ("https://example.com/a%2fb", "url", "https://example.com/a%2Fb", None),
    ("https://example.com/a b", "url", None, None),  # a space: refused
    ("https://user:secret@example.com/x", "url", "https://example.com/x", None),
    ("https://EXAMPLE.com./x", "url", "https://example.com/x", None),
    ("https://bücher.de/", "url", "https://xn--bcher-kva.de/", None),
    ("https://xn--bcher-kva.de/", "url", "https://xn--bcher-kva.de/", None),
    ("https://例え.jp/", "url", "https://xn--r8jz45g.jp/", None),
    ("https://аpple.com/login", "url", "https://xn--pple-43d.com/login", "apple.com"),
    ("https://раураl.com/", "url", "https://xn--l-7sba6dbr.com/", "paypal.com"),
    ("https://gооgle.com/", "url", "https://xn--ggle-55da.com/", "google.com"),
    ("https://xn--pple-43d.com/", "url", "https://xn--pple-43d.com/", "apple.com"),
    ("https://127.0.0.1:8080/a", "url", "https://127.0.0.1:8080/a", None),
    ("t.me/+AbC_12-x", "tg_invite", "AbC_12-x", None),
    ("https://t.me/+AbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("https://t.me/%2BAbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("https://t.me/joinchat/AbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("https://telegram.me/joinchat/AbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("https://telegram.dog/+AbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("tg://join?invite=AbCdEfGh", "tg_invite", "AbCdEfGh", None),
    ("https://t.me/SomeChannel", "tg_channel", "somechannel", None),
    ("https://t.me/somechannel/1234", "tg_channel", "somechannel", None),
    ("https://t.me/s/SomeChannel", "tg_channel", "somechannel", None),
    ("https://www.t.me/SomeChannel?start=x", "tg_channel", "somechannel", None),
    ("tg://resolve?domain=SomeChannel", "tg_channel", "somechannel", None),
    ("https://t.me/c/1234567/89", "url", "https://t.me/c/1234567/89", None),
    ("https://t.me/addstickers/CatPack", "url", "https://t.me/addstickers/CatPack", None),
    ("discord.gg/AbCd12", "discord_invite", "AbCd12", None),
    ("https://discord.gg/AbCd12?event=1", "discord_invite", "AbCd12", None),
    ("https://discord.com/invite/AbCd12", "discord_invite", "AbCd12", None),
    ("https://discordapp.com/invite/AbCd12", "discord_invite", "AbCd12", None),
    ("https://www.discord.com/invite/AbCd12", "discord_invite", "AbCd12", None),
    ("https://discord.com/channels/1/2", "url", "https://discord.com/channels/1/2", None),
]


@pytest.mark.parametrize(("raw", "kind", "key", "lookalike"), SHAPES, ids=[s[0] for s in SHAPES])
def test_canonical_shapes(raw: str, kind: str, key: str | None, lookalike: str | None) -> None:
    if key is None:
        with pytest.raises(InputError):
            canonical_link(raw)
        return
    link = canonical_link(raw)
    assert (link.kind, link.key, link.lookalike_of) == (kind, key, lookalike)
    assert canonical_link(link.url) == link


def test_there_are_at_least_forty_shapes() -> None:
    assert len(SHAPES) >= 40


def test_invite_keys_keep_case_and_usernames_do_not() -> None:
    assert canonical_link("t.me/+AbC1").key != canonical_link("t.me/+abc1").key
    assert canonical_link("t.me/SomeName").key == canonical_link("t.me/somename").key


@pytest.mark.parametrize(
    "raw",
    ["", "javascript:alert(1)", "mailto:a@b.c", "ftp://example.com/x", "tg://msg?text=x",
     "https://", "https://exa mple.com", "https://ex\x00ample.com", "x" * (MAX_URL + 1),
     "http://[::1/", "https://exa%00mple.com/"],
)  # fmt: skip
def test_what_is_not_a_web_link_is_an_input_error(raw: str) -> None:
    with pytest.raises(InputError):
        canonical_link(raw)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("join t.me/+AbC, now!", ["t.me/+AbC"]),
        (
            "(see https://example.com/a_(b)) and discord.gg/xyz.",
            ["https://example.com/a_(b)", "discord.gg/xyz"],
        ),
        ("mail bob@example.com please", []),
        ("visit аpple.com today", ["аpple.com"]),
        ("two: example.com/x and example.com/x", ["example.com/x"]),
        ("tg://join?invite=Q1w2 here", ["tg://join?invite=Q1w2"]),
        ("«https://example.org/path»", ["https://example.org/path"]),
        ("version 1.2.3 and e.g. no link", []),
        ("no links at all", []),
    ],
)
def test_extract_links(text: str, found: list[str]) -> None:
    assert extract_links(text) == found


def test_queries_cover_the_url_the_parent_domains_and_the_key() -> None:
    link = canonical_link("https://a.b.example.com/x")
    assert link_queries(link) == {
        "url": ("https://a.b.example.com/x",),
        "domain": ("a.b.example.com", "b.example.com", "example.com"),
    }
    assert link_queries(canonical_link("t.me/+Key1"))["tg_invite"] == ("Key1",)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_canonicalises_stably_or_is_an_input_error(text: str) -> None:
    try:
        link = canonical_link(text)
    except InputError:
        return
    assert canonical_link(link.url) == link


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.from_regex(r"[a-z0-9ü-]{1,12}(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
)
def test_url_like_input_canonicalises_idempotently(scheme: str, host: str, rest: str) -> None:
    try:
        link = canonical_link(f"{scheme}://{host}/{rest}")
    except InputError:
        return
    assert canonical_link(link.url) == link


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_extraction_never_fails(text: str) -> None:
    for raw in extract_links(text):
        assert raw in text


class TestUrlRule(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["url"]
    stored_name = "url"
    good = (("Example.com/a?utm_source=x", "https://example.com/a"),)
    bad = (
        "javascript:x",
        "",
    )


class TestDomainRule(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["domain"]
    stored_name = "domain"
    good = (
        ("Sub.Example.COM", "sub.example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
    )
    bad = (
        "example.com/path",
        "",
    )


class TestTgInvite(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["tg_invite"]
    stored_name = "tg_invite"
    good = (
        ("t.me/joinchat/AbC12", "AbC12"),
        ("tg://join?invite=AbC12", "AbC12"),
    )
    bad = (
        "t.me/somechannel",
        "a b",
        "",
    )


class TestTgChannel(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["tg_channel"]
    stored_name = "tg_channel"
    good = (
        ("@SomeChannel", "somechannel"),
        ("https://t.me/s/SomeChannel", "somechannel"),
    )
    bad = (
        "t.me/+AbC12",
        "x",
        "",
    )


class TestDiscordInvite(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["discord_invite"]
    stored_name = "discord_invite"
    good = (
        ("discord.gg/AbCd12", "AbCd12"),
        ("https://discord.com/invite/AbCd12", "AbCd12"),
    )
    bad = (
        "https://discord.com/channels/1/2",
        "",
    )


__all__ = ["Link"]
