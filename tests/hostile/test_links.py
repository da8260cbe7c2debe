"""Links parsed as browsers and Telegram's clients open them (WHATWG), look-alike
hosts from Unicode's data, and public suffixes refused as rules (issue 13, item 3)."""

import pytest

from core.banks import Bank, Entry
from core.errors import InputError
from core.links import canonical_link, extract_links
from core.matching.link_rules import check_links
from core.matching.matcher import Matcher
from core.model import Band
from core.signals.links import rule_for


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://evil.example\\@t.me/x", "https://evil.example/@t.me/x"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0x7f.0.0.1/", "http://127.0.0.1/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("https://evil。example/a", "https://evil.example/a"),
        ("https://evil．example/a", "https://evil.example/a"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("https:evil.example/x", "https://evil.example/x"),
        ("https://t.me@evil.example/", "https://evil.example/"),
    ],
)
def test_the_destination_is_the_one_a_browser_opens(raw: str, url: str) -> None:
    assert canonical_link(raw).url == url


def test_a_backslash_before_an_at_sign_does_not_disguise_the_host() -> None:
    matcher = Matcher([Bank("links")])
    matcher.add("links", [(1, "domain", "evil.example", False)])
    results = check_links(matcher, "see https://evil.example\\@t.me/x")
    assert [m.bank for r in results for m in r.matches] == ["links"]


def test_an_ideographic_full_stop_is_extracted_as_a_dot() -> None:
    assert extract_links("join evil。example/x now") == ["evil.example/x"]


def test_ipv6_literals_can_be_rules_and_match() -> None:
    kind, value = rule_for("[2001:db8::1]")
    assert (kind, value) == ("domain", "[2001:db8::1]")
    matcher = Matcher([Bank("links")])
    matcher.add("links", [(1, kind, value, False)])
    results = check_links(matcher, "", ["http://[2001:db8::1]:8080/x"])
    assert [m.signal_type for r in results for m in r.matches] == ["domain"]


def test_a_repeated_tg_invite_parameter_keys_on_the_first_value() -> None:
    assert canonical_link("tg://join?invite=First&invite=Second").key == "First"


@pytest.mark.parametrize(
    ("host", "imitates"),
    [
        ("https://օgle.com/", "ogle.com"),  # Armenian oh
        ("https://gıthub.com/", "github.com"),  # Latin dotless i
        ("https://ɡoogle.com/", "google.com"),  # Latin script g
        ("https://ꭰiscord.com/", "discord.com"),  # Cherokee
        ("https://аpple.com/", "apple.com"),  # Cyrillic a
    ],
)
def test_look_alike_hosts_come_from_unicode_confusables(host: str, imitates: str) -> None:
    assert canonical_link(host).lookalike_of == imitates


def test_a_look_alike_match_only_opens_a_review() -> None:
    matcher = Matcher([Bank("links")])
    matcher.add("links", [(1, "domain", "github.com", False)])
    results = check_links(matcher, "https://gıthub.com/login")
    assert [m.band for r in results for m in r.matches] == [Band.REVIEW]


@pytest.mark.parametrize("suffix", ["co.uk", "com", "github.io", "co.kr", "blogspot.com"])
def test_a_public_suffix_is_refused_as_a_domain_rule(suffix: str) -> None:
    with pytest.raises(InputError, match="public suffix"):
        rule_for(suffix, "domain")


def test_a_registrable_domain_under_a_suffix_is_a_rule() -> None:
    assert rule_for("leaks.co.uk") == ("domain", "leaks.co.uk")
    assert Entry("domain", "user.github.io").value == "user.github.io"
