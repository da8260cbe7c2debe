"""Text rules: 10,000 phrases against chat-length messages.

    python -m bench.bench_text [--rules 10000] [--messages 5000]

Ours: each message read (``core.text_normal.read``: normalised, with each
letter's span and the word boundaries) and matched through the matcher's
Aho-Corasick index (``core.matching.text_rules.check_text``), as the engine
does: once with the rules as phrases (``text``), once as whole-word rules
(``text_word``). Baseline in the same run: a plain ``str.find`` loop over the same
rules on the raw lower-cased message (no normalisation at all). Random Korean
and Latin phrases; one message in fifty carries one of them, disguised.
"""

import argparse
import random
import time

from core.banks import Bank
from core.matching.matcher import Matcher
from core.matching.text_rules import TextPlace, check_text
from core.signals.text import TextPhrase, TextWord

_SYLLABLES = [chr(0xAC00 + i) for i in range(0, 11172, 7)]
_LATIN = "abcdefghijklmnopqrstuvwxyz"


def _phrase(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(3, 6)))
    return " ".join("".join(rng.choice(_LATIN) for _ in range(rng.randint(3, 7))) for _ in range(2))


def _message(rng: random.Random, rules: list[str]) -> str:
    words = [_phrase(rng) for _ in range(rng.randint(4, 14))]
    if rng.random() < 0.02:
        words.insert(rng.randrange(len(words)), " ".join(rng.choice(rules)))  # spaced out
    return " ".join(words)


def _ours(kind: str, rules: list[str], messages: list[str]) -> tuple[float, float, int]:
    """Messages a second, p99 in ms and messages matched, with ``rules`` as ``kind``."""
    matcher = Matcher([Bank("ads")])
    matcher.add("ads", [(i, kind, TextPhrase.canonical(r), False) for i, r in enumerate(rules)])
    check_text(matcher, [(TextPlace.TEXT, "warm the automaton up")])
    took = []
    hits = 0
    start = time.perf_counter()
    for message in messages:
        one = time.perf_counter()
        hits += bool(check_text(matcher, [(TextPlace.TEXT, message)]))
        took.append(time.perf_counter() - one)
    rate = len(messages) / (time.perf_counter() - start)
    took.sort()
    return rate, took[int(len(took) * 0.99)] * 1000, hits


def bench(n_rules: int, n_messages: int) -> None:
    rng = random.Random(7)
    rules = [_phrase(rng) for _ in range(n_rules)]
    messages = [_message(rng, rules) for _ in range(n_messages)]
    phrases = _ours(TextPhrase.name, rules, messages)
    words = _ours(TextWord.name, rules, messages)

    lowered = [r.lower() for r in rules]
    start = time.perf_counter()
    plain_hits = 0
    for message in messages:
        text = message.lower()
        plain_hits += any(text.find(rule) >= 0 for rule in lowered)
    plain = n_messages / (time.perf_counter() - start)

    print(
        f"{n_rules:,} rules, {n_messages:,} messages of {sum(map(len, messages)) // n_messages} chars"
    )
    for name, (rate, p99, hits) in (("phrases", phrases), ("whole words", words)):
        print(
            f"ours, {name} (read + Aho-Corasick): {rate:,.0f} messages/s, p99 {p99:.3f} ms, "
            f"{hits} matched, {rate / plain:.1f}x plain"
        )
    print(f"plain str.find loop (no normalisation): {plain:,.0f} messages/s, {plain_hits} matched")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=5_000)
    args = parser.parse_args()
    bench(args.rules, args.messages)


if __name__ == "__main__":
    main()
