"""The reported-URL fetcher: httpx's MockTransport beneath the real guard, a resolver
of the test's own, and the address guard for every refused class."""

import asyncio
import ipaddress

import httpx
import pytest

from core.errors import InputError
from core.fetch import FetchPolicy, WebFetcher, refused_address
from tests.conftest import encode, load_photo
from tests.fakes import FakeWeb

PNG = encode(load_photo("coins").resize((64, 64)), "PNG")
PUBLIC = "93.184.216.34"
TEST = FetchPolicy(max_bytes=1_000_000, timeout=1.0)


async def _slow(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(5)
    return httpx.Response(200, content=PNG)


@pytest.fixture
def web() -> FakeWeb:
    web = FakeWeb(
        {
            "img.example": [PUBLIC],
            "v6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
            "inside.example": ["10.1.2.3"],
            "mixed.example": [PUBLIC, "127.0.0.1"],  # one bad address is enough to refuse
        }
    )
    web.routes.update(
        {
            "/img.png": (200, {"Content-Type": "text/plain"}, PNG),  # the header lies; bytes decide
            "/page": (200, {"Content-Type": "image/png"}, b"<html>not an image</html>"),
            "/big": (200, {"Content-Length": "10000000"}, b""),
            "/endless": (200, {}, PNG + bytes(1_000_000)),  # no length given, too long
            "/redirect": (302, {"Location": "/img.png"}, b""),
            "/to-private": (302, {"Location": "http://inside.example/x.png"}, b""),
            "/to-literal": (302, {"Location": "http://169.254.169.254/latest"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/slow": _slow,
        }
    )
    return web


async def test_an_image_is_fetched_and_sniffed_from_its_bytes(web: FakeWeb) -> None:
    fetcher = web.fetcher(TEST)
    assert await fetcher.fetch_image("http://img.example/img.png") == PNG
    assert await fetcher.fetch_image("http://img.example/redirect") == PNG
    await fetcher.aclose()


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://img.example/img.png", PUBLIC),
        ("http://v6.example:8080/img.png", "2606:2800:220:1:248:1893:25c8:1946"),
    ],
)
async def test_the_request_goes_to_the_checked_address_under_its_name(
    web: FakeWeb, url: str, host: str
) -> None:
    """Pinned: no second lookup a DNS rebind could change; the name stays for the Host
    header and for TLS (SNI and the certificate check)."""
    await web.fetcher(TEST).fetch_image(url)
    (request,) = web.requests
    name = httpx.URL(url).host
    assert request.url.host == host
    assert request.url.port == httpx.URL(url).port
    assert request.headers["Host"] == httpx.URL(url).netloc.decode()
    assert request.extensions["sni_hostname"] == name
    assert request.headers["Accept-Encoding"] == "identity"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://img.example/page", "not an image"),
        ("http://img.example/missing", "HTTP 404"),
        ("http://img.example/big", "byte limit"),
        ("http://img.example/endless", "byte limit"),
        ("http://img.example/to-private", "10.1.2.3, a private address"),
        ("http://img.example/to-literal", "169.254.169.254, a link-local address"),
        ("http://img.example/loop", "more than 3 redirects"),
        ("http://img.example/slow", "longer than 1.0 s"),
        ("http://mixed.example/img.png", "127.0.0.1, a loopback address"),
        ("http://nowhere.example/img.png", "cannot resolve nowhere.example"),
        ("http://10.0.0.1/a.png", "private"),
        ("http://[::1]/a.png", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("ftp://img.example/a.png", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://img.example:0/a.png", "port 0 is out of range"),
        ("http://img.example:70000/a.png", "port 70000 is out of range"),
    ],
)
async def test_refusals(web: FakeWeb, url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        await web.fetcher(TEST).fetch_image(url)
    assert all(r.url.host == PUBLIC for r in web.requests)  # nothing refused was asked


async def test_the_default_transport_is_guarded() -> None:
    """No resolver of the test's: the system's says localhost is loopback."""
    fetcher = WebFetcher(FetchPolicy(timeout=1.0))
    with pytest.raises(InputError, match="loopback"):
        await fetcher.fetch_image("http://localhost:1/a.png")
    await fetcher.aclose()


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
