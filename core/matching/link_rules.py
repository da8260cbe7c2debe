"""Matching the links of a message against the banks' link rules (pure).

Each link is matched on its own, so an allow rule clears only its own link.
A look-alike host (``core.links``) is also matched as the host it imitates;
such matches are flagged and only ever open a review, never act alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.errors import InputError
from core.links import Link, canonical_link, extract_links, link_queries
from core.matching.matcher import Matcher
from core.model import Band, BankAction, Match

__all__ = ["LinkResult", "check_links"]


@dataclass(frozen=True, slots=True)
class LinkResult:
    raw: str
    link: Link | None
    matches: tuple[Match, ...] = ()
    error: str = ""


def check_links(matcher: Matcher, text: str, links: Iterable[str] = ()) -> list[LinkResult]:
    """Results for the links in ``text`` and the adapter's ``links`` (entities, buttons)."""
    results = []
    seen: set[str] = set()
    for raw in [*links, *extract_links(text)]:
        try:
            link = canonical_link(raw)
        except InputError as exc:
            results.append(LinkResult(raw, None, error=str(exc)))
            continue
        if link.url in seen:
            continue
        seen.add(link.url)
        results.append(LinkResult(raw, link, tuple(_match(matcher, link))))
    return results


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
