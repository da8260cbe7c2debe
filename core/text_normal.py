"""Text as a rule sees it: the same pure function turns a rule and a message into
the form they are compared in, so a disguise of a listed phrase reads as the
phrase itself.

Disguises undone, in order:

1. Hangul compatibility jamo typed apart are composed where they spell a
   syllable (``ㄷㅣㅂ페이크`` → ``딥페이크``), a Latin letter standing in for the
   vowel included (``ㅋr`` → ``카``);
2. Unicode NFKC (full-width ``ｄｅｅｐ`` → ``deep``, circled and styled letters),
   then case folding;
3. format characters (zero-width spaces and joiners, direction marks, variation
   selectors) and combining marks (strike-through, accents) are dropped;
4. Latin, Cyrillic, Greek and other letters that look like an ASCII one are
   folded into it (Unicode's confusables data, as the link look-alike check);
5. everything that is not a letter or a digit (spaces, dots, punctuation,
   symbols, emoji) is dropped: the phrase form is letters only;
6. a character repeated counts once (``deeeeep`` and ``deep`` both read
   ``dep``): applied to rules and text alike, a run's length never matters.

The result is idempotent: normalising it again changes nothing.

``read`` also keeps what the phrase form loses, for whole-word rules and for
showing a reviewer what matched: where each letter came from in the text, and
where words begin and end. A word ends where a separator stood, except inside a
run of single letters or syllables (``s e x y``, ``딥 페 이 크``: one word).
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from core.confusables import ascii_look_alike

__all__ = ["Reading", "normalise", "read", "word_at", "word_bounds"]

# Hangul compatibility jamo (U+3131..U+314E consonants, U+314F..U+3163 vowels) in
# the order the syllable formula counts them.
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_SYLLABLE_BASE = 0xAC00
_DROPPED = ("Cf", "Mn", "Me", "Cc", "Co", "Cs", "Cn")
# Latin letters typed for a vowel after a consonant jamo (``ㅋr`` for 카, ``ㅂl`` for 비).
_VOWEL_STAND_INS = {"r": "ㅏ", "l": "ㅣ", "I": "ㅣ", "1": "ㅣ", "H": "ㅐ", "T": "ㅜ"}
_COMPAT_JAMO = re.compile("[\u3131-\u3163]")
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")
# Blocks whose characters NFKC may compose with the one before (Hangul jamo, full
# and half width): a text is normalised in pieces that never split one.
_JAMO = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF), (0xFFA0, 0xFFDC))
# Korean particles a whole word may carry (``딥페이크를``, ``몰카에서``), longest first.
_PARTICLES = (
    "에서", "에게", "한테", "으로", "이랑", "까지", "부터", "처럼", "보다", "이나", "이다",
    "은", "는", "이", "가", "을", "를", "의", "에", "께", "와", "과", "도", "만", "로", "랑",
    "나", "요", "야",
)  # fmt: skip

_Letter = tuple[str, int, int]  # a folded letter and the span of the text it came from


@dataclass(frozen=True, slots=True)
class Reading:
    """A text as rules read it: its phrase form, each letter's span in the text,
    and its words (the phrase form with a space at each word boundary, each word
    keeping a letter it shares with the one before: what a whole-word rule is
    searched in, ``word_bounds`` reads it back)."""

    text: str
    phrase: str
    origins: tuple[tuple[int, int], ...]
    words: str

    def written(self, start: int, end: int) -> str:
        """The text as written that phrase positions ``start``..``end`` came from."""
        if not 0 <= start < end <= len(self.phrase):
            return ""
        return self.text[self.origins[start][0] : self.origins[end - 1][1]]


def normalise(text: str) -> str:
    """``text`` in the form rules and messages are compared in (see the module)."""
    return read(text).phrase


def read(text: str) -> Reading:
    """``text``'s phrase form, with where its letters and words came from."""
    split: list[list[_Letter]] = [[]]
    for letter in _letters(text):
        if letter is None:
            if split[-1]:
                split.append([])
        else:
            split[-1].append(letter)
    phrase: list[str] = []
    origins: list[tuple[int, int]] = []
    words: list[str] = []
    for joined in _join_single_letters([w for w in split if w]):
        word = _syllables(joined)  # jamo typed apart (``ㄱ.ㅏ``) spell their syllable
        kept = [letter for i, letter in enumerate(word) if i == 0 or word[i - 1][0] != letter[0]]
        for char, start, end in word:
            if phrase and phrase[-1] == char:  # a repeat: one letter, its span widened
                origins[-1] = (origins[-1][0], end)
            else:
                phrase.append(char)
                origins.append((start, end))
        words.append("".join(char for char, _, _ in kept))
    return Reading(text, *_settled(phrase, origins), " ".join(words))


def _syllables(letters: Sequence[_Letter]) -> list[_Letter]:
    """A leading consonant jamo followed by a vowel jamo (NFKC turns compatibility
    jamo into these), as their syllable: what NFKC would make of them, were they
    next to each other in a text."""
    out: list[_Letter] = []
    for letter in letters:
        if out and _is_lead(out[-1][0]) and 0x1161 <= ord(letter[0]) <= 0x1175:
            lead, start, _ = out.pop()
            syllable = _SYLLABLE_BASE + ((ord(lead) - 0x1100) * 21 + ord(letter[0]) - 0x1161) * 28
            out.append((chr(syllable), start, letter[2]))
        else:
            out.append(letter)
    return out


