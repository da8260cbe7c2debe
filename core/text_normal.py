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
"""

import re
import unicodedata
from functools import cache

from core.confusables import ascii_look_alike

__all__ = ["normalise"]

# Hangul compatibility jamo (U+3131..U+314E consonants, U+314F..U+3163 vowels) in
# the order the syllable formula counts them.
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_SYLLABLE_BASE = 0xAC00
_DROPPED = ("Cf", "Mn", "Me", "Cc", "Co", "Cs", "Cn")
# Latin letters typed for a vowel after a consonant jamo (``ㅋr`` for 카, ``ㅂl`` for 비).
_VOWEL_STAND_INS = {"r": "ㅏ", "l": "ㅣ", "I": "ㅣ", "1": "ㅣ", "H": "ㅐ", "T": "ㅜ"}
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


def normalise(text: str) -> str:
    """``text`` in the form rules and messages are compared in (see the module)."""
    composed = unicodedata.normalize("NFKC", _compose_jamo(text)).casefold()
    letters = []
    for char in composed:
        for part in _parts(char):
            folded = _fold(part)
            if folded:
                letters.append(folded)
    return _collapse_repeats("".join(letters))


def _compose_jamo(text: str) -> str:
    """Compatibility jamo sequences that spell syllables, as those syllables."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        lead = _LEADS.find(text[i])
        following = text[i + 1] if i + 1 < n else ""
        vowel = _VOWELS.find(_VOWEL_STAND_INS.get(following, following)) if following else -1
        if lead < 0 or vowel < 0:
            out.append(text[i])
            i += 1
            continue
        tail, used = 0, 2
        if i + 2 < n:
            candidate = _TAILS.find(text[i + 2], 1)
            follows_vowel = i + 3 < n and _VOWELS.find(text[i + 3]) >= 0
            if candidate > 0 and not follows_vowel:  # else it leads the next syllable
                tail, used = candidate, 3
        out.append(chr(_SYLLABLE_BASE + (lead * 21 + vowel) * 28 + tail))
        i += used
    return "".join(out)


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


def _collapse_repeats(text: str) -> str:
    return "".join(char for i, char in enumerate(text) if i == 0 or text[i - 1] != char)
