from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InputError
from core.model import Action, Band, BankAction, CaseKind, Match, Report, Sender, SenderKind
from core.policy import ChatSettings, Mode, Sanction, decide, decide_report
from tests.core.engine_helpers import photo

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
A = Action


def match(
    signal: str = "pdq",
    band: Band = Band.ACT,
    action: BankAction = BankAction.DELETE,
    category: str = "other",
) -> Match:
    return Match("bank", 1, signal, "ab", 3, band, action, category)


@pytest.mark.parametrize(
    ("matches", "settings", "message", "actions"),
    [
        ([match()], ChatSettings(), photo("1"), {A.DELETE, A.NOTICE, A.DM}),
        (
            [match()],
            ChatSettings(notice=False, sanction=Sanction.BAN),
            photo("1"),
            {A.DELETE, A.DM, A.BAN},
        ),
        (
            [match()],
            ChatSettings(sanction=Sanction.RESTRICT),
            photo("1", album="x"),
            {A.DELETE, A.NOTICE, A.DM, A.RESTRICT},
        ),
        ([match(band=Band.REVIEW)], ChatSettings(), photo("1"), set()),
        ([match("phash")], ChatSettings(), photo("1"), set()),
        (
            [match("phash", action=BankAction.REVIEW, category="csam")],
            ChatSettings(block_first=frozenset({"csam"})),
            photo("1"),
            set(),
        ),
        ([match(action=BankAction.REVIEW)], ChatSettings(), photo("1"), set()),
        (
            [match(action=BankAction.REVIEW, category="csam")],
            ChatSettings(block_first=frozenset({"csam"})),
            photo("1"),
            {A.DELETE, A.NOTICE, A.DM},
        ),
        (
            [match("md5"), match(band=Band.REVIEW)],
            ChatSettings(),
            photo("1"),
            {A.DELETE, A.NOTICE, A.DM},
        ),
        (
            [match()],
            ChatSettings(sanction=Sanction.BAN),
            photo("1", sender=Sender("a", SenderKind.ANONYMOUS_ADMIN)),
            {A.DELETE, A.NOTICE},
        ),
        (
            [match()],
            ChatSettings(sanction=Sanction.BAN),
            photo("1", sender=Sender("b", SenderKind.BOT)),
            {A.DELETE, A.NOTICE},
        ),
        (
            [match()],
            ChatSettings(sanction=Sanction.BAN),
            photo("1", sender=Sender("c", SenderKind.CHANNEL)),
            {A.DELETE, A.NOTICE, A.BAN},
        ),
    ],
    ids=[
        "delete-bank",
        "ban-no-notice",
        "album-restrict",
        "review-band",
        "phash-never-deletes",
        "phash-even-block-first",
        "review-bank",
        "review-bank-block-first",
        "strongest-wins",
        "anonymous-admin",
        "bot",
        "channel",
    ],
)
def test_decide(
    matches: list[Match], settings: ChatSettings, message: object, actions: set[Action]
) -> None:
    verdict = decide(matches, message, settings, NOW)  # type: ignore[arg-type]
    assert verdict.actions == actions
    assert verdict.case_kind is CaseKind.MATCH_REVIEW
    assert verdict.deadline == NOW + timedelta(hours=24)
    assert len(verdict.reasons) == len(matches)


def test_no_match_no_verdict() -> None:
    verdict = decide([], photo("1"), ChatSettings(), NOW)
    assert (verdict.actions, verdict.opens_case) == (frozenset(), False)


def test_dry_run_is_marked_not_changed() -> None:
    verdict = decide([match()], photo("1"), ChatSettings(mode=Mode.DRY_RUN), NOW)
    assert verdict.dry_run
    assert A.DELETE in verdict.actions


def test_report_without_a_message_only_opens_a_case() -> None:
    verdict = decide_report(Report("u", "csam"), ChatSettings(block_first=frozenset({"csam"})), NOW)
    assert verdict.actions == frozenset()
    assert verdict.deadline == NOW + timedelta(days=14)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "fr"}, "language"),
        ({"block_first": frozenset({"spam"})}, "unknown categories"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ChatSettings(**kwargs)  # type: ignore[arg-type]
