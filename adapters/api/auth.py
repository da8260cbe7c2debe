"""Who is calling: a bearer token, its scopes, and its rate limit.

Every refusal is a JSON ``{"message": ...}`` (HMA's error shape) with 401 (no
token, an unknown or revoked one), 403 (a scope the token lacks) or 429 (over
the token's requests a minute, with Retry-After).

A token's record is read from the store at most once a second (a revocation
reaches every process within a second; unknown tokens are remembered as
unknown for as long, so guessing costs the store nothing).

The limit holds across processes: each counts a token's requests in the
current minute in the store (``add_use``), reading the shared count when the
minute starts and adding its own at most once a second, so several processes
together overshoot a limit by at most about a second's worth of requests.
"""

import math
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from starlette.requests import Request

from core.api_tokens import ApiToken, Scope, hash_token
from core.ports import Clock, TokenStore

__all__ = ["ApiError", "Gate"]


class ApiError(Exception):
    """An HTTP error answered as ``{"message": ...}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(slots=True)
class _Use:
    minute: int
    shared: int  # every process's count at the last exchange with the store
    local: int = 0  # this process's requests since
    exchanged: float = 0.0


_EXCHANGE = 1.0  # seconds between a process's additions to the shared count
_FRESH = 1.0  # seconds a token's record is trusted before it is read again
_KNOWN = 4096  # token records remembered
_UNREAD: Any = object()


class Gate:
    """Checks each request's token and scope, and counts it against the token's limit
    a minute, shared with every process on the store."""

    def __init__(self, tokens: TokenStore, clock: Clock, per_minute: int) -> None:
        self._tokens = tokens
        self._clock = clock
        self._per_minute = per_minute
        self._uses: dict[str, _Use] = {}
        self._known: TTLCache[str, ApiToken | None] = TTLCache(
            _KNOWN, _FRESH, timer=lambda: clock.now().timestamp()
        )

    async def admit(self, request: Request, scope: Scope) -> ApiToken:
        return await self.admit_any(request, scope)

    async def admit_any(self, request: Request, *scopes: Scope) -> ApiToken:
        """The caller's token, if it has one of ``scopes``."""
        token = await self._token(request)
        if not any(token.may(scope) for scope in scopes):
            wanted = " or ".join(repr(s.value) for s in scopes)
            raise ApiError(403, f"token api:{token.name} lacks the {wanted} scope")
        await self._count(token)
        return token

    async def _token(self, request: Request) -> ApiToken:
        kind, _, secret = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "missing token: send Authorization: Bearer <token>")
        digest = hash_token(secret.strip())
        found = self._known.get(digest, _UNREAD)  # one look: an entry may expire between two
        if found is _UNREAD:
            found = self._known[digest] = await self._tokens.token_by_hash(digest)
        token: ApiToken | None = found
        if token is None:
            raise ApiError(401, "unknown token")
        if token.revoked_at is not None:
            raise ApiError(401, f"token api:{token.name} was revoked")
        return token

    async def _count(self, token: ApiToken) -> None:
        now = self._clock.now().timestamp()
        minute = int(now // 60)
        use = self._uses.get(token.name)
        if use is None or use.minute != minute:
            shared = await self._tokens.add_use(token.name, minute, 0)
            use = self._uses[token.name] = _Use(minute, shared, exchanged=now)
        if use.shared + use.local >= self._per_minute:
            wait = max(1, math.ceil((minute + 1) * 60 - now))
            raise ApiError(
                429,
                f"over {self._per_minute} requests a minute for api:{token.name}",
                {"Retry-After": str(wait)},
            )
        use.local += 1
        if now - use.exchanged >= _EXCHANGE:
            use.shared = await self._tokens.add_use(token.name, minute, use.local)
            use.local, use.exchanged = 0, now
