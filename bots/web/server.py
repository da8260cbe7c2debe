"""Serving the dashboard with uvicorn inside our own event loop, until ``stop``."""

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from bots.web.settings import parse_bind
from core.errors import ConfigError

__all__ = ["exposure_warning", "listen", "serve", "serve_until_signalled"]

log = logging.getLogger("blockfirst.web")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the caller owns SIGINT/SIGTERM and sets ``stop``


def exposure_warning(bind: str) -> str | None:
    """What to say when the dashboard listens beyond this machine."""
    host, _ = parse_bind(bind)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    return (
        f"web.bind {bind} serves the dashboard beyond this machine: /metrics and /readyz "
        "need no account. Put it behind a TLS proxy on loopback, or bind 127.0.0.1"
    )


def listen(bind: str, key: str = "web.bind") -> socket.socket:
    """The listening socket, opened now so a taken port is one clear error (named by
    its configuration ``key``)."""
    host, port = parse_bind(bind, key)
    warning = exposure_warning(bind) if key == "web.bind" else None
    if warning:
        log.warning(warning)
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, reuse_port=False)
    except OSError as exc:
        raise ConfigError(f"{key}: cannot listen on {bind}: {exc.strerror or exc}") from exc
    # create_server leaves the protocol number 0, which accepted sockets inherit, and
    # asyncio turns Nagle's algorithm off only on sockets that say IPPROTO_TCP: without
    # this every response written in two parts (headers, body) waited ~40 ms for the
    # client's delayed ACK.
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


async def serve(
    app: Starlette, sock: socket.socket, stop: asyncio.Event, what: str = "dashboard"
) -> None:
    """Serve on ``sock`` until ``stop`` is set; requests in hand are finished."""
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="blockfirst-web")
    host, port = sock.getsockname()[:2]
    log.info("%s on http://%s:%s/", what, host, port)
    await asyncio.wait(
        [task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    server.should_exit = True
    await task


async def serve_until_signalled(
    app: Starlette, bind: str, key: str = "web.bind", what: str = "dashboard"
) -> None:
    """Listen on ``bind`` (a taken port is the only message, before any other) and
    serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(app, listen(bind, key), stop, what)
