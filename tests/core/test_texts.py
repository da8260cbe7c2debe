"""What both adapters share about review-card buttons, ids and languages."""

import re

import pytest

from core.ids import id_pattern, new_id
from core.model import Decision, ReviewCard
from core.texts import BUTTONS, button_decision, person_language


def test_a_card_offers_ban_beside_confirm_only() -> None:
    open_card = ReviewCard("C", "t", (), ("confirm", "overturn", "escalate"))
    assert open_card.buttons == ("confirm", "overturn", "escalate", "ban")
    escalated = ReviewCard("C", "t", (), ("overturn",))
    assert escalated.buttons == ("overturn",)
    assert set(open_card.buttons) <= set(BUTTONS)
    image = ReviewCard("C", "t", (), ("confirm", "overturn", "escalate"), allowable=True)
    assert image.buttons == ("confirm", "overturn", "escalate", "ban", "fine")


@pytest.mark.parametrize(
    ("button", "decision", "ban", "fine"),
    [
        ("confirm", Decision.CONFIRM, False, False),
        ("ban", Decision.CONFIRM, True, False),
        ("overturn", Decision.OVERTURN, False, False),
        ("escalate", Decision.ESCALATE, False, False),
        ("fine", Decision.OVERTURN, False, True),
    ],
)
def test_what_a_button_decides(button: str, decision: Decision, ban: bool, fine: bool) -> None:
    assert button_decision(button) == (decision, ban, fine)


@pytest.mark.parametrize(
    ("code", "fallback", "language"),
    [
        (None, "ko", "ko"),
        ("", "en", "en"),
        ("ko", "en", "ko"),
        ("ko-KR", "en", "ko"),
        ("en-US", "ko", "en"),
        ("en_GB", "ko", "en"),
        ("ja", "ko", "ko"),  # not one of ours: the chat's language
        ("ja", "en", "en"),
    ],
)
def test_a_persons_language_follows_their_platform_else_their_chat(
    code: str | None, fallback: str, language: str
) -> None:
    assert person_language(code, fallback) == language


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
    assert status_lines(changed, ["delete messages"], "en") == [
        "mode dry-run, language en, notice on",
        "rights: MISSING delete messages",
    ]
    assert status_lines(changed, [], "ko") == ["모드 dry-run, 언어 en, 안내 켬", "권한: 모두 있음"]
