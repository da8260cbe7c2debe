"""An API over a real store (SQLite and PostgreSQL, as the core suite) with the
astronaut photo banked, driven by httpx through the ASGI interface (the app's
lifespan run as a server would)."""

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema_rs
import pytest

from adapters.api.app import ApiServices, create_api
from adapters.api.openapi import document
from adapters.api.settings import ApiSettings
from core.api_tokens import ApiToken, Scope, new_token
from core.bank_lists import entries_for_media
from core.banks import Bank
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.store import SqlStore
from tests.core.conftest import db_url
from tests.core.engine_helpers import BANNED
from tests.fakes import FakeClock

__all__ = ["Api", "check_against_document", "db_url"]


@dataclass
class Api:
    client: httpx.AsyncClient
    store: SqlStore
    clock: FakeClock
    token: str
    moderator: Moderator

    async def token_for(self, name: str, *scopes: Scope) -> str:
        secret, digest = new_token()
        await self.store.add_token(ApiToken(name, frozenset(scopes), digest, self.clock.now()))
        return secret

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}


@pytest.fixture
async def api_factory(store: SqlStore, clock: FakeClock) -> AsyncIterator[Callable[..., Any]]:
    await store.create_bank(Bank("ncii", category="illegal_filming"))
    await store.add_entries(
        "ncii", entries_for_media(hash_media(BANNED), source="test", added_by="test")
    )
    await store.create_bank(Bank("off", enabled=False))
    pool = ThreadPoolExecutor(2)
    opened: list[Any] = []

    async def make(settings: ApiSettings | None = None) -> Api:
        moderator = Moderator(store, {}, await load_matcher(store), clock=clock, executor=pool)
        await moderator.__aenter__()
        app = create_api(settings or ApiSettings(), ApiServices(store, moderator, clock))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8090")
        opened.append((client, lifespan, moderator))
        api = Api(client, store, clock, "", moderator)
        api.token = await api.token_for(f"shop{len(opened)}", Scope.LOOKUP)
        return api

    yield make
    for client, lifespan, moderator in opened:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
        await moderator.__aexit__(None, None, None)
    pool.shutdown()


@pytest.fixture
async def api(api_factory: Callable[..., Any]) -> Api:
    made: Api = await api_factory()
    return made


def check_against_document(response: httpx.Response, path: str, method: str = "get") -> Any:
    """The response's body, after checking it against the OpenAPI document."""
    doc = document()
    answer = doc["paths"][path][method]["responses"].get(str(response.status_code))
    assert answer is not None, f"{method} {path}: {response.status_code} is not documented"
    schema = _inlined(answer["content"]["application/json"]["schema"], doc)
    body = response.json()
    jsonschema_rs.Draft202012Validator(schema).validate(body)
    return body


def _inlined(schema: Any, doc: dict[str, Any]) -> Any:
    """The schema with its references replaced by what they name (the document has
    no recursive schema)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target: Any = doc
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inlined(target, doc)
        return {k: _inlined(v, doc) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inlined(v, doc) for v in schema]
    return schema
