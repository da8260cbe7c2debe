"""Link rules as signal types, so banks hold them beside hashes.

A rule is an exact canonical URL, a domain (matching its subdomains), a
Telegram invite key or channel name, or a Discord invite key. Each value is
stored in its canonical form (``core.links``); rules match exactly on the
queries ``core.links.link_queries`` makes for a link.
"""

from functools import cache

from publicsuffixlist import PublicSuffixList

from core.errors import InputError
from core.links import canonical_link, is_ip
from core.signals.base import LinkSignalType

__all__ = ["DiscordInvite", "DomainRule", "TgChannel", "TgInvite", "UrlRule", "rule_for"]


class UrlRule(LinkSignalType):
    name = "url"

    @classmethod
    def canonical(cls, value: str) -> str:
        return canonical_link(value).url


class DomainRule(LinkSignalType):
    name = "domain"

    @classmethod
    def canonical(cls, value: str) -> str:
        link = canonical_link(value)
        if link.url.split("/", 3)[3:] not in ([], [""]):
            raise InputError(f"a domain rule is a host name, not a link with a path: {value!r}")
        if not is_ip(link.host) and _suffixes().is_public(link.host):
            raise InputError(
                f"{link.host} is a public suffix (every site under it is someone else's): "
                "name the site's own domain"
            )
        return link.host


@cache
def _suffixes() -> PublicSuffixList:
    """The Public Suffix List shipped in the package (never fetched at run time)."""
    return PublicSuffixList()


class _KeyRule(LinkSignalType):
    """A rule that is a key of one kind of link, given as the key or as a link."""

    kind = ""

    @classmethod
    def canonical(cls, value: str) -> str:
        text = value.strip().removeprefix("@")
        if "/" in text or ":" in text:
            link = canonical_link(text)
            if link.kind != cls.kind:
                raise InputError(f"{value!r} is not a {cls.kind.replace('_', ' ')} link")
            return link.key
        link = canonical_link(cls.example.format(text))
        if link.kind != cls.kind:
            raise InputError(f"{value!r} is not a valid {cls.kind.replace('_', ' ')}")
        return link.key

    example = ""


class TgInvite(_KeyRule):
    name = kind = "tg_invite"
    example = "https://t.me/+{}"


class TgChannel(_KeyRule):
    name = kind = "tg_channel"
    example = "https://t.me/{}"


class DiscordInvite(_KeyRule):
    name = kind = "discord_invite"
    example = "https://discord.gg/{}"


def rule_for(value: str, signal_type: str | None = None) -> tuple[str, str]:
    """``(signal_type, canonical value)`` of a rule written as a link, host or key.

    Without a type: an invite or channel link (or ``@name``) gives that key; a
    bare host (no scheme, no path) a domain rule; anything else an exact URL rule.
    """
    if signal_type is not None:
        kind = _RULES.get(signal_type)
        if kind is None:
            raise InputError(f"{signal_type!r} is not a link rule type ({', '.join(_RULES)})")
        return kind.name, kind.canonical(value)
    if value.strip().startswith("@"):
        return TgChannel.name, TgChannel.canonical(value)
    link = canonical_link(value)
    if link.kind != "url":
        return link.kind, link.key
    bare = "://" not in value and link.url == f"https://{link.host}/"
    return ("domain", DomainRule.canonical(value)) if bare else ("url", link.url)


_RULES: dict[str, type[LinkSignalType]] = {
    kind.name: kind for kind in (UrlRule, DomainRule, TgInvite, TgChannel, DiscordInvite)
}
