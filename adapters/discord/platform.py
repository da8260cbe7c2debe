"""The core's ``Platform`` port over a discord.py client.

discord.py's errors become ``PlatformError``: NotFound is ``gone``, Forbidden
(missing permissions, role hierarchy, closed DMs) is ``impossible``, rate
limits carry ``retry_after``. Discord cannot re-send an upload by reference,
so restoring an overturned removal reposts its text and says so.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import discord

from adapters.discord.translate import PLATFORM
from adapters.discord.views import card_view
from core.errors import InputError, PlatformError
from core.media.files import CHUNK
from core.model import Chat, MediaRef, ReviewCard, Sender, SenderKind
from core.texts import LANGUAGES, say

__all__ = ["DiscordPlatform"]

T = TypeVar("T")
_TIMEOUT = timedelta(days=28)  # Discord's longest timeout


def _id(value: str) -> int:
    try:
        return int(value.removeprefix(f"{PLATFORM}:"))
    except ValueError:
        raise PlatformError(f"{value!r} is not a Discord id", impossible=True) from None


class DiscordPlatform:
    name = PLATFORM

    def __init__(
        self,
        client: discord.Client,
        review_channel_id: int,
        language: Callable[[Chat], Awaitable[str]] | None = None,
    ) -> None:
        self._client = client
        self._review_channel_id = review_channel_id
        self._language = language  # a chat's language, for what this adapter adds

    async def _channel(self, channel_id: int) -> Any:
        channel = self._client.get_channel(channel_id)
        return channel or await _translated(self._client.fetch_channel(channel_id))

    async def fetch_media(self, ref: MediaRef, max_bytes: int) -> bytes:
        if ref.size is not None and ref.size > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        data = await _translated(self._client.http.get_from_cdn(ref.file_ref))
        if len(data) > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        return bytes(data)

    async def stream_media(self, ref: MediaRef, max_bytes: int) -> AsyncIterator[bytes]:
        """discord.py reads a CDN file whole; it is handed on in chunks and dropped
        (Discord's own upload cap bounds it)."""
        if ref.size is not None and ref.size > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        data = await _translated(self._client.http.get_from_cdn(ref.file_ref))
        if len(data) > max_bytes:
            raise InputError(f"{ref.kind} is over the {max_bytes}-byte limit")
        for start in range(0, len(data), CHUNK):
            yield bytes(data[start : start + CHUNK])

    async def delete_messages(self, chat: Chat, message_ids: Sequence[str]) -> None:
        channel = await self._channel(_id(chat.id))
        for message_id in message_ids:
            await _translated(channel.get_partial_message(_id(message_id)).delete())

    async def _member(self, chat: Chat, sender: Sender) -> discord.Member:
        if sender.kind is not SenderKind.USER:
            raise PlatformError(f"a {sender.kind.value} cannot be sanctioned", impossible=True)
        channel = await self._channel(_id(chat.id))
        return await _translated(channel.guild.fetch_member(_id(sender.id)))

    async def restrict(self, chat: Chat, sender: Sender) -> None:
        member = await self._member(chat, sender)
        await _translated(member.timeout(_TIMEOUT, reason="blockfirst: matched a blocklist"))

    async def ban(self, chat: Chat, sender: Sender) -> None:
        member = await self._member(chat, sender)
        await _translated(
            member.ban(reason="blockfirst: matched a blocklist", delete_message_seconds=0)
        )

    async def lift_sanction(self, chat: Chat, sender: Sender) -> None:
        channel = await self._channel(_id(chat.id))
        user = discord.Object(_id(sender.id))
        try:
            await _translated(channel.guild.unban(user, reason="blockfirst: overturned"))
        except PlatformError as exc:
            if not exc.gone:
                raise
            member = await self._member(chat, sender)
            await _translated(member.timeout(None, reason="blockfirst: overturned"))

    async def post_notice(self, chat: Chat, text: str) -> None:
        channel = await self._channel(_id(chat.id))
        await _translated(channel.send(text))

    async def send_dm(self, user: Sender, text: str) -> None:
        found = await _translated(self._client.fetch_user(_id(user.id)))
        await _translated(found.send(text))

    async def post_card(self, card: ReviewCard) -> str:
        channel = await self._channel(self._review_channel_id)
        sent = await _translated(channel.send(embed=_embed(card), view=card_view(card)))
        return f"{self._review_channel_id}:{sent.id}"

    async def update_card(self, ref: str, card: ReviewCard) -> None:
        channel_id, _, message_id = ref.rpartition(":")
        channel = await self._channel(int(channel_id))
        message = channel.get_partial_message(int(message_id))
        await _translated(message.edit(embed=_embed(card), view=card_view(card)))

    async def restore(self, chat: Chat, text: str, media: Sequence[MediaRef]) -> None:
        note = ""
        if media:  # Discord keeps no copy of an attachment to send again
            languages = [await self._language(chat)] if self._language else LANGUAGES
            note = "".join(f"\n{say('restore_no_attachment', lang)}" for lang in languages)
        channel = await self._channel(_id(chat.id))
        await _translated(channel.send(f"{text}{note}"))

    async def alert_reviewers(self, text: str) -> None:
        channel = await self._channel(self._review_channel_id)
        await _translated(channel.send(text))


def _embed(card: ReviewCard) -> discord.Embed:
    embed = discord.Embed(title=card.title, description="\n".join(card.lines)[:4000])
    if card.original is not None:
        channel, message_id = card.original
        embed.add_field(
            name=say("card_original_label", card.language),
            value=say("card_original", card.language, channel=channel, message_id=message_id),
        )
    return embed


async def _translated(call: Awaitable[T]) -> T:
    try:
        return await call
    except discord.NotFound as exc:
        raise PlatformError(f"not found: {exc.text}", gone=True) from exc
    except discord.Forbidden as exc:
        raise PlatformError(f"forbidden: {exc.text}", impossible=True) from exc
    except discord.RateLimited as exc:
        raise PlatformError("rate limited", retry_after=exc.retry_after) from exc
    except discord.HTTPException as exc:
        raise PlatformError(f"Discord error {exc.status}: {exc.text}") from exc
    except discord.DiscordException as exc:
        raise PlatformError(str(exc)) from exc
