"""Fakes for the core's ports (no MagicMock anywhere)."""

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from core.errors import InputError, PlatformError
from core.fetch import FetchPolicy, GuardedTransport, WebFetcher
from core.model import Chat, MediaRef, ReviewCard, Sender

__all__ = ["FakeClock", "FakePlatform", "FakeWeb"]

# (status, headers, body), or a handler of its own (a slow server, ...).
Route = tuple[int, dict[str, str], bytes] | Callable[[httpx.Request], Awaitable[httpx.Response]]


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakePlatform:
    """An in-memory chat platform that records every call.

    ``files`` maps a file reference to its (generated) bytes; ``failures`` maps
    a method name to errors raised by its next calls, in order. ``journal``,
    if given, is a file every deletion is appended to and synced, so a test in
    another process can see what the platform did before a kill -9.
    """

    def __init__(self, name: str = "fake", journal: Path | None = None) -> None:
        self.name = name
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[PlatformError]] = {}
        self.calls: list[tuple[str, ...]] = []
        self.deleted: set[tuple[str, str]] = set()
        self.cards: dict[str, ReviewCard] = {}
        self.fetches = 0
        self.streams = 0
        self._journal = journal

    def _maybe_fail(self, method: str) -> None:
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)

    def of(self, method: str) -> list[tuple[str, ...]]:
        return [call for call in self.calls if call[0] == method]

    async def fetch_media(self, ref: MediaRef, max_bytes: int) -> bytes:
        self._maybe_fail("fetch_media")
        data = self.files[ref.file_ref]
        if len(data) > max_bytes:
            raise InputError(f"file is over the {max_bytes}-byte limit")
        self.fetches += 1
        return data

    async def stream_media(self, ref: MediaRef, max_bytes: int) -> AsyncIterator[bytes]:
        self._maybe_fail("stream_media")
        data = self.files[ref.file_ref]
        if len(data) > max_bytes:
            raise InputError(f"file is over the {max_bytes}-byte limit")
        self.streams += 1
        for start in range(0, len(data), 1 << 16):
            yield data[start : start + (1 << 16)]

    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None:
        self._maybe_fail("delete_messages")
        fresh = [m for m in message_ids if (chat.id, m) not in self.deleted]
        if not fresh:
            raise PlatformError("message to delete not found", gone=True)
        for message_id in fresh:
            self.deleted.add((chat.id, message_id))
            if self._journal is not None:
                with self._journal.open("a") as out:
                    out.write(f"{chat.id} {message_id}\n")
                    out.flush()
                    os.fsync(out.fileno())
        self.calls.append(("delete_messages", chat.id, *message_ids))

    async def restrict(self, chat: Chat, sender: Sender) -> None:
        self._maybe_fail("restrict")
        self.calls.append(("restrict", chat.id, sender.id))

    async def ban(self, chat: Chat, sender: Sender) -> None:
        self._maybe_fail("ban")
        self.calls.append(("ban", chat.id, sender.id))

    async def lift_sanction(self, chat: Chat, sender: Sender) -> None:
        self._maybe_fail("lift_sanction")
        self.calls.append(("lift_sanction", chat.id, sender.id))

    async def post_notice(self, chat: Chat, text: str) -> None:
        self._maybe_fail("post_notice")
        self.calls.append(("post_notice", chat.id, text))

    async def send_dm(self, user: Sender, text: str) -> None:
        self._maybe_fail("send_dm")
        self.calls.append(("send_dm", user.id, text))

    async def post_card(self, card: ReviewCard) -> str:
        self._maybe_fail("post_card")
        ref = f"card-{len(self.cards) + 1}"
        self.cards[ref] = card
        self.calls.append(("post_card", card.case_id))
        return ref

    async def update_card(self, ref: str, card: ReviewCard) -> None:
        self._maybe_fail("update_card")
        self.cards[ref] = card
        self.calls.append(("update_card", ref, card.case_id))

    async def restore(self, chat: Chat, text: str, media: Sequence[MediaRef]) -> None:
        self._maybe_fail("restore")
        self.calls.append(("restore", chat.id, text, *(m.file_ref for m in media)))

    async def alert_reviewers(self, text: str) -> None:
        self._maybe_fail("alert_reviewers")
        self.calls.append(("alert_reviewers", text))


class FakeWeb:
    """A small internet for the URL fetcher: names resolve to the addresses given, and
    httpx's ``MockTransport`` answers by path, beneath the real ``GuardedTransport``.
    ``requests`` records what reached the transport (after the guard pinned it)."""

    def __init__(self, addresses: dict[str, list[str]] | None = None) -> None:
        self.addresses = addresses or {}
        self.routes: dict[str, Route] = {}
        self.requests: list[httpx.Request] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.addresses:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self.addresses[host]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get(request.url.path)
        if route is None:
            return httpx.Response(404, content=b"no")
        if isinstance(route, tuple):
            status, headers, body = route  # streamed, as a real server's body is
            return httpx.Response(status, headers=headers, content=_streamed(body))
        return await route(request)

    def fetcher(self, policy: FetchPolicy | None = None) -> WebFetcher:
        guard = GuardedTransport(httpx.MockTransport(self.handle), self.resolve)
        return WebFetcher(policy, guard)


async def _streamed(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 65536):
        yield body[start : start + 65536]
