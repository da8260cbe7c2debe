"""Links: extraction from text, canonical forms, invite keys and look-alike hosts (pure).

``canonical_link(raw)`` gives one form per destination: lowercase scheme and
host, IDNA (punycode) host, no default port, no fragment, no tracking
parameters, normalised percent-encoding and path. Telegram invite links
(``t.me/joinchat/X``, ``t.me/+X``, ``telegram.me/...``, ``tg://join?invite=X``)
reduce to one invite key, Discord invites to theirs (keys keep their case);
``t.me/<name>`` reduces to the channel name (lowercase, as Telegram treats it).

Links are parsed as the WHATWG URL standard says, the way browsers and
Telegram's clients open them (the ``ada`` parser): ``https://evil.example\\@t.me``
goes to evil.example, ``http://2130706433/`` to 127.0.0.1, ``evil。example`` (an
ideographic full stop) to evil.example, and an IPv6 literal keeps its brackets.

A host written in another script to look Latin (Cyrillic "а" for "a") is not
canonicalised into its look-alike: the link keeps its own punycode host, and
``lookalike_of`` names the host it imitates (``core.confusables``, Unicode's
UTS #39 data), so a match on that is flagged.
"""

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import parse_qsl, quote, unquote, urlencode

import ada_url

from core.confusables import imitated_host
from core.errors import InputError

__all__ = ["MAX_URL", "Link", "canonical_link", "extract_links", "is_ip", "link_queries"]

MAX_URL = 2048
_TRACKING = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "twclid", "ttclid", "si", "feature",
}  # fmt: skip
_TELEGRAM = {"t.me", "telegram.me", "telegram.dog"}
_DISCORD_INVITE_HOSTS = {"discord.gg"}
_DISCORD_HOSTS = {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
_TG_RESERVED = {
    "joinchat", "addstickers", "addemoji", "addlist", "share", "proxy", "socks", "iv",
    "setlanguage", "login", "bg", "invoice", "c", "s", "boost", "addtheme", "confirmphone",
}  # fmt: skip
_SHORT = {
    "tg_invite": "https://t.me/+{}",
    "tg_channel": "https://t.me/{}",
    "discord_invite": "https://discord.gg/{}",
}
_USERNAME = re.compile(r"[a-z][a-z0-9_]{3,31}")
_INVITE = re.compile(r"[A-Za-z0-9_-]{2,64}")
_UNRESERVED = "-._~"
_PATH_SAFE = "/:@!$&'()*+,;=%" + _UNRESERVED
_TRAILING = ".,;:!?'\"»”’…>"

# What IDNA (UTS #46) and browsers read as a label separator besides ".".
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SPECIAL = ("http", "https")

_SCHEMED = r"(?:https?|tg)://[^\s<>\"'`]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_BARE = (
    rf"(?<![\w@/.:-])(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})"
    r"(?::\d{2,5})?(?:/[^\s<>\"'`]*)?"
)
_FIND = re.compile(f"{_SCHEMED}|{_BARE}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Link:
    """A canonical link. ``kind`` is ``url``, ``tg_invite``, ``tg_channel`` or
    ``discord_invite``; ``key`` is the URL itself or the invite key / channel name."""

    url: str
    host: str
    kind: str
    key: str
    lookalike_of: str | None = None


def extract_links(text: str) -> list[str]:
    """Every link-looking span in ``text``, with or without a scheme, in order, once."""
    found = []
    for match in _FIND.finditer(text.translate(_DOTS)):
        span = _trim(match.group(0))
        if "." in span or span.lower().startswith("tg://"):
            found.append(span)
    return list(dict.fromkeys(found))


def _trim(span: str) -> str:
    """Drop trailing punctuation and a closing bracket that opened before the link."""
    while span:
        if span[-1] in _TRAILING or (span[-1] == ")" and span.count("(") < span.count(")")):
            span = span[:-1]
        else:
            return span
    return span


def canonical_link(raw: str) -> Link:
    """The canonical form of ``raw``; ``InputError`` for anything that is not a web link."""
    text = raw.strip()
    if not text or len(text) > MAX_URL:
        raise InputError(f"a link must be 1-{MAX_URL} characters")
    if any(ord(c) < 0x21 for c in text):
        raise InputError("a link cannot contain spaces or control characters")
    prefix = re.match(r"([a-z][a-z0-9+.-]*):", text, re.IGNORECASE)
    scheme = prefix.group(1).lower() if prefix else ""
    if scheme == "tg":
        return _tg_scheme(text)
    if scheme not in _SPECIAL:
        if "://" in text or (prefix and "." not in scheme):  # ftp://, mailto:, javascript:
            raise InputError(f"not a web link (scheme {scheme!r})")
        text = "https://" + text.removeprefix("//")
    try:
        parsed = ada_url.URL(text)
    except ValueError as exc:
        raise InputError(f"not a valid link: {text[:80]!r}") from exc
    if parsed.protocol.rstrip(":") not in _SPECIAL:
        raise InputError(f"not a web link (scheme {parsed.protocol.rstrip(':')!r})")
    host, lookalike = _host(parsed.hostname)
    netloc = f"{host}:{parsed.port}" if parsed.port else host
    path = _path(parsed.pathname)
    query = _query(parsed.search.removeprefix("?"))
    url = f"{parsed.protocol}//{netloc}{path}" + (f"?{query}" if query else "")
    special = _special(host, path)
    if special is None:
        return Link(url, host, "url", url, lookalike)
    kind, key = special
    short = _SHORT[kind].format(key)
    return Link(short, short.split("/")[2], kind, key, lookalike)


def _host(hostname: str) -> tuple[str, str | None]:
    """The parser's host (already IDNA, IP forms normalised) and the host it imitates."""
    host = hostname.rstrip(".")
    if not host:
        raise InputError("a link needs a host")
    if is_ip(host):
        return host, None
    try:
        unicode_host = ada_url.idna_to_unicode(host)
    except (ValueError, UnicodeError):
        return host, None
    return host, imitated_host(unicode_host)


def is_ip(host: str) -> bool:
    """Whether ``host`` (as the parser gives it) is an IPv4 or bracketed IPv6 address."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _path(raw: str) -> str:
    segments: list[str] = []
    for segment in _normalise_escapes(raw).split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    path = "/".join(segments)
    return path if path.startswith("/") else "/" + path


def _normalise_escapes(text: str) -> str:
    """Decode escaped unreserved characters, upper-case the other escapes, escape the unsafe."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return (
            char
            if (char.isalnum() and char.isascii()) or char in _UNRESERVED
            else f"%{match.group(1).upper()}"
        )

    return quote(re.sub(r"%([0-9A-Fa-f]{2})", fix, text), safe=_PATH_SAFE)


