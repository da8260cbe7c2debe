"""Effects for an API client, as signed webhook calls to the URL it configured.

Each effect is one POST of a JSON event with three headers: ``Idempotency-Key``
(the effect's id: a retry of the same effect carries the same key, so the
receiver can drop a repeat), ``Blockfirst-Event`` (the action) and
``Blockfirst-Signature: t=<unix time>,v1=<hex>``, an HMAC-SHA256 with the
client's secret over ``<t>.`` followed by the raw body (the scheme the large
webhook senders use). A receiver checks the HMAC in constant time and refuses
a ``t`` more than ``TOLERANCE`` seconds from its clock, so a captured call
cannot be replayed later. A 2xx answer is "done"; 408, 429, 5xx and network
errors are retried by the outbox with backoff (Retry-After honoured); any
other answer fails the effect, visibly on its case and in /metrics.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.api.settings import WebhookTarget
from core.errors import PlatformError
from core.model import Effect, ReviewCard

__all__ = ["SIGNATURE", "TOLERANCE", "Webhook", "event_of", "sign", "verify"]

SIGNATURE = "Blockfirst-Signature"
TOLERANCE = 300  # seconds a receiver accepts between a call's t and its own clock
_TIMEOUT = 10.0
_RETRY = 10.0  # a receiver that failed: the next outbox round tries again, not this one


def sign(secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` of ``now``."""
    fields = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - at) > tolerance:
        return False
    expected = sign(secret, body, at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def event_of(effect: Effect, card: ReviewCard | None) -> dict[str, Any]:
    """The JSON event for one effect: what to do, to which item, for which case."""
    event: dict[str, Any] = {
        "id": effect.id,
        "action": effect.kind.value,
        "case_id": effect.case_id,
        "created_at": effect.created_at.isoformat(),
        "room": effect.chat.id if effect.chat else None,
        "item_ids": list(effect.message_ids),
        "user": effect.sender.id if effect.sender else None,
        "text": effect.text,
        "dry_run": effect.dry_run,
    }
    if card is not None:
        event["case"] = {
            "title": card.title,
            "lines": list(card.lines),
            "open": list(card.decisions),
        }
    return event


class Webhook:
    """Delivers events to one client's URL."""

    def __init__(
        self,
        target: WebhookTarget,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._target = target
        self._host = urlsplit(target.url).hostname or "?"
        self._clock = clock
        self._client = httpx.AsyncClient(
            transport=transport, timeout=_TIMEOUT, follow_redirects=False, trust_env=False
        )

    async def send(self, event: dict[str, Any], key: str) -> None:
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "blockfirst",
            "Idempotency-Key": key,
            "Blockfirst-Event": str(event.get("action", "")),
            SIGNATURE: sign(self._target.secret, body, int(self._clock())),
        }
        try:
            response = await self._client.post(self._target.url, content=body, headers=headers)
        except httpx.HTTPError as exc:  # the URL (a secret in its query?) is never shown
            failure = f"webhook to {self._host}: {type(exc).__name__}"
            raise PlatformError(failure, retry_after=_RETRY) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retry = status in (408, 429) or status >= 500
        wait = _seconds(response.headers.get("retry-after")) or _RETRY
        raise PlatformError(
            f"webhook to {self._host} answered HTTP {status}",
            impossible=not retry,
            retry_after=wait,
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def _seconds(value: str | None) -> float | None:
    try:
        return min(float(value), 3600.0) if value else None
    except ValueError:
        return None
