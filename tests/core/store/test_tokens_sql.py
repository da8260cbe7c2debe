"""API tokens in the store: only hashes kept, names never reused, revocation at once;
their use a minute counted for every process."""

from datetime import UTC, datetime

import pytest

from core.api_tokens import ApiToken, Scope, hash_token, new_token
from core.errors import InputError
from core.store import SqlStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_a_token_is_found_by_its_hash_and_never_kept_in_the_clear(store: SqlStore) -> None:
    secret, digest = new_token()
    token = ApiToken("shop", frozenset({Scope.LOOKUP, Scope.SUBMIT}), digest, NOW, "cli:ann")
    await store.add_token(token)
    assert await store.token_by_hash(hash_token(secret)) == token
    assert await store.token_by_hash(hash_token(secret + "x")) is None
    assert all(secret not in repr(t) for t in await store.list_tokens())


async def test_revoked_tokens_stay_listed_and_their_names_are_not_reused(store: SqlStore) -> None:
    _, digest = new_token()
    await store.add_token(ApiToken("shop", frozenset({Scope.LOOKUP}), digest, NOW))
    assert await store.revoke_token("shop", NOW)
    assert not await store.revoke_token("shop", NOW)  # already revoked
    assert not await store.revoke_token("nobody", NOW)
    (listed,) = await store.list_tokens()
    assert listed.revoked_at == NOW
    assert not listed.may(Scope.LOOKUP)
    with pytest.raises(InputError, match="names are not reused"):
        await store.add_token(ApiToken("shop", frozenset({Scope.LOOKUP}), new_token()[1], NOW))


async def test_old_minutes_are_dropped(store: SqlStore) -> None:
    minute = int(NOW.timestamp() // 60)
    assert await store.add_use("shop", minute, 3) == 3
    assert await store.add_use("shop", minute, 2) == 5
    assert await store.add_use("shop", minute + 5, 1) == 1
    assert await store.add_use("shop", minute, 0) == 0  # gone with its minute
