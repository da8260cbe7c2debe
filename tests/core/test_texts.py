"""What both adapters share about review-card buttons, ids and languages (issue 14, 6)."""

import re

import pytest

from core.ids import id_pattern, new_id
from core.model import Decision, ReviewCard
from core.texts import BUTTONS, button_decision, language_of


def test_a_card_offers_ban_beside_confirm_only() -> None:
    open_card = ReviewCard("C", "t", (), ("confirm", "overturn", "escalate"))
    assert open_card.buttons == ("confirm", "overturn", "escalate", "ban")
    escalated = ReviewCard("C", "t", (), ("overturn",))
    assert escalated.buttons == ("overturn",)
    assert set(open_card.buttons) <= set(BUTTONS)


@pytest.mark.parametrize(
    ("button", "decision", "ban"),
    [
        ("confirm", Decision.CONFIRM, False),
        ("ban", Decision.CONFIRM, True),
        ("overturn", Decision.OVERTURN, False),
        ("escalate", Decision.ESCALATE, False),
    ],
)
def test_what_a_button_decides(button: str, decision: Decision, ban: bool) -> None:
    assert button_decision(button) == (decision, ban)


@pytest.mark.parametrize(
    ("code", "language"), [(None, "ko"), ("", "ko"), ("ko", "ko"), ("ko-KR", "ko"), ("en-US", "en")]
)
def test_language_of_a_platform_code(code: str | None, language: str) -> None:
    assert language_of(code) == language


def test_the_id_pattern_is_derived_from_the_alphabet() -> None:
    pattern = re.compile(id_pattern(8))
    assert all(pattern.fullmatch(new_id(8)) for _ in range(200))
    assert not pattern.fullmatch("O0I1ABCD")  # letters people confuse are never used


def test_the_settings_commands_both_adapters_offer() -> None:
    from core.errors import InputError
    from core.policy import SETTING_COMMANDS, ChatSettings, Mode, with_setting
    from core.texts import status_lines

    assert set(SETTING_COMMANDS) == {"mode", "lang", "notice"}
    changed = with_setting(with_setting(ChatSettings(), "mode", "dry-run"), "lang", "en")
    assert (changed.mode, changed.language) == (Mode.DRY_RUN, "en")
    with pytest.raises(InputError, match="notice: one of on, off"):
        with_setting(changed, "notice", "maybe")
    assert status_lines(changed, ["delete messages"], "rights") == [
        "mode dry-run, language en, notice on",
        "rights: MISSING delete messages",
    ]
