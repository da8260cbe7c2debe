"""``discord.Message`` -> core ``Message``: channels and threads, senders, links, attachments.

Attachment URLs expire, so media are hashed on arrival; the attachment id is
the file key (Discord has no id that survives a re-upload) and its URL the
reference to fetch it by.
"""

from collections.abc import Iterator, Sequence

import discord

from core.model import Chat, ChatKind, MediaRef, Message, Sender, SenderKind

__all__ = ["PLATFORM", "message_link", "to_message"]

PLATFORM = "discord"


def message_link(chat_id: str, message_id: str, community: str = "") -> str | None:
    """Discord's jump link: the server (``@me`` for a DM), channel and message."""
    return f"https://discord.com/channels/{community or '@me'}/{chat_id}/{message_id}"


_MEDIA = ("image/", "video/")


def to_message(message: discord.Message, *, edited: bool = False) -> Message:
    channel = message.channel
    if isinstance(channel, discord.Thread):
        kind = ChatKind.THREAD
    elif isinstance(channel, discord.DMChannel):
        kind = ChatKind.DM
    else:
        kind = ChatKind.GUILD_CHANNEL
    author = message.author
    sender_kind = (
        SenderKind.BOT if author.bot else SenderKind.SERVICE if author.system else SenderKind.USER
    )
    edited_at = message.edited_at
    return Message(
        chat=Chat(
            PLATFORM,
            str(channel.id),
            kind,
            getattr(channel, "name", "") or "",
            str(message.guild.id) if message.guild else "",
        ),
        message_id=str(message.id),
        sender=Sender(str(author.id), sender_kind, author.display_name),
        text="\n".join(
            t for t in (message.content, *(s.content for s in _snapshots(message))) if t
        ),
        links=tuple(dict.fromkeys(_links(message))),
        media=tuple(_media(message)),
        edited=edited,
        edit_version=str(int(edited_at.timestamp())) if edited and edited_at else "",
        reply_to=str(message.reference.message_id)
        if message.reference and message.reference.message_id
        else None,
        sent_at=message.created_at,
        file_names=tuple(a.filename for a in message.attachments if a.filename),
        buttons=tuple(_labels(message.components)),
    )


def _labels(components: Sequence[discord.Component]) -> Iterator[str]:
    """Button labels, in action rows (as bots send them) or not."""
    for component in components:
        if isinstance(component, discord.ActionRow):
            yield from _labels(component.children)
        elif isinstance(component, discord.Button) and component.label:
            yield component.label


def _snapshots(message: discord.Message) -> list[discord.MessageSnapshot]:
    """What a forward carries (its own content is empty)."""
    return list(getattr(message, "message_snapshots", None) or [])


def _links(message: discord.Message) -> Iterator[str]:
    for embed in [*message.embeds, *(e for s in _snapshots(message) for e in s.embeds)]:
        if embed.url:
            yield embed.url
    for row in message.components:
        for item in getattr(row, "children", [row]):
            url = getattr(item, "url", None)
            if url:
                yield url


def _media(message: discord.Message) -> Iterator[MediaRef]:
    attachments = [*message.attachments, *(a for s in _snapshots(message) for a in s.attachments)]
    for attachment in attachments:
        mime = attachment.content_type or ""
        if mime.startswith(_MEDIA) or attachment.filename.lower().endswith(
            (".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4", ".webm")
        ):
            kind = "video" if mime.startswith("video/") else "photo"
            yield MediaRef(kind, str(attachment.id), attachment.url, mime, attachment.size)
    for sticker in message.stickers:  # PNG, APNG and GIF; Lottie is vector JSON, not an image
        if sticker.format is not discord.StickerFormatType.lottie:
            yield MediaRef("sticker", f"sticker:{sticker.id}", sticker.url, "", None)
    for embed in [*message.embeds, *(e for s in _snapshots(message) for e in s.embeds)]:
        for image in (embed.image, embed.thumbnail):
            if image and image.url:
                yield MediaRef("embed_image", image.url, image.url, "", None)
