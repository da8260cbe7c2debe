"""Matching the links of a message against the banks' link rules (pure).

Each link is matched on its own, so an allow rule clears only its own link.
A look-alike host (``core.links``) is also matched as the host it imitates;
such matches are flagged and only ever open a review, never act alone.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from core.errors import InputError
from core.links import Link, canonical_link, extract_links, link_queries
from core.matching.matcher import Matcher
from core.model import Band, BankAction, Match

__all__ = ["LinkResult", "check_links", "link_matches", "message_links"]


@dataclass(frozen=True, slots=True)
class LinkResult:
    raw: str
    link: Link | None
    matches: tuple[Match, ...] = ()
    error: str = ""


def check_links(matcher: Matcher, text: str, links: Iterable[str] = ()) -> list[LinkResult]:
    """Results for the links in ``text`` and the adapter's ``links`` (entities, buttons)."""
    return [
        LinkResult(raw, link, tuple(_match(matcher, link)) if link else (), error)
        for raw, link, error in _read(text, links)
    ]


def link_matches(matcher: Matcher, links: Iterable[Link]) -> list[Match]:
    """The matches of links already read (``message_links``)."""
    return [m for link in links for m in _match(matcher, link)]


def message_links(text: str, links: Iterable[str] = ()) -> list[Link]:
    """The distinct canonical links of a message (those that could not be read left out)."""
    return [link for _, link, _ in _read(text, links) if link is not None]


def _read(text: str, links: Iterable[str]) -> Iterator[tuple[str, Link | None, str]]:
    """Each distinct link as written, canonical (None if it cannot be read), and why not."""
    seen: set[str] = set()
    for raw in [*links, *extract_links(text)]:
        try:
            link = canonical_link(raw)
        except InputError as exc:
            yield raw, None, str(exc)
            continue
        if link.url not in seen:
            seen.add(link.url)
            yield raw, link, ""


def _match(matcher: Matcher, link: Link) -> list[Match]:
    matches = matcher.match(link_queries(link))
    if link.lookalike_of:
        imitated = canonical_link(link.url.replace(link.host, link.lookalike_of, 1))
        note = f"look-alike host {link.host} imitating {link.lookalike_of}"
        matches += [
            replace(m, band=Band.REVIEW, action=BankAction.REVIEW, note=note)
            for m in matcher.match(link_queries(imitated))
        ]
    return matches
