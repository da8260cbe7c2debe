"""A token's rate limit holds across processes: two gates on one store (two API
processes) share the count of the minute."""

from datetime import datetime

import pytest
from starlette.requests import Request

from adapters.api.auth import ApiError, Gate
from core.api_tokens import ApiToken, Scope, new_token
from core.store import SqlStore
from tests.fakes import FakeClock


def _request(secret: str) -> Request:
    headers = [(b"authorization", f"Bearer {secret}".encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


async def test_two_processes_share_one_limit(store: SqlStore, clock: FakeClock) -> None:
    secret, digest = new_token()
    await store.add_token(ApiToken("shop", frozenset({Scope.LOOKUP}), digest, clock.now()))
    first, second = (Gate(store, clock, per_minute=4) for _ in range(2))
    for _ in range(3):
        await first.admit(_request(secret), Scope.LOOKUP)
    clock.advance(seconds=1)  # the first process adds its count to the store
    await first.admit(_request(secret), Scope.LOOKUP)
    with pytest.raises(ApiError) as refused:  # the second starts from the shared count
        await second.admit(_request(secret), Scope.LOOKUP)
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "59"
    clock.advance(seconds=60)  # a new minute
    await second.admit(_request(secret), Scope.LOOKUP)


async def test_a_revocation_reaches_a_process_within_a_second(
    store: SqlStore, clock: FakeClock
) -> None:
    secret, digest = new_token()
    await store.add_token(ApiToken("shop", frozenset({Scope.LOOKUP}), digest, clock.now()))
    gate = Gate(store, clock, per_minute=100)
    await gate.admit(_request(secret), Scope.LOOKUP)
    assert await store.revoke_token("shop", clock.now())
    await gate.admit(_request(secret), Scope.LOOKUP)  # its record, read a moment ago
    clock.advance(seconds=1.1)
    with pytest.raises(ApiError, match="was revoked"):
        await gate.admit(_request(secret), Scope.LOOKUP)


class _TickingClock(FakeClock):
    """Time moves a little every time it is read, as it does on a busy machine."""

    def __init__(self, tick: float) -> None:
        super().__init__()
        self.tick = tick

    def now(self) -> datetime:
        self.advance(seconds=self.tick)
        return super().now()


@pytest.mark.parametrize("tick", [0.1, 0.2, 0.3, 0.45])
async def test_a_record_expiring_while_it_is_read_is_read_again(
    store: SqlStore, tick: float
) -> None:
    clock = _TickingClock(tick)
    secret, digest = new_token()
    await store.add_token(ApiToken("shop", frozenset({Scope.LOOKUP}), digest, clock.now()))
    gate = Gate(store, clock, per_minute=1000)
    for _ in range(20):  # each read lands somewhere in a record's second
        assert (await gate.admit(_request(secret), Scope.LOOKUP)).name == "shop"
