"""Text rules as signal types, so banks hold them beside hashes and links.

A phrase (``text``) is stored in its normalised form (``core.text_normal``: what a
bank stores and exports); it matches a message whose normalised text contains
it, however the phrase was disguised. Thousands of phrases are searched in one
pass of an Aho–Corasick automaton.

A whole-word rule (``text_word``) is a phrase that matches only as whole words of
the text: ``cam`` in "hidden cam" but not in "camera" or "webcam"; a word with a
Korean particle after it (``몰카를``, ``cam을``) still counts as the word.

A pattern (``text_re``) is a regular expression searched, case-insensitively, in
the same normalised text (letters and digits only: ``딥.{0,2}페이크``, not
spaces). Each search is bounded in time (the ``regex`` module's timeout), and a
pattern that is slow on a probe text, or matches the empty text, is refused
when it is added.
"""

import logging
from collections.abc import Iterator, Sequence
from functools import lru_cache

import ahocorasick
import regex

from core.errors import InputError
from core.signals.base import SignalType, Thresholds
from core.signals.indexes import IndexHit
from core.text_normal import normalise, word_at, word_bounds

__all__ = [
    "MAX_PHRASE",
    "PatternIndex",
    "PhraseIndex",
    "TextPattern",
    "TextPhrase",
    "TextWord",
    "WordIndex",
    "compiled_pattern",
]

log = logging.getLogger("blockfirst.text")

MAX_PHRASE = 200  # characters of a rule, normalised (a pattern: as written)
_MIN_PHRASE = 2  # one letter would match nearly every message
_PROBE_SECONDS = 0.05  # a pattern slower than this on a probe is refused
_SEARCH_SECONDS = 0.01  # one pattern's search of one message, at most
# Texts that make a pattern with nested or overlapping repetition backtrack.
_PROBES = ("a" * 64 + "!", "가" * 64 + "!", "ab" * 32 + "!", "0" * 64 + "!", "x1" * 32)


class _TextRule(SignalType):
    """A rule read from text: equal or not, matched inside a message's normalised text."""

    exact = True
    bits = 0
    thresholds = Thresholds(0, 0)
    reaches_back = False  # a message's text is never kept

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1


class TextPhrase(_TextRule):
    name = "text"

    @classmethod
    def canonical(cls, value: str) -> str:
        phrase = normalise(value)
        if len(phrase) < _MIN_PHRASE:
            raise InputError(
                f"a text rule needs at least {_MIN_PHRASE} letters or digits once spaces, "
                f"punctuation and repeats are removed: {value[:80]!r}"
            )
        if len(phrase) > MAX_PHRASE:
            raise InputError(f"a text rule is at most {MAX_PHRASE} letters, not {len(phrase)}")
        return phrase

    @classmethod
    def index(cls) -> "PhraseIndex":
        return PhraseIndex()


class PhraseIndex:
    """Phrases found inside a text: ``search([normalised text])`` returns every stored
    phrase the text contains (ids in the order phrases were added)."""

    def __init__(self) -> None:
        self._phrases: list[str] = []
        self._ids: dict[str, list[int]] = {}
        self._automaton: ahocorasick.Automaton | None = None  # None: to be (re)built

    def __len__(self) -> int:
        return len(self._phrases)

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        for value in values:
            self._ids.setdefault(value, []).append(len(self._phrases))
            self._phrases.append(value)
        self._automaton = None

    def seal(self) -> None:
        self._automaton = None

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        if not self._phrases:
            return []
        found: dict[int, IndexHit] = {}
        for text in values:
            for phrase in self._found(text):
                for i in self._ids[phrase]:
                    found.setdefault(i, IndexHit(i, 0, phrase))
        return list(found.values())

    def _found(self, text: str) -> Iterator[str]:
        """The stored phrases ``text`` (a phrase form) contains."""
        for _end, phrase in self._built().iter(text):
            yield phrase

    def value(self, index_id: int) -> str:
        return self._phrases[index_id]

    def values(self) -> list[str]:
        return list(self._phrases)

    def _built(self) -> ahocorasick.Automaton:
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for phrase in self._ids:
                automaton.add_word(phrase, phrase)
            if self._ids:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton


class TextWord(TextPhrase):
    name = "text_word"

    @classmethod
    def index(cls) -> "WordIndex":
        return WordIndex()


class WordIndex(PhraseIndex):
    """Phrases found as whole words: searched in ``Reading.words`` forms."""

    def _found(self, text: str) -> Iterator[str]:
        phrase, starts, ends = word_bounds(text)
        for end, found in self._built().iter(phrase):
            if word_at(phrase, starts, ends, end + 1 - len(found), end + 1):
                yield found


class TextPattern(_TextRule):
    name = "text_re"

    @classmethod
    def canonical(cls, value: str) -> str:
        pattern = value.strip()
        if not pattern or len(pattern) > MAX_PHRASE:
            raise InputError(f"a text pattern is 1-{MAX_PHRASE} characters, not {len(pattern)}")
        compiled = compiled_pattern(pattern)
        if compiled.search("") is not None:
            raise InputError(f"{pattern[:80]!r} matches an empty text: it would match everything")
        for probe in _PROBES:
            try:
                compiled.search(probe, timeout=_PROBE_SECONDS)
            except TimeoutError:
                raise InputError(
                    f"{pattern[:80]!r} takes over {_PROBE_SECONDS * 1000:.0f} ms on a "
                    f"{len(probe)}-character text: rewrite it without nested or overlapping "
                    "repetition"
                ) from None
        return pattern

    @classmethod
    def index(cls) -> "PatternIndex":
        return PatternIndex()


@lru_cache(maxsize=1024)
def compiled_pattern(pattern: str) -> "regex.Pattern[str]":
    """``pattern`` compiled as rules search it (case-insensitively), or ``InputError``."""
    try:
        return regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        raise InputError(f"{pattern[:80]!r} is not a regular expression: {exc}") from None


class PatternIndex:
    """Patterns searched in a text one by one, each within its time bound (a search
    that runs out finds nothing, and is logged)."""

    def __init__(self) -> None:
        self._patterns: list[str] = []
        self._compiled: list[regex.Pattern[str]] = []

    def __len__(self) -> int:
        return len(self._patterns)

    def add(self, values: Sequence[str], *, seal: bool = True) -> None:
        for value in values:
            self._patterns.append(value)
            self._compiled.append(compiled_pattern(value))

    def seal(self) -> None:
        return None

    def search(self, values: Sequence[str], radius: int) -> list[IndexHit]:
        found = []
        for i, compiled in enumerate(self._compiled):
            for text in values:
                try:
                    hit = compiled.search(text, timeout=_SEARCH_SECONDS)
                except TimeoutError:
                    log.warning("text pattern %d ran out of time on a message", i)
                    continue
                if hit is not None:
                    found.append(IndexHit(i, 0, self._patterns[i]))
                    break
        return found

    def value(self, index_id: int) -> str:
        return self._patterns[index_id]

    def values(self) -> list[str]:
        return list(self._patterns)
