"""Text rules against what a message says and shows: its text or caption, its
files' names, its buttons' labels, where it was forwarded from; and, for review
only, the name it was posted under and its chat's title. Each is normalised as
the rules were (``core.text_normal``), and every match says which words matched,
as written, and where.
"""

import enum
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace

import regex

from core.matching.matcher import Matcher
from core.model import Band, BankAction, Match, Message
from core.signals.text import TextPattern, TextPhrase, TextWord, compiled_pattern
from core.text_normal import Reading, read, word_at, word_bounds

__all__ = ["NameMemo", "TextPlace", "check_text", "message_texts", "reads_text"]

_MAX_TEXT = 20_000  # characters of one text looked at (Telegram's limit is 4,096)
_MAX_SPAN = 200  # characters of the matched words kept on a match
_SEARCH_SECONDS = 0.01
_KINDS = (TextPhrase, TextWord, TextPattern)


class TextPlace(enum.Enum):
    """Where words that matched were: stored on the match, named on the card."""

    TEXT = "text"  # the text or caption
    FILE_NAME = "file_name"
    BUTTON = "button"
    FORWARDED_FROM = "forwarded_from"
    SENDER_NAME = "sender_name"  # review only
    CHAT_TITLE = "chat_title"  # review only
    REPORT = "report"  # words a reporter passed on (a forwarded message's text)

    @property
    def review_only(self) -> bool:
        """A name or a title is not the message: a match there opens a case and
        removes nothing, whatever its bank's action."""
        return self in (TextPlace.SENDER_NAME, TextPlace.CHAT_TITLE)


Text = tuple[TextPlace, str | None]


class NameMemo:
    """The names and titles already read, so a chat's title or a poster's name is
    read once per change (not on each message), at most ``limit`` remembered; read
    again once the banks change (a rule added since may match them)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._limit = limit
        self._seen: OrderedDict[str, str] = OrderedDict()
        self._version = -1

    def follow(self, version: int) -> None:
        """Forget every name read when the banks were at another ``version``."""
        if version != self._version:
            self._seen.clear()
            self._version = version

    def new(self, key: str, name: str) -> bool:
        """Whether ``name`` is new for ``key`` (and remember it)."""
        if self._seen.get(key) == name:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = name
        self._seen.move_to_end(key)
        if len(self._seen) > self._limit:
            self._seen.popitem(last=False)
        return True


def message_texts(message: Message, names: NameMemo | None = None) -> list[Text]:
    """Every text of ``message`` the rules read, with where it is. With ``names``,
    its chat's title and its sender's name only when they changed since."""
    texts: list[Text] = [
        (TextPlace.TEXT, message.text),
        *((TextPlace.FILE_NAME, name) for name in message.file_names),
        *((TextPlace.BUTTON, label) for label in message.buttons),
        (TextPlace.FORWARDED_FROM, message.forwarded_from),
    ]
    chat, sender = message.chat, message.sender
    where = f"{chat.platform}:{chat.id}"
    if names is None or names.new(f"{where}:title", chat.title):
        texts.append((TextPlace.CHAT_TITLE, chat.title))
    if sender.id and (names is None or names.new(f"{where}:{sender.id}", sender.name)):
        texts.append((TextPlace.SENDER_NAME, sender.name))
    return texts


def reads_text(matcher: Matcher) -> bool:
    """Whether any bank holds a text rule (else no text is read at all)."""
    return any(matcher.has(kind.name) for kind in _KINDS)


def check_text(matcher: Matcher, texts: Iterable[Text]) -> list[Match]:
    """Text-rule matches of ``texts`` (none, at no cost, when no bank has one).

    An allow rule in any text clears the matches of the texts that act; a name's
    or a title's matches are only for review, and cleared by an allow rule there.
    """
    kinds = [kind for kind in _KINDS if matcher.has(kind.name)]
    if not kinds:
        return []
    read_texts = [(place, read(text[:_MAX_TEXT])) for place, text in texts if text]
    found: list[Match] = []
    for review_only in (False, True):
        group = [(p, r) for p, r in read_texts if p.review_only is review_only and r.phrase]
        if not group:
            continue
        queries = {
            kind.name: [r.words if kind is TextWord else r.phrase for _, r in group]
            for kind in kinds
        }
        for match in matcher.match(queries):
            place, span = _where(match, group)
            located = replace(match, span=span, place=place.value)
            if review_only:
                located = replace(located, band=Band.REVIEW, action=BankAction.REVIEW)
            found.append(located)
    return found


def _where(match: Match, texts: Sequence[tuple[TextPlace, Reading]]) -> tuple[TextPlace, str]:
    """The first of ``texts`` the match's rule is found in, and the words as written."""
    for place, reading in texts:
        found = _span(match, reading)
        if found is not None:
            return place, reading.written(*found)[:_MAX_SPAN]
    return texts[0][0], ""


def _span(match: Match, reading: Reading) -> tuple[int, int] | None:
    phrase = reading.phrase
    if match.signal_type == TextPattern.name:
        try:
            hit = compiled_pattern(match.value).search(phrase, timeout=_SEARCH_SECONDS)
        except (TimeoutError, regex.error):
            return None
        return hit.span() if hit is not None else None
    rule = match.value
    if match.signal_type == TextWord.name:
        phrase, starts, ends = word_bounds(reading.words)
    start = phrase.find(rule)
    while start >= 0:
        end = start + len(rule)
        if match.signal_type != TextWord.name or word_at(phrase, starts, ends, start, end):
            return start, end
        start = phrase.find(rule, start + 1)
    return None
