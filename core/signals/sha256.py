"""SHA-256 of the raw bytes, as StopNCII and HMA share for exact matches."""

import hashlib

from core.signals.base import ExactSignalType

__all__ = ["Sha256"]


class Sha256(ExactSignalType):
    name = "sha256"
    bits = 256

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.sha256()