def _is_lead(char: str) -> bool:
    return 0x1100 <= ord(char) <= 0x1112


def _settled(
    phrase: list[str], origins: list[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The phrase form with jamo composed across words too, and repeats counted
    once again: reading it once more changes nothing."""
    if not any(_is_lead(char) for char in phrase):
        return "".join(phrase), tuple(origins)
    letters = _syllables([(c, s, e) for c, (s, e) in zip(phrase, origins, strict=True)])
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for char, start, end in letters:
        if chars and chars[-1] == char:
            spans[-1] = (spans[-1][0], end)
        else:
            chars.append(char)
            spans.append((start, end))
    return "".join(chars), tuple(spans)


def word_bounds(words: str) -> tuple[str, frozenset[int], frozenset[int]]:
    """``Reading.words`` read back: the phrase form, where words start and end."""
    phrase = ""
    starts: set[int] = set()
    ends: set[int] = set()
    for word in words.split(" "):
        if not word:
            continue
        shared = bool(phrase) and phrase[-1] == word[0]
        starts.add(len(phrase) - shared)
        phrase += word[1:] if shared else word
        ends.add(len(phrase))
    return phrase, frozenset(starts), frozenset(ends)


def word_at(
    phrase: str, starts: frozenset[int], ends: frozenset[int], start: int, end: int
) -> bool:
    """Whether ``phrase[start:end]`` is whole words: it starts a word and ends one,
    or ends where a Korean particle that ends the word begins (``몰카를``, and
    ``deepfake를`` as Korean is written)."""
    if start not in starts:
        return False
    if end in ends:
        return True
    return any(
        phrase.startswith(particle, end) and end + len(particle) in ends for particle in _PARTICLES
    )


def _join_single_letters(words: Sequence[list[_Letter]]) -> Iterator[list[_Letter]]:
    """Runs of two or more one-letter words as one word (letters spaced apart)."""
    run: list[_Letter] = []
    for word in words:
        if len(word) == 1:
            run += word
            continue
        if run:
            yield run
            run = []
        yield word
    if run:
        yield run


def _letters(text: str) -> Iterator[_Letter | None]:
    """Folded letters with their spans, and None where a separator stood."""
    if _COMPAT_JAMO.search(text) is None and unicodedata.is_normalized("NFKC", text):
        pieces: Iterable[_Letter] = ((char, i, i + 1) for i, char in enumerate(text))
    else:  # each piece normalised on its own, keeping where it came from
        pieces = _chunks(_compose_jamo(text))
    for piece, start, end in pieces:
        for item in _folded(piece):
            yield None if item is None else (item, start, end)


@lru_cache(maxsize=65536)
def _folded(piece: str) -> tuple[str | None, ...]:
    """A piece of text as letters, None for a separator (dropped characters vanish)."""
    out: list[str | None] = []
    for char in unicodedata.normalize("NFKC", piece).casefold():
        for part in _parts(char):
            folded = _fold(part)
            if folded:
                out.extend(folded)
            elif unicodedata.category(part) not in _DROPPED:
                out.append(None)
    return tuple(out)


def _chunks(chars: Sequence[_Letter]) -> Iterator[_Letter]:
    """Characters grouped so that NFKC never needs to look across a group: a
    character with the combining marks and Hangul jamo that follow it."""
    group, start, end = "", 0, 0
    for char, char_start, char_end in chars:
        if group and not (unicodedata.combining(char) or _is_jamo(char)):
            yield group, start, end
            group = ""
        if not group:
            start = char_start
        group += char
        end = char_end
    if group:
        yield group, start, end


def _is_jamo(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _JAMO)


def _compose_jamo(text: str) -> list[_Letter]:
    """Compatibility jamo sequences that spell syllables, as those syllables."""
    out: list[_Letter] = []
    i, n = 0, len(text)
    while i < n:
        lead = _LEADS.find(text[i])
        following = text[i + 1] if i + 1 < n else ""
        vowel = _VOWELS.find(_VOWEL_STAND_INS.get(following, following)) if following else -1
        if lead < 0 or vowel < 0:
            out.append((text[i], i, i + 1))
            i += 1
            continue
        tail, used = 0, 2
        if i + 2 < n:
            candidate = _TAILS.find(text[i + 2], 1)
            follows_vowel = i + 3 < n and _VOWELS.find(text[i + 3]) >= 0
            if candidate > 0 and not follows_vowel:  # else it leads the next syllable
                tail, used = candidate, 3
        out.append((chr(_SYLLABLE_BASE + (lead * 21 + vowel) * 28 + tail), i, i + used))
        i += used
    return out


def _parts(char: str) -> str:
    """A character without its combining marks (a Hangul syllable stays whole)."""
    if "\uac00" <= char <= "\ud7a3" or char.isascii():
        return char
    return unicodedata.normalize("NFD", char)


@cache
def _fold(char: str) -> str:
    """A kept character in its folded form, or "" if it is dropped."""
    category = unicodedata.category(char)
    if category in _DROPPED or category[0] not in "LN":
        return ""
    if char.isascii() or "\uac00" <= char <= "\ud7a3":
        return char
    look_alike = ascii_look_alike(char)
    if look_alike is not None and look_alike.isalnum():
        return look_alike
    small_capital = _SMALL_CAPITAL.fullmatch(unicodedata.name(char, ""))
    return small_capital.group(1).lower() if small_capital else char
