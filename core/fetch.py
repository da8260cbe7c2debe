"""Fetching a reported image URL without becoming a door into the network (SSRF).

Off by default (``EngineConfig.fetch_reported_urls``). Only http and https;
the host is resolved and every address must be public: private, loopback,
link-local, multicast, reserved and unspecified addresses are refused, the
check is repeated after each redirect (at most 3), and the connection goes to
the very address that was checked (no second lookup a DNS rebind could
change). At most the media byte limit is read, within a short timeout; the
content type is sniffed from the bytes, not taken from headers; the caller
drops the bytes after hashing.
"""

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import h11

from core.errors import InputError

__all__ = ["FetchPolicy", "fetch_image", "refused_address"]

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF, both byte orders
    b"MM\x00*",
)
_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 3
    # Networks allowed in spite of the guard: empty in production; tests widen it.
    allow: Sequence[_Network] = ()


def refused_address(ip: _IP, allow: Sequence[_Network] = ()) -> str | None:
    """Why ``ip`` may not be fetched from, or None if it may. An IPv6 address that
    carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by that one too."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allow):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "site-local"
        for inner in _embedded_ipv4(ip):
            why = refused_address(inner, allow)
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
_FETCH_ERRORS = (OSError, EOFError, h11.ProtocolError, ValueError, UnicodeError)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    inner = [ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    if ip in _NAT64:
        inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in inner if address is not None]


async def fetch_image(url: str, policy: FetchPolicy) -> bytes:
    """The image at ``url`` (following at most ``max_redirects``), or ``InputError``:
    whatever the network or the server does, nothing else escapes."""
    try:
        async with asyncio.timeout(policy.timeout):
            for _ in range(policy.max_redirects + 1):
                status, location, body = await _get(url, policy)
                if location is None:
                    return _image(status, body, url)
                url = urljoin(url, location)
    except TimeoutError as exc:
        raise InputError(f"fetching {url[:200]} took longer than {policy.timeout} s") from exc
    except _FETCH_ERRORS as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise InputError(f"fetching {url[:200]} failed: {reason}") from exc
    raise InputError(f"more than {policy.max_redirects} redirects")


def _image(status: int, body: bytes, url: str) -> bytes:
    if status != 200:
        raise InputError(f"{url} answered HTTP {status}")
    if not (body.startswith(_MAGIC) or (body[:4] == b"RIFF" and body[8:12] == b"WEBP")):
        raise InputError(f"{url} is not an image (by its bytes)")
    return body


async def _address(host: str, port: int, allow: Sequence[_Network]) -> _IP:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InputError(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for ip in addresses:
        why = refused_address(ip, allow)
        if why:
            raise InputError(f"refused: {host} resolves to {ip}, a {why} address")
    return addresses[0]


async def _get(url: str, policy: FetchPolicy) -> tuple[int, str | None, bytes]:
    """One GET: (status, redirect location or None, body up to the byte limit)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"only http and https links can be fetched, not {url[:80]!r}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    ip = await _address(parts.hostname, port, policy.allow)
    context = ssl.create_default_context() if https else None
    reader, writer = await asyncio.open_connection(
        str(ip), port, ssl=context, server_hostname=parts.hostname if https else None
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        return await _exchange(reader, writer, parts.hostname, target, policy.max_bytes)
    finally:
        writer.close()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, target: str, limit: int
) -> tuple[int, str | None, bytes]:
    conn = h11.Connection(h11.CLIENT)
    headers = [("Host", host), ("User-Agent", "blockfirst"), ("Accept", "image/*")]
    request = h11.Request(method="GET", target=target, headers=[*headers, ("Connection", "close")])
    writer.write(conn.send(request) + conn.send(h11.EndOfMessage()))
    await writer.drain()
    status, body = 0, bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(_CHUNK))
        elif isinstance(event, h11.Response):
            status = event.status_code
            got = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
            if 300 <= status < 400 and "location" in got:
                return status, got["location"], b""
            if int(got.get("content-length", "0") or 0) > limit:
                raise InputError(f"the image is over the {limit}-byte limit")
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > limit:
                raise InputError(f"the image is over the {limit}-byte limit")
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            return status, None, bytes(body)
