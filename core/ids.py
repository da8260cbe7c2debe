"""Ids people read out (cases) or that are merely unique (effects)."""

import secrets

__all__ = ["CASE_ID_LENGTH", "id_pattern", "new_id"]

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: ids are read aloud


CASE_ID_LENGTH = 10


def id_pattern(length: int = CASE_ID_LENGTH) -> str:
    """A regular expression (no anchors) for an id of ``length`` made by ``new_id``."""
    return f"[{_ALPHABET}]{{{length}}}"


def new_id(length: int = CASE_ID_LENGTH) -> str:
    """A random id that people can read out (cases) or that is merely unique (effects)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
