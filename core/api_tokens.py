"""API tokens: what a platform's client may do over the HTTP API (pure).

    lookup  hash and match (the HMA-compatible endpoints), list banks
    submit  send content and deletion requests (block first)
    decide  decide cases, as a reviewer
    banks   change banks and their entries

A token is shown once, when it is made, and kept only as its SHA-256: it is
32 random bytes, so a fast hash is as strong as a slow one and every request
can afford it. Each token is its own platform, ``api:<name>``, in the audit
log and on its cases.
"""

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.errors import InputError

__all__ = [
    "PREFIX",
    "ApiToken",
    "Scope",
    "hash_token",
    "new_token",
    "parse_scopes",
    "same_hash",
    "valid_token_name",
]

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,27}")  # api:NAME fits a platform column
PREFIX = "bf_"


class Scope(enum.Enum):
    LOOKUP = "lookup"
    SUBMIT = "submit"
    DECIDE = "decide"
    BANKS = "banks"


@dataclass(frozen=True, slots=True)
class ApiToken:
    name: str
    scopes: frozenset[Scope]
    token_hash: str
    created_at: datetime
    created_by: str = ""
    revoked_at: datetime | None = None

    @property
    def platform(self) -> str:
        """The platform this client is: its own settings, cases and audit trail."""
        return f"api:{self.name}"

    def may(self, scope: Scope) -> bool:
        return self.revoked_at is None and scope in self.scopes


def valid_token_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"{name[:80]!r}: token names are 1-28 of a-z, 0-9, '.', '_', '-' "
            "(starting with a letter or digit)"
        )
    return name


def parse_scopes(texts: Iterable[str]) -> frozenset[Scope]:
    """Scopes from ``lookup,submit`` or repeated options; an unknown one is an error."""
    names = [n.strip() for text in texts for n in text.split(",") if n.strip()]
    known = {s.value: s for s in Scope}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InputError(f"unknown scope {', '.join(unknown)} (known: {', '.join(known)})")
    if not names:
        raise InputError(f"a token needs at least one scope ({', '.join(known)})")
    return frozenset(known[n] for n in names)


def new_token() -> tuple[str, str]:
    """A new secret and the hash that is all the store keeps of it."""
    secret = PREFIX + secrets.token_urlsafe(32)
    return secret, hash_token(secret)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
