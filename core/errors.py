"""The one exception tree of blockfirst.

    BlockfirstError
     ├── ConfigError    a setting or configuration file is wrong
     ├── StorageError   the store could not be read or written
 │    └── AlreadyProcessed  another process handled this update first
     ├── PlatformError  a chat platform refused or failed a call
     └── InputError     untrusted input (media, hash lists, arguments) is bad
          └── AuthorisationError   the actor may not do this

Library errors are translated at the boundary (``raise InputError(...) from
exc``) so callers only ever catch these. An error a chat user may be shown also
carries what to say (``said``: a key of the message catalogue, ``core.texts``),
so it reaches them in their language; its text stays English for logs.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "AlreadyProcessed",
    "AuthorisationError",
    "BlockfirstError",
    "ConfigError",
    "InputError",
    "PlatformError",
    "Said",
    "StorageError",
]


@dataclass(frozen=True, slots=True)
class Said:
    """A message of the catalogue, to be said in whichever language the reader reads:
    its key and its fields (a field may be a ``Said`` too)."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)


class BlockfirstError(Exception):
    """Base of every error blockfirst raises on purpose."""

    def __init__(self, message: str = "", *, said: Said | None = None) -> None:
        super().__init__(message)
        self.said = said


class ConfigError(BlockfirstError):
    """A configuration value is missing or invalid."""


class StorageError(BlockfirstError):
    """The store failed; the operation was not (fully) applied."""


class AlreadyProcessed(StorageError):
    """An update's key was claimed by another writer first (a failover delivering it
    twice); nothing of this write was applied."""


class PlatformError(BlockfirstError):
    """A chat platform call failed.

    ``gone``: the target no longer exists (a delete of it has nothing to do);
    ``impossible``: it can never work (no rights, an anonymous admin), so it
    is not retried; ``retry_after``: seconds the platform asked us to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        gone: bool = False,
        impossible: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.gone = gone
        self.impossible = impossible
        self.retry_after = retry_after


class InputError(BlockfirstError):
    """Untrusted input was rejected; the message says why."""


class AuthorisationError(InputError):
    """The actor is not allowed to do this (not a reviewer, not a chat admin)."""
