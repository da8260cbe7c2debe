"""MD5 of the raw bytes: weak as cryptography, but what many shared lists carry."""

import hashlib

from core.signals.base import ExactSignalType

__all__ = ["Md5"]


class Md5(ExactSignalType):
    name = "md5"
    bits = 128

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.md5(usedforsecurity=False)
