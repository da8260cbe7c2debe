"""An API client as a platform (``api:<client>``): its uploads are fetched from memory
for the one request that brought them, and its effects leave as webhooks. ``Clients``
makes one for each client as it first calls."""

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence

import httpx

from adapters.api.settings import WebhookTarget
from adapters.api.webhooks import Webhook, event_of
from core.engine.moderator import Moderator
from core.errors import InputError, PlatformError
from core.model import Chat, Effect, MediaRef, ReviewCard, Sender

__all__ = ["ApiPlatform", "Clients"]

_CHUNK = 1024 * 1024


class ApiPlatform:
    """Implements the ``Platform`` port for one API client, and ``EffectSink``: the
    performer hands every effect to ``deliver``, so the chat-shaped methods below
    are never called for it."""

    # A receiver may be down for a while: an attempt each outbox round (30 s) for
    # about half an hour before the effect fails, visibly on its case.
    max_attempts = 60

    def __init__(self, client: str, webhook: Webhook | None) -> None:
        self.name = f"api:{client}"
        self._webhook = webhook
        self._uploads: dict[str, bytes] = {}

    @contextlib.contextmanager
    def holding(self, data: bytes) -> Iterator[str]:
        """A reference the engine fetches ``data`` by, while the request lasts."""
        ref = secrets.token_hex(16)
        self._uploads[ref] = data
        try:
            yield ref
        finally:
            self._uploads.pop(ref, None)

    async def fetch_media(self, ref: MediaRef, max_bytes: int) -> bytes:
        data = self._held(ref)
        if len(data) > max_bytes:
            raise InputError(f"the upload is over the {max_bytes}-byte limit")
        return data

    async def stream_media(self, ref: MediaRef, max_bytes: int) -> AsyncIterator[bytes]:
        data = self._held(ref)
        if len(data) > max_bytes:
            raise InputError(f"the upload is over the {max_bytes}-byte limit")
        for start in range(0, len(data), _CHUNK):
            yield data[start : start + _CHUNK]

    async def deliver(self, effect: Effect, card: ReviewCard | None) -> None:
        if self._webhook is None:
            raise PlatformError(
                f"no webhook for {self.name} ([api.webhooks] in the configuration)",
                impossible=True,
            )
        await self._webhook.send(event_of(effect, card), effect.id)

    async def aclose(self) -> None:
        if self._webhook is not None:
            await self._webhook.aclose()

    def _held(self, ref: MediaRef) -> bytes:
        data = self._uploads.get(ref.file_ref)
        if data is None:
            raise PlatformError(
                f"{self.name}: the upload is gone with its request", impossible=True
            )
        return data

    # The Platform port's chat-shaped calls: effects reach this platform whole.
    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None:
        raise _whole()

    async def restrict(self, chat: Chat, sender: Sender) -> None:
        raise _whole()

    async def ban(self, chat: Chat, sender: Sender) -> None:
        raise _whole()

    async def lift_sanction(self, chat: Chat, sender: Sender) -> None:
        raise _whole()

    async def post_notice(self, chat: Chat, text: str) -> None:
        raise _whole()

    async def send_dm(self, user: Sender, text: str) -> None:
        raise _whole()

    async def post_card(self, card: ReviewCard) -> str:
        raise _whole()

    async def update_card(self, ref: str, card: ReviewCard) -> None:
        raise _whole()

    async def restore(self, chat: Chat, text: str, media: Sequence[MediaRef]) -> None:
        raise _whole()

    async def alert_reviewers(self, text: str) -> None:
        raise _whole()


def _whole() -> PlatformError:
    return PlatformError("API effects are delivered whole, as webhooks", impossible=True)


class Clients:
    """One ``ApiPlatform`` per client, made on first use and attached to the
    Moderator, its webhook from the configuration."""

    def __init__(
        self,
        moderator: Moderator,
        webhooks: Mapping[str, WebhookTarget],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._moderator = moderator
        self._webhooks = webhooks
        self._transport = transport
        self._made: dict[str, ApiPlatform] = {}

    def platform(self, client: str) -> ApiPlatform:
        made = self._made.get(client)
        if made is None:
            target = self._webhooks.get(client)
            hook = Webhook(target, transport=self._transport) if target else None
            made = self._made[client] = ApiPlatform(client, hook)
            self._moderator.add_platform(made)
        return made

    async def aclose(self) -> None:
        for platform in self._made.values():
            await platform.aclose()
