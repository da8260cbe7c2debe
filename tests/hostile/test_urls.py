"""Hostile servers and addresses for the reported-URL fetcher: whatever the other end
does, the answer is an ``InputError`` and the report goes on (issue 13, item 14).

What a server does on the wire (not HTTP, a reset, a lying length) needs a real
socket, so these tests run httpx's own transport against local servers; the
guard in front of it (``GuardedTransport``) is tested in ``tests/core/test_fetch.py``."""

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from core.errors import InputError
from core.fetch import FetchPolicy, WebFetcher, refused_address
from tests.net import free_port

POLICY = FetchPolicy(max_bytes=100_000, timeout=2.0)


async def fetch_image(url: str) -> bytes:
    """Through httpx's transport straight to the local server (no guard)."""
    fetcher = WebFetcher(POLICY, httpx.AsyncHTTPTransport(retries=0))
    try:
        return await fetcher.fetch_image(url)
    finally:
        await fetcher.aclose()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _replying(answer: bytes) -> Handler:
    """A server that reads the request and answers ``answer`` (or resets, if empty)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if not answer:
            writer.transport.abort()  # a reset mid-request
            return
        writer.write(answer)
        await writer.drain()
        writer.close()

    return handle


_NOT_HTTP = _replying(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff not http at all\r\n\r\n")
_RESET = _replying(b"")
_BAD_LENGTH = _replying(b"HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\nxx")
_SHORT_BODY = _replying(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n\x89PNG")
_BAD_PORT = _replying(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/x\r\n\r\n")


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/a.png"

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    "handler",
    [_NOT_HTTP, _RESET, _BAD_LENGTH, _SHORT_BODY, _BAD_PORT],
    ids=["not-http", "reset", "bad-length", "short-body", "bad-port-redirect"],
)
async def test_a_hostile_server_is_an_input_error(
    serve: Callable[[Handler], Awaitable[str]], handler: Handler
) -> None:
    url = await serve(handler)
    with pytest.raises(InputError, match=r"failed|not an image"):
        await fetch_image(url)


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:{free_port()}/closed.png",  # connection refused
        "https://127.0.0.1:1/tls.png",
        "http://127.0.0.1:70000/a.png",  # a port out of range
        "http://[::1/a.png",  # an unclosed IPv6 literal
    ],
    ids=["refused", "tls-refused", "port-range", "bad-literal"],
)
async def test_a_dead_or_malformed_address_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError):
        await fetch_image(url)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2002:7f00:1::1", "loopback (inside 2002:7f00:1::1)"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", "private (inside 2002:a00:1::1)"),  # 6to4 of 10.0.0.1
        ("fec0::1", "site-local"),
        ("64:ff9b::a9fe:a9fe", "link-local (inside 64:ff9b::a9fe:a9fe)"),  # NAT64, metadata
        (
            "2001:0:4136:e378:8000:63bf:f5ff:fffe",
            "private (inside 2001:0:4136:e378:8000:63bf:f5ff:fffe)",
        ),
    ],
    ids=["6to4-loopback", "6to4-private", "site-local", "nat64", "teredo"],
)
def test_ipv6_addresses_carrying_refused_ipv4_are_refused(address: str, why: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) == why
