import pytest

from core.banks import Bank, check_bank_name, parse_threshold
from core.errors import InputError
from core.matching.matcher import Matcher
from core.model import Band, BankAction
from core.signals import Thresholds

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def flip(value: str, bits: int) -> str:
    """``value`` with its lowest ``bits`` bits inverted."""
    width = len(value) * 4
    return f"{int(value, 16) ^ ((1 << bits) - 1):0{width // 4}x}"


def matcher(*banks: Bank, entries: dict[str, list[tuple[int, str, str]]]) -> Matcher:
    """A matcher over block rules (``(id, type, value)``); allow rules have a fourth True."""
    built = Matcher(banks)
    for name, rows in entries.items():
        built.add(name, [(*row, False)[:4] for row in rows])  # type: ignore[misc]
    return built


@pytest.mark.parametrize(
    ("distance", "band", "action"),
    [
        (0, Band.ACT, BankAction.DELETE),
        (31, Band.ACT, BankAction.DELETE),
        (32, Band.REVIEW, BankAction.REVIEW),
        (45, Band.REVIEW, BankAction.REVIEW),
    ],
)
def test_pdq_bands(distance: int, band: Band, action: BankAction) -> None:
    m = matcher(Bank("ncii"), entries={"ncii": [(7, "pdq", PDQ)]})
    (match,) = m.match({"pdq": [flip(PDQ, distance)]})
    assert (match.bank, match.entry_id, match.distance) == ("ncii", 7, distance)
    assert (match.band, match.action) == (band, action)


def test_beyond_the_review_band_is_no_match() -> None:
    m = matcher(Bank("ncii"), entries={"ncii": [(7, "pdq", PDQ)]})
    assert m.match({"pdq": [flip(PDQ, 46)]}) == []


def test_a_review_bank_never_deletes() -> None:
    m = matcher(Bank("watch", BankAction.REVIEW), entries={"watch": [(1, "pdq", PDQ)]})
    (match,) = m.match({"pdq": [PDQ]})
    assert (match.band, match.action) == (Band.ACT, BankAction.REVIEW)


def test_phash_alone_never_deletes() -> None:
    m = matcher(Bank("local"), entries={"local": [(1, "phash", "c2924c5532bddfc8")]})
    (match,) = m.match({"phash": ["c2924c5532bddfc8"]})
    assert (match.band, match.action) == (Band.ACT, BankAction.REVIEW)


def test_per_bank_thresholds_apply_to_their_own_entries() -> None:
    strict = Bank("strict", thresholds={"pdq": Thresholds(10, 12)})
    m = matcher(
        strict,
        Bank("loose"),
        entries={"strict": [(1, "pdq", PDQ)], "loose": [(2, "pdq", PDQ)]},
    )
    found = {(x.bank, x.band) for x in m.match({"pdq": [flip(PDQ, 20)]})}
    assert found == {("loose", Band.ACT)}
    found = {(x.bank, x.band) for x in m.match({"pdq": [flip(PDQ, 11)]})}
    assert found == {("loose", Band.ACT), ("strict", Band.REVIEW)}


def test_nearest_variant_wins_and_acts_sort_first() -> None:
    m = matcher(
        Bank("a"),
        Bank("b", BankAction.REVIEW),
        entries={"a": [(1, "pdq", PDQ)], "b": [(2, "md5", "0" * 31 + "1")]},
    )
    matches = m.match({"pdq": [flip(PDQ, 40), flip(PDQ, 3)], "md5": ["0" * 31 + "1"]})
    assert [(x.bank, x.distance) for x in matches] == [("b", 0), ("a", 3)]


def test_disabled_banks_are_not_matched() -> None:
    m = matcher(Bank("off", enabled=False), entries={"off": [(1, "pdq", PDQ)]})
    assert m.match({"pdq": [PDQ]}) == []
    assert len(m) == 0


def test_unknown_and_unindexed_query_types_are_ignored() -> None:
    m = matcher(Bank("a"), entries={"a": [(1, "pdq", PDQ)]})
    assert m.match({"tlsh": ["abc"], "phash": ["c2924c5532bddfc8"]}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pdq=31", ("pdq", Thresholds(31, 45))),
        ("pdq=20:30", ("pdq", Thresholds(20, 30))),
        ("PHASH=6", ("phash", Thresholds(6, 10))),
        ("md5=0", ("md5", Thresholds(0, 0))),
    ],
)
def test_parse_threshold(text: str, expected: tuple[str, Thresholds]) -> None:
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pdq", "TYPE=N"),
        ("pdq=x", "TYPE=N"),
        ("pdq=40:30", "act <= review"),
        ("pdq=300", "act <= review"),
        ("tlsh=3", "unknown signal type"),
    ],
)
def test_bad_thresholds_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_threshold(text)


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 65, "../etc", "ü"])
def test_bad_bank_names_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="bad bank name"):
        check_bank_name(name)


def test_bank_thresholds_are_checked_on_creation() -> None:
    with pytest.raises(InputError):
        Bank("x", thresholds={"phash": Thresholds(10, 70)})


def test_an_allow_rule_in_any_bank_clears_the_item() -> None:
    m = Matcher([Bank("block"), Bank("exceptions")])
    m.add("block", [(1, "domain", "example.com", False), (2, "pdq", PDQ, False)])
    m.add("exceptions", [(3, "url", "https://example.com/ok", True)])
    allowed = m.match({"url": ["https://example.com/ok"], "domain": ["example.com"]})
    assert allowed == []
    blocked = m.match({"url": ["https://example.com/bad"], "domain": ["example.com"]})
    assert [x.signal_type for x in blocked] == ["domain"]


@pytest.mark.parametrize(("distance", "found"), [(0, True), (31, True), (32, False), (45, False)])
def test_act_only_reports_the_act_band_alone(distance: int, found: bool) -> None:
    m = matcher(Bank("ncii"), entries={"ncii": [(7, "pdq", PDQ)]})
    matches = m.match({"pdq": [flip(PDQ, distance)]}, act_only=True)
    assert [(x.entry_id, x.band) for x in matches] == ([(7, Band.ACT)] if found else [])


def test_an_allow_rule_in_its_review_band_clears_an_act_only_lookup_too() -> None:
    """Allow rules are searched to the widest band either way, so a lookup never
    reports a match that the engine would not act on."""
    m = Matcher([Bank("block"), Bank("exceptions")])
    m.add("block", [(1, "pdq", PDQ, False)])
    m.add("exceptions", [(2, "pdq", flip(PDQ, 40), True)])
    assert m.match({"pdq": [PDQ]}) == []
    assert m.match({"pdq": [PDQ]}, act_only=True) == []
    m.remove("exceptions", [2])
    assert [x.entry_id for x in m.match({"pdq": [PDQ]}, act_only=True)] == [1]
