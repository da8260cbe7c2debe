"""Loopback helpers for tests that serve or start something on a port."""

import asyncio
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import uvicorn

__all__ = ["Served", "free_port", "wait_until_answering"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """An ASGI app served by uvicorn on a loopback port, in a thread of its own (with
    its own event loop, lifespan included), for a real HTTP client."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.run(self._server.serve())

    def __enter__(self) -> "Served":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            assert self._thread.is_alive(), "the server did not start"
            assert time.monotonic() < deadline, "the server did not start in 30 s"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


def wait_until_answering(process: "subprocess.Popen[str]", url: str, timeout: float = 30) -> None:
    """Until ``url`` answers at all (any HTTP status), while ``process`` still runs."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            assert time.monotonic() < deadline, f"nothing answered at {url} in {timeout} s"
            time.sleep(0.1)
