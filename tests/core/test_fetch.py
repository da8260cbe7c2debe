"""The reported-URL fetcher: a local server, and the address guard for every refused class."""

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import pytest

from core.errors import InputError
from core.fetch import FetchPolicy, fetch_image, refused_address
from tests.conftest import encode, load_photo

PNG = encode(load_photo("coins").resize((64, 64)), "PNG")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    path = request.split(b" ")[1].decode()
    routes = {
        "/img.png": (200, [("Content-Type", "text/plain")], PNG),  # the header lies; bytes decide
        "/page": (200, [("Content-Type", "image/png")], b"<html>not an image</html>"),
        "/missing": (404, [], b"no"),
        "/big": (200, [("Content-Length", str(10_000_000))], b""),
        "/redirect": (302, [("Location", "/img.png")], b""),
        "/to-private": (302, [("Location", "http://10.1.2.3/x.png")], b""),
        "/loop": (302, [("Location", "/loop")], b""),
    }
    if path == "/slow":
        await asyncio.sleep(5)
    status, headers, body = routes.get(path, (404, [], b""))
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    if not any(k == "Content-Length" for k, _ in headers):
        head += f"Content-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
    await writer.drain()
    writer.close()


@pytest.fixture
async def server() -> AsyncIterator[str]:
    srv = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.close()


TEST = FetchPolicy(max_bytes=1_000_000, timeout=1.0, allow=LOOPBACK)


async def test_an_image_is_fetched_and_sniffed_from_its_bytes(server: str) -> None:
    assert await fetch_image(f"{server}/img.png", TEST) == PNG
    assert await fetch_image(f"{server}/redirect", TEST) == PNG


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/page", "not an image"),
        ("/missing", "HTTP 404"),
        ("/big", "byte limit"),
        ("/to-private", "10.1.2.3, a private address"),
        ("/loop", "more than 3 redirects"),
        ("/slow", "longer than 1.0 s"),
    ],
)
async def test_refusals(server: str, path: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        await fetch_image(f"{server}{path}", TEST)


async def test_loopback_is_refused_without_the_test_allowance(server: str) -> None:
    with pytest.raises(InputError, match="loopback"):
        await fetch_image(f"{server}/img.png", FetchPolicy(timeout=1.0))


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::", "unspecified"),
    ],
)
def test_every_refused_address_class(address: str, why: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://10.0.0.1/a.png", "private"),
        ("http://localhost:1/a.png", "loopback"),
        ("http://[::1]/a.png", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("ftp://example.com/a.png", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
async def test_urls_to_refused_places_never_connect(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        await fetch_image(url, FetchPolicy(timeout=1.0))
