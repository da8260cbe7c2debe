"""A dashboard over a real SQLite file, seeded with accounts of every role and cases,
driven through Starlette's TestClient."""

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from bots.web.app import ServicesFactory, create_app, standalone
from bots.web.context import Services
from bots.web.settings import WebSettings
from core.accounts import Role, User
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.ports import Platform, SystemClock
from core.store import SqlStore, open_store
from core.writes import OpenCase
from tests.factories import make_case
from tests.fakes import FakeClock

PASSWORD = "correct horse battery staple"
ACCOUNTS = {"ann": Role.ADMIN, "rita": Role.REVIEWER, "otto": Role.AUDITOR}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Cheap parameters (they travel in the hash, and verifying uses them): a sign-in
    # costs a millisecond here instead of production's ~0.1 s.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass
class Dashboard:
    db_url: str
    clock: FakeClock
    clients: list[TestClient] = field(default_factory=list)

    def seed(self, work: Callable[[SqlStore], Awaitable[Any]]) -> Any:
        async def run() -> Any:
            async with open_store(self.db_url, self.clock) as store:
                return await work(store)

        # In a thread of its own: Playwright's sync API keeps a loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()

    def open_cases(self, *ids: str, **options: Any) -> None:
        cases = [make_case(self.clock, i, with_message=True, **options) for i in ids]
        self.seed(lambda store: store.apply([OpenCase(c) for c in cases]))

    def with_bots(self, platforms: dict[str, Platform]) -> ServicesFactory:
        """Services as ``blockfirst run`` has them: the Moderator serves ``platforms``."""

        @asynccontextmanager
        async def opened() -> AsyncIterator[Services]:
            async with open_store(self.db_url) as store:
                matcher = await load_matcher(store)
                async with Moderator(store, platforms, matcher) as moderator:
                    yield Services(store, moderator, SystemClock(), hosts_bots=True)

        return opened

    def client(
        self,
        name: str | None = None,
        platforms: dict[str, Platform] | None = None,
        settings: WebSettings | None = None,
        base_url: str = "http://127.0.0.1:8080",
        language: str = "en",
    ) -> TestClient:
        """A started app (its own store and Moderator), signed in as ``name`` if given,
        from a browser that asks for ``language`` (the deployment's default is Korean)."""
        settings = settings or WebSettings(secret="test-secret")
        services = self.with_bots(platforms) if platforms else lambda: standalone(self.db_url)
        app = create_app(settings, services)
        headers = {"Accept-Language": language}
        client = TestClient(app, base_url=base_url, follow_redirects=False, headers=headers)
        client.__enter__()
        self.clients.append(client)
        if name is not None:
            response = sign_in(client, name)
            assert response.status_code == 303, response.text
        return client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = _CSRF.search(client.get(path).text)
    assert match is not None, f"no form on {path}"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client)
    return client.post("/login", data={"name": name, "password": password, "csrf": token})


def post(client: TestClient, path: str, data: dict[str, Any], page: str = "/") -> Any:
    """Submit a form the way a browser does: with the CSRF token of a page."""
    return client.post(path, data={**data, "csrf": csrf_of(client, page)})


@pytest.fixture
def dashboard(tmp_path: Path, password_hash: str) -> Iterator[Dashboard]:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    board = Dashboard(f"sqlite:///{tmp_path / 'web.db'}", clock)

    async def accounts(store: SqlStore) -> None:
        for name, role in ACCOUNTS.items():
            await store.add_user(User(name, role, password_hash, clock.now(), "test"))

    board.seed(accounts)
    yield board
    for client in board.clients:  # stop each app: its lifespan closes its store
        client.__exit__(None, None, None)
