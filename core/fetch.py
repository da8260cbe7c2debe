"""Fetching a reported image URL without becoming a door into the network (SSRF).

Off by default (``EngineConfig.fetch_reported_urls``). Only http and https;
the host is resolved and every address must be public: private, loopback,
link-local, multicast, reserved and unspecified addresses are refused, the
check is repeated for each redirect (at most 3), and the connection goes to
the very address that was checked (no second lookup a DNS rebind could
change). At most the media byte limit is read, within a short timeout; the
content type is sniffed from the bytes, not taken from headers; the caller
drops the bytes after hashing.

The HTTP client is httpx. The guard is a transport (``GuardedTransport``)
wrapped round httpx's own: it resolves the host, refuses what may not be
reached, and sends the request to the checked address while the name stays in
the Host header and in TLS (SNI and the certificate check). ``WebFetcher`` is
the ``ImageFetcher`` port's implementation; tests put httpx's ``MockTransport``
beneath the guard, with a resolver of their own.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from core.errors import InputError

__all__ = [
    "FetchPolicy",
    "GuardedTransport",
    "Resolver",
    "WebFetcher",
    "refused_address",
    "system_resolver",
]

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF, both byte orders
    b"MM\x00*",
)
# Identity encoding: a compressed body could expand past the limit within one chunk.
_HEADERS = {"User-Agent": "blockfirst", "Accept": "image/*", "Accept-Encoding": "identity"}
# A host name resolved to its addresses (as text), for a port.
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 3


def refused_address(ip: _IP) -> str | None:
    """Why ``ip`` may not be fetched from, or None if it may. An IPv6 address that
    carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by that one too."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "site-local"
        for inner in _embedded_ipv4(ip):
            why = refused_address(inner)
            if why:
                return f"{why} (inside {ip})"
    for test, why in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "not globally routable"),
    ):
        if test:
            return why
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# What a server on the other end can make go wrong: refused or reset connections,
# TLS failures, replies that are not HTTP, a port out of range, a bad redirect.
# (anyio raises a port out of range as OverflowError, inside an exception group.)
_FETCH_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    OSError,
    ValueError,
    UnicodeError,
    OverflowError,
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    inner = [ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    if ip in _NAT64:
        inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in inner if address is not None]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedTransport(httpx.AsyncBaseTransport):
    """Refuses requests to addresses that may not be reached and pins the rest to the
    address that was checked. Every request passes here, redirects included."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport | None = None, resolve: Resolver = system_resolver
    ) -> None:
        # No kept-alive connections: one made for a name (its SNI, its certificate)
        # must not carry a request for another name that resolved to the same address.
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        self._inner = inner or httpx.AsyncHTTPTransport(retries=0, limits=no_reuse)
        self._resolve = resolve

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise InputError(f"only http and https links can be fetched, not {str(url)[:80]!r}")
        port = (443 if url.scheme == "https" else 80) if url.port is None else url.port
        if not 0 < port < 65536:
            raise InputError(f"refused: port {port} is out of range")
        ip = await self._address(url.host, port)
        request.url = url.copy_with(host=str(ip))  # the Host header keeps the name
        request.extensions = {**request.extensions, "sni_hostname": url.host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _address(self, host: str, port: int) -> _IP:
        try:
            found = [str(ipaddress.ip_address(host))]  # a literal needs no lookup
        except ValueError:
            found = await self._lookup(host, port)
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise InputError(f"cannot resolve {host}: no address")
        for ip in addresses:
            why = refused_address(ip)
            if why:
                raise InputError(f"refused: {host} resolves to {ip}, a {why} address")
        return addresses[0]

    async def _lookup(self, host: str, port: int) -> list[str]:
        try:
            return await self._resolve(host, port)
        except OSError as exc:
            raise InputError(f"cannot resolve {host}: {exc}") from exc


class WebFetcher:
    """The ``ImageFetcher`` port over httpx, behind ``GuardedTransport`` unless given
    another transport. One client, kept until ``aclose``."""

    def __init__(
        self, policy: FetchPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._policy = policy or FetchPolicy()
        self._client = httpx.AsyncClient(
            transport=transport or GuardedTransport(),
            follow_redirects=True,
            max_redirects=self._policy.max_redirects,
            timeout=self._policy.timeout,
            # Identity: a compressed body could expand past the limit within one chunk.
            headers={
                "User-Agent": "blockfirst",
                "Accept": "image/*",
                "Accept-Encoding": "identity",
            },
            trust_env=False,  # no proxy from the environment: the guard must see the address
        )

    async def fetch_image(self, url: str) -> bytes:
        """The image at ``url``, or ``InputError``: whatever the network or the server
        does, nothing else escapes."""
        policy = self._policy
        try:
            async with asyncio.timeout(policy.timeout):
                return await self._get(url)
        except TimeoutError as exc:
            raise InputError(f"fetching {url[:200]} took longer than {policy.timeout} s") from exc
        except httpx.TooManyRedirects as exc:
            raise InputError(f"more than {policy.max_redirects} redirects") from exc
        except _FETCH_ERRORS as exc:
            raise InputError(f"fetching {url[:200]} failed: {_reason(exc)}") from exc
        except ExceptionGroup as group:
            leaf = _first_leaf(group)
            if not isinstance(leaf, _FETCH_ERRORS):
                raise
            raise InputError(f"fetching {url[:200]} failed: {_reason(leaf)}") from group

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get(self, url: str) -> bytes:
        limit = self._policy.max_bytes
        async with self._client.stream("GET", url) as response:
            if response.status_code != 200:
                raise InputError(f"{url[:200]} answered HTTP {response.status_code}")
            if int(response.headers.get("content-length", "0") or 0) > limit:
                raise InputError(f"the image is over the {limit}-byte limit")
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > limit:
                    raise InputError(f"the image is over the {limit}-byte limit")
        if not (body.startswith(_MAGIC) or (body[:4] == b"RIFF" and body[8:12] == b"WEBP")):
            raise InputError(f"{url[:200]} is not an image (by its bytes)")
        return bytes(body)


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
