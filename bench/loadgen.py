"""A lean HTTP/1.1 load generator for the benchmarks, as wrk is: every request built
once as bytes, sent over kept-alive connections, each answer read by its
Content-Length. httpx spends about 2 ms of CPU on a request; on a 2-core machine
that is taken from the server being measured.
"""

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence

__all__ = ["drive", "get", "post_form"]


def get(path: str, headers: Mapping[str, str]) -> bytes:
    return _request("GET", path, headers, b"")


def post_form(
    path: str,
    headers: Mapping[str, str],
    fields: Mapping[str, str],
    files: Mapping[str, tuple[str, str, bytes]],
) -> bytes:
    """A ``multipart/form-data`` POST: text ``fields``, and ``files`` as
    ``name: (filename, content type, bytes)``."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    for name, (filename, content_type, data) in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    kind = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return _request("POST", path, {**headers, **kind}, body)


def _request(method: str, path: str, headers: Mapping[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def drive(
    host: str, port: int, requests: Sequence[bytes], concurrency: int
) -> tuple[float, list[float]]:
    """Send every request, ``concurrency`` connections at once: requests a second, and
    each request's seconds (sorted). An answer other than 2xx raises."""
    took: list[float] = []
    queue = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in queue:
                started = time.perf_counter()
                writer.write(request)
                await _answer(reader)
                took.append(time.perf_counter() - started)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - start), sorted(took)


async def _answer(reader: asyncio.StreamReader) -> bytes:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    fields = dict(line.lower().split(": ", 1) for line in head[1:] if line)
    if "content-length" not in fields:
        raise RuntimeError(f"answer without Content-Length: {head[0]}")
    body = await reader.readexactly(int(fields["content-length"]))
    if not 200 <= status < 300:
        raise RuntimeError(f"{head[0]}: {body[:200]!r}")
    return body
