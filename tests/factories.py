"""Records for tests that need stored cases without running the engine."""

from datetime import timedelta

from core.cases import Case
from core.model import (
    Band,
    BankAction,
    CaseKind,
    Chat,
    ChatKind,
    Match,
    MediaRef,
    Message,
    Sender,
    Signal,
)
from tests.fakes import FakeClock

__all__ = ["make_case"]


def _match(bank: str) -> Match:
    return Match(bank, 1, "md5", "0" * 32, 0, Band.ACT, BankAction.DELETE, "deepfake")


def make_case(
    clock: FakeClock,
    case_id: str,
    *,
    chat: str = "-100",
    platform: str = "telegram",
    banks: tuple[str, ...] = ("ncii",),
    category: str = "deepfake",
    hours: float = 24,
    kind: CaseKind = CaseKind.MATCH_REVIEW,
    with_message: bool = False,
) -> Case:
    message = None
    if with_message:
        message = Message(
            Chat(platform, chat, ChatKind.SUPERGROUP, "Test group"),
            case_id,
            Sender("u1", name="someone"),
            text="look at this",
            media=(MediaRef("photo", f"key-{case_id}", f"ref-{case_id}", "image/jpeg", 1234),),
            sent_at=clock.now(),
        )
    return Case(
        id=case_id,
        kind=kind,
        target=f"{platform}:{chat}:message:{case_id}",
        opened_at=clock.now(),
        deadline=clock.now() + timedelta(hours=hours),
        category=category,
        matches=tuple(_match(b) for b in banks),
        message=message,
        signals=(Signal("pdq", "ab" * 32, 100), Signal("md5", "0" * 32)),
        reasons=("pdq act band, deepfake",),
        removed=with_message,
    )
