"""Text normalisation: idempotent, every disguise of a rule reads as the rule, and a
sentence that does not contain a rule is not made to."""

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.signals import SIGNAL_TYPES
from core.signals.text import PatternIndex, PhraseIndex, WordIndex
from core.text_normal import normalise, read, word_bounds
from tests.core.canonical_auto import CanonicalFormAutoTest
from tests.text_corpus import BENIGN, DISGUISED

RULES = [rule for rule, _ in DISGUISED]
_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
_SEPARATORS = [" ", ".", "-", "_", "\u200b", "\u200d", "\ufe0f", "🔥", "💦", "/", "  "]
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def _jamo(syllable: str) -> str:
    """A Hangul syllable typed apart as compatibility jamo."""
    index = ord(syllable) - 0xAC00
    lead, vowel, tail = index // 588, index % 588 // 28, index % 28
    return _LEADS[lead] + _VOWELS[vowel] + (_TAILS[tail] if tail else "")


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A rule and a disguise of it: each character possibly case-changed, made
    full-width, swapped for a Cyrillic look-alike, typed apart as jamo, repeated;
    separators, zero-width characters or emoji between them."""
    rule = draw(st.sampled_from(RULES))
    out = []
    for original in rule:
        if original == " ":
            out.append(draw(st.sampled_from(["", " ", ".", "_"])))
            continue
        form = draw(st.sampled_from(["plain", "upper", "wide", "cyrillic", "jamo", "repeat"]))
        char = original
        if form == "upper":
            char = original.upper()
        elif form == "wide" and original.isascii():
            char = chr(ord(original) + 0xFEE0)
        elif form == "cyrillic":
            char = _CYRILLIC.get(original, original)
        elif form == "jamo" and "\uac00" <= original <= "\ud7a3":
            char = _jamo(original)
        elif form == "repeat":
            char = original * draw(st.integers(3, 6))
        out.append(char)
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(_SEPARATORS)))
    return rule, "".join(out)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
@example("ᄀ:ᅡ")  # jamo apart: the first reading composes them, the second must not
@example("ㄱ.ㅏ")
@example("abcㄱ. ㅏdef")
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=1000, deadline=None)
@given(disguised())
def test_every_disguise_of_a_rule_reads_as_the_rule(case: tuple[str, str]) -> None:
    rule, text = case
    assert normalise(rule) in normalise(f"buy {text} now")


_WORDS = ["오늘", "학교", "경찰", "교육", "예방", "news", "camera", "learning", "phone", "카페"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8), st.sampled_from(RULES))
def test_a_sentence_without_a_rule_is_not_made_to_contain_it(words: list[str], rule: str) -> None:
    sentence = " ".join(words)
    joined = unicodedata.normalize("NFKC", "".join(words)).casefold()
    if rule.replace(" ", "") in joined:  # it does contain it, spaces aside
        return
    assert normalise(rule) not in normalise(sentence)


def test_the_hand_written_disguises_and_benign_sentences() -> None:
    """Recall on realistic disguises, and which benign sentences the phrase form
    matches: exactly these, so a change that loses a disguise or adds a false
    positive fails here (the numbers are in the issue's closing note)."""
    missed = [
        (rule, text)
        for rule, texts in DISGUISED
        for text in texts
        if normalise(rule) not in normalise(text)
    ]
    # Digits are kept as digits ("2024" stays a number), so leetspeak is not undone.
    assert missed == [("hidden cam", "h1dden cam")]
    matched = [
        (rule, sentence)
        for sentence in BENIGN
        for rule in RULES
        if normalise(rule) in normalise(sentence)
    ]
    # News and prevention education naming the very phrase: what allow rules are
    # for ("딥페이크 예방 교육"); a text rule's match goes to review unless its bank
    # says delete. No other benign sentence matches.
    assert matched == [
        ("딥페이크", BENIGN[0]),
        ("불법촬영", BENIGN[1]),
        ("deepfake", BENIGN[10]),
        ("deepfake", BENIGN[11]),
        ("hidden cam", BENIGN[12]),
    ]


class TestTextPhrase(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["text"]
    stored_name = "text"
    good = (("딥페이크 판매", "딥페이크판매"), ("Hidden  CAM!", "hidencam"), ("ㅁㅗㄹ카", "몰카"))
    bad = ("", "a", "!!", "🔥🔥", "".join(chr(0xAC00 + i) for i in range(201)))


def test_a_phrase_in_two_banks_is_found_for_both_and_inside_longer_text() -> None:
    index = PhraseIndex()
    index.add(["딥페이크", "hidencam", "딥페이크"])
    found = index.search([normalise("오늘 ㄷㅣㅂ페이크 hidden camera 팝니다")], 0)
    assert sorted((hit.id, hit.value) for hit in found) == [
        (0, "딥페이크"),
        (1, "hidencam"),
        (2, "딥페이크"),
    ]
    assert index.search([normalise("오늘 점심")], 0) == []
    assert PhraseIndex().search(["anything"], 0) == []


class TestTextPattern(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["text_re"]
    stored_name = "text_re"
    good = ((" 딥.{0,2}페이크 ", "딥.{0,2}페이크"), ("hid+en", "hid+en"))
    bad = ("", "(", "a?", r"(a|aa)+$", r"(\w|\w\w)+\d", "x" * 201)


def test_a_pattern_that_runs_out_of_time_finds_nothing_and_the_rest_still_answer() -> None:
    index = PatternIndex()
    index.add(["몰카", r"(\w|\w\w)+\d"])  # the second was refused at import; here it is forced
    found = index.search(["몰카" + "a" * 40 + "!"], 0)
    assert [(hit.id, hit.value) for hit in found] == [(0, "몰카")]


class TestTextWord(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["text_word"]
    stored_name = "text_word"
    good = (("Hidden CAM", "hidencam"), ("몰 카", "몰카"))
    bad = ("", "a", "!!", "x" * 201)


def _words(rule: str, *texts: str) -> list[bool]:
    index = WordIndex()
    index.add([normalise(rule)])
    return [bool(index.search([read(text).words], 0)) for text in texts]


def test_a_whole_word_rule_matches_words_not_parts_of_words() -> None:
    assert _words("cam", "hidden cam here", "CAM!", "c.a.m", "c a m 🔥 for sale") == [True] * 4
    assert _words("cam", "camera", "webcam", "cams", "scam alert", "c a m e r a") == [False] * 5
    assert _words("hidden cam", "hidden-cam", "HIDDEN   CAM", "h i d d e n cam") == [True] * 3
    assert _words("hidden cam", "hiddencamera") == [False]


def test_a_korean_whole_word_may_carry_a_particle() -> None:
    yes = ["몰카 팝니다", "몰카를 팝니다", "몰카에서", "ㅁㅗㄹ카를 삽니다", "몰 카 를 팝니다"]
    assert _words("몰카", *yes) == [True] * len(yes)
    assert _words("몰카", "몰카영상 팝니다", "반몰카 운동", "몰카범죄") == [False] * 3


def test_a_word_that_starts_on_the_letter_the_last_ended_with_is_still_a_word() -> None:
    assert _words("loop", "cool loop") == [True]
    assert _words("cool", "cool loop") == [True]
    assert _words("cool loop", "cool loop!") == [True]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_a_reading_keeps_its_words_and_where_each_letter_came_from(text: str) -> None:
    reading = read(text)
    assert word_bounds(reading.words)[0] == reading.phrase
    assert len(reading.origins) == len(reading.phrase)
    if reading.phrase:  # the whole phrase came from the text, as written
        assert normalise(reading.written(0, len(reading.phrase))) == reading.phrase


def test_a_latin_word_may_carry_a_korean_particle_as_korean_is_written() -> None:
    assert _words("deepfake", "deepfake를 팝니다", "d e e p f a k e 영상", "deepfake영상") == [
        True,
        True,
        False,
    ]
    assert _words("cam", "cam을 삽니다") == [True]


def test_the_hand_written_corpus_as_whole_word_rules() -> None:
    """The same corpus with every rule a whole-word rule: "불법촬영물" (filmed
    material) is its own word, and "hidden camera" no longer matches "hidden cam"."""
    index = WordIndex()
    index.add([normalise(rule) for rule in RULES])
    missed = [
        (rule, text)
        for rule, texts in DISGUISED
        for text in texts
        if not index.search([read(f"buy {text} now").words], 0)
    ]
    assert missed == [("불법촬영", "불.법.촬.영.물"), ("hidden cam", "h1dden cam")]
    matched = [sentence for sentence in BENIGN if index.search([read(sentence).words], 0)]
    assert matched == [BENIGN[0], BENIGN[1], BENIGN[10], BENIGN[11]]
