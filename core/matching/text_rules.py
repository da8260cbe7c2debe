"""Text rules against what a message says: its text or caption and where it was
forwarded from, normalised as the rules were (``core.text_normal``)."""

from collections.abc import Iterable

from core.matching.matcher import Matcher
from core.model import Match
from core.signals.text import TextPattern, TextPhrase
from core.text_normal import normalise

__all__ = ["check_text"]

_MAX_TEXT = 20_000  # characters of one message looked at (Telegram's limit is 4,096)


def check_text(matcher: Matcher, texts: Iterable[str | None]) -> list[Match]:
    """Text-rule matches of any of ``texts`` (none, at no cost, when no bank has one)."""
    kinds = [t.name for t in (TextPhrase, TextPattern) if matcher.has(t.name)]
    if not kinds:
        return []
    forms = [form for form in (normalise(text[:_MAX_TEXT]) for text in texts if text) if form]
    return matcher.match(dict.fromkeys(kinds, forms))
