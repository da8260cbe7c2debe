"""Text rules as a signal type, so banks hold them beside hashes and links.

A rule is a phrase, stored in its normalised form (``core.text_normal``: what a
bank stores and exports); it matches a message whose normalised text contains
it, however the phrase was disguised. Thousands of rules are searched in one
pass of an Aho–Corasick automaton.
"""

from collections.abc import Sequence

import ahocorasick

from core.errors import InputError
from core.signals.base import SignalType, Thresholds
from core.signals.indexes import IndexHit
from core.text_normal import normalise

__all__ = ["MAX_PHRASE", "PhraseIndex", "TextPhrase"]

MAX_PHRASE = 200  # characters of a rule, normalised
_MIN_PHRASE = 2  # one letter would match nearly every message


class TextPhrase(SignalType):
    name = "text"
    exact = True
    bits = 0
    thresholds = Thresholds(0, 0)

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
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1

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
        automaton = self._built()
        found: dict[int, IndexHit] = {}
        for text in values:
            for _end, phrase in automaton.iter(text):
                for i in self._ids[phrase]:
                    found.setdefault(i, IndexHit(i, 0, phrase))
        return list(found.values())

    def value(self, index_id: int) -> str:
        return self._phrases[index_id]

    def _built(self) -> ahocorasick.Automaton:
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for phrase in self._ids:
                automaton.add_word(phrase, phrase)
            if self._ids:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton
