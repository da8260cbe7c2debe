"""Platform effects, queued before they are carried out (the outbox).

The engine records every effect a verdict or decision calls for in the same
transaction as the case, then performs it, then marks it done with its audit
entry in one more transaction. A crash between the two (kill -9) leaves the
effect pending, and the next start performs it again: deleting a message that
is already gone counts as done, so nothing is lost and nothing is doubled.
The CLI and the dashboard queue effects the same way; the running bot
carries them out.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from core.model import Action, Chat, MediaRef, Sender

__all__ = ["CASE_ID_LENGTH", "Effect", "id_pattern", "new_id"]


@dataclass(frozen=True, slots=True)
class Effect:
    id: str
    kind: Action
    platform: str
    case_id: str
    created_at: datetime
    chat: Chat | None = None
    message_ids: tuple[str, ...] = ()
    sender: Sender | None = None
    text: str = ""
    media: tuple[MediaRef, ...] = ()  # what a restore re-sends by the platform's reference
    dry_run: bool = False
    attempts: int = 0


_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: ids are read aloud


CASE_ID_LENGTH = 10


def id_pattern(length: int = CASE_ID_LENGTH) -> str:
    """A regular expression (no anchors) for an id of ``length`` made by ``new_id``."""
    return f"[{_ALPHABET}]{{{length}}}"


def new_id(length: int = CASE_ID_LENGTH) -> str:
    """A random id that people can read out (cases) or that is merely unique (effects)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
