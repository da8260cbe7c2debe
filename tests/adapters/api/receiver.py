"""A platform's webhook receiver on loopback, as the README shows one: it checks the
signature and the timestamp, drops a repeated Idempotency-Key, and can be told
to fail for a while."""

import json
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.webhooks import SIGNATURE, verify

__all__ = ["Receiver"]

SECRET = "receiver-secret-" + "s" * 32


class Receiver:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.refused = 0
        self.calls = 0
        self.fail_next = 0
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        if not verify(SECRET, request.headers.get(SIGNATURE, ""), body, time.time()):
            self.refused += 1
            return JSONResponse({"error": "bad signature"}, 400)
        self.calls += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"error": "down for a moment"}, 503)
        key = request.headers["Idempotency-Key"]
        if key not in self.keys:  # a repeat is acknowledged, not acted on twice
            self.keys.append(key)
            self.events.append(json.loads(body))
        return JSONResponse({"ok": True})

    def actions(self) -> list[str]:
        return [e["action"] for e in self.events]