def _query(raw: str) -> str:
    pairs = [
        (key, value)
        for key, value in parse_qsl(raw, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in _TRACKING
    ]
    return urlencode(sorted(pairs), quote_via=quote, safe=_UNRESERVED)


def _special(host: str, path: str) -> tuple[str, str] | None:
    """Telegram and Discord invite keys and Telegram channel names."""
    bare = host.removeprefix("www.")
    parts = [unquote(p) for p in path.split("/") if p]
    if bare in _TELEGRAM and parts:
        return _telegram_path(parts)
    if bare in _DISCORD_INVITE_HOSTS and len(parts) == 1 and _INVITE.fullmatch(parts[0]):
        return "discord_invite", parts[0]
    if (
        bare in _DISCORD_HOSTS
        and len(parts) == 2
        and parts[0] == "invite"
        and _INVITE.fullmatch(parts[1])
    ):
        return "discord_invite", parts[1]
    return None


def _telegram_path(parts: list[str]) -> tuple[str, str] | None:
    first = parts[0]
    if first.startswith(("+", " ")) and _INVITE.fullmatch(first[1:]):
        return "tg_invite", first[1:]
    if first == "joinchat" and len(parts) > 1 and _INVITE.fullmatch(parts[1]):
        return "tg_invite", parts[1]
    if first == "s" and len(parts) > 1:
        first = parts[1]
    elif first.lower() in _TG_RESERVED:
        return None
    name = first.lower()
    return ("tg_channel", name) if _USERNAME.fullmatch(name) else None


def _tg_scheme(text: str) -> Link:
    """``tg://join?invite=X`` and ``tg://resolve?domain=X``; a parameter given twice
    counts by its first value, as URLSearchParams.get (and the clients) read it."""
    try:
        parsed = ada_url.URL(text)
    except ValueError as exc:
        raise InputError("an unsupported tg:// link") from exc
    action = parsed.hostname.lower()
    params: dict[str, str] = {}
    for key, value in parse_qsl(parsed.search.removeprefix("?")):
        params.setdefault(key, value)
    if action == "join" and _INVITE.fullmatch(params.get("invite", "")):
        key = params["invite"]
        return Link(_SHORT["tg_invite"].format(key), "t.me", "tg_invite", key)
    name = params.get("domain", "").lower()
    if action == "resolve" and _USERNAME.fullmatch(name):
        return Link(_SHORT["tg_channel"].format(name), "t.me", "tg_channel", name)
    raise InputError("an unsupported tg:// link")


@lru_cache(maxsize=4096)
def link_queries(link: Link) -> Mapping[str, tuple[str, ...]]:
    """What to look up in the banks for ``link``: the URL, the host and each parent
    domain (a domain rule covers its subdomains), and any invite key or channel.
    Read-only (cached: a link is matched, then logged, and hosts repeat)."""
    labels = link.host.split(".")
    parents = (
        () if is_ip(link.host) else tuple(".".join(labels[i:]) for i in range(len(labels) - 1))
    )
    queries: dict[str, tuple[str, ...]] = {"url": (link.url,), "domain": parents or (link.host,)}
    if link.kind != "url":
        queries[link.kind] = (link.key,)
    return MappingProxyType(queries)
