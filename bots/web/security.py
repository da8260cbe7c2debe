"""Sessions, CSRF tokens, passwords and login throttling for the dashboard.

A session is a signed, timestamped cookie holding the account name, the
account's password epoch (a new password ends old sessions) and the CSRF
token that every form must echo back. Anonymous visitors get a cookie with a
CSRF token only, so the login form is protected too. Cookies are HttpOnly,
SameSite=Strict, and Secure when the request came over TLS (directly or, from
a trusted proxy, by X-Forwarded-Proto, which uvicorn applies).
"""

import asyncio
import functools
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "COOKIE",
    "LoginThrottle",
    "Session",
    "Sessions",
    "check_password",
    "hash_password",
    "new_secret",
]

COOKIE = "bf_session"
MIN_PASSWORD = 12
_MAX_TRACKED = 10_000
_HASHER = PasswordHasher()  # argon2id, RFC 9106's low-memory profile (64 MiB, t=3)


@functools.cache
def _dummy() -> str:
    """What an unknown account's password is checked against (made on first use, not
    at import: every CLI command imports this module)."""
    return _HASHER.hash("timing equaliser for unknown accounts")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def hash_password(password: str) -> str:
    """An argon2id hash, computed off the event loop (it takes ~0.1 s of CPU)."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; an unknown account costs the same time."""

    def verify() -> bool:
        try:
            return _HASHER.verify(stored or _dummy(), password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@dataclass(frozen=True, slots=True)
class Session:
    csrf: str
    user: str = ""
    epoch: str = ""
    flash: str = ""  # one message for the next page

    @staticmethod
    def fresh_csrf() -> str:
        return secrets.token_urlsafe(24)

    def csrf_ok(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token)


class Sessions:
    def __init__(self, secret: str, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="blockfirst-session")
        self._max_age = max_age_s

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data: Any = self._serializer.loads(raw, max_age=self._max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        return Session(
            data["c"], str(data.get("u", "")), str(data.get("e", "")), str(data.get("f", ""))
        )

    def write(self, request: Request, response: Response, session: Session) -> None:
        value = self._serializer.dumps(
            {"c": session.csrf, "u": session.user, "e": session.epoch, "f": session.flash[:300]}
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=self._max_age,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    @staticmethod
    def anonymous() -> Session:
        return Session(Session.fresh_csrf())


@dataclass(slots=True)
class LoginThrottle:
    """At most ``attempts`` failed logins per client address and per account name
    within ``window_s``; a success clears the account's record."""

    attempts: int = 5
    window_s: float = 900.0
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def retry_after(self, *keys: str) -> int:
        """Seconds until a login for ``keys`` may be tried again; 0: now."""
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            failures = self._failures.get(key)
            if failures is None:
                continue
            while failures and failures[0] <= now - self.window_s:
                failures.popleft()
            if len(failures) >= self.attempts:
                wait = max(wait, failures[0] + self.window_s - now)
        return int(wait) + 1 if wait else 0

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self._failures) > _MAX_TRACKED:  # a spray of names must not grow memory
            stale = [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window_s]
            for key in stale or list(self._failures)[: _MAX_TRACKED // 2]:
                del self._failures[key]
        for key in keys:
            self._failures[key].append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
