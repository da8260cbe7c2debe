"""The one exception tree of blockfirst.

    BlockfirstError
     ├── ConfigError    a setting or configuration file is wrong
     ├── StorageError   the store could not be read or written
     ├── PlatformError  a chat platform refused or failed a call
     └── InputError     untrusted input (media, hash lists, arguments) is bad

Library errors are translated at the boundary (``raise InputError(...) from
exc``) so callers only ever catch these.
"""

__all__ = ["BlockfirstError", "ConfigError", "InputError", "PlatformError", "StorageError"]


class BlockfirstError(Exception):
    """Base of every error blockfirst raises on purpose."""


class ConfigError(BlockfirstError):
    """A configuration value is missing or invalid."""


class StorageError(BlockfirstError):
    """The store failed; the operation was not (fully) applied."""


class PlatformError(BlockfirstError):
    """A chat platform call failed."""


class InputError(BlockfirstError):
    """Untrusted input was rejected; the message says why."""
