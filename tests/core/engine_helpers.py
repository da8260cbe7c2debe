"""Building blocks for the engine tests: a banked photo, messages, a running Moderator."""

from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps

from core.audit import AuditEntry
from core.bank_lists import entries_for_media
from core.banks import Bank, Entry
from core.engine.config import EngineConfig
from core.engine.moderator import Moderator
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.model import BankAction, Chat, ChatKind, MediaRef, Message, Sender, SenderKind
from core.ports import ImageFetcher
from core.store import SqlStore
from tests.conftest import encode, load_photo
from tests.fakes import FakeClock, FakePlatform

__all__ = ["CHAT", "USER", "World", "audit_of", "photo", "text_message", "world"]

CHAT = Chat("fake", "-100", ChatKind.SUPERGROUP, "Test group")
USER = Sender("u1", SenderKind.USER, "someone")
REVIEWER = "fake:reviewer"
BANNED = encode(load_photo("astronaut"))
MIRRORED = encode(ImageOps.mirror(load_photo("astronaut")), "PNG")
HARMLESS = encode(load_photo("coffee"))
FLAT = encode(Image.new("RGB", (64, 64), (200, 10, 10)), "PNG")


@dataclass
class World:
    store: SqlStore
    platform: FakePlatform
    clock: FakeClock
    moderator: Moderator


def photo(
    message_id: str,
    file: str = "banned",
    *,
    key: str | None = None,
    sender: Sender = USER,
    album: str | None = None,
    album_ids: tuple[str, ...] = (),
) -> Message:
    ref = MediaRef("photo", key or f"key-{file}", file, "image/jpeg", None)
    return Message(
        CHAT, message_id, sender, media=(ref,), album_id=album, album_message_ids=album_ids
    )


def text_message(message_id: str, text: str = "hello") -> Message:
    return Message(CHAT, message_id, USER, text=text)


async def audit_of(store: SqlStore) -> list[AuditEntry]:
    return [entry async for entry in store.iter_audit()]


@asynccontextmanager
async def world(
    store: SqlStore,
    clock: FakeClock,
    *,
    action: BankAction = BankAction.DELETE,
    category: str = "illegal_filming",
    config: EngineConfig | None = None,
    platform: FakePlatform | None = None,
    link_rules: Sequence[Entry] = (),
    banked: Sequence[Entry] = (),
    fetcher: ImageFetcher | None = None,
) -> AsyncIterator[World]:
    """A store with the astronaut photo banked, a fake platform serving test
    photos, and a started Moderator (hashing on a thread pool)."""
    await store.create_bank(Bank("ncii", action, category=category))
    media = hash_media(BANNED)
    await store.add_entries("ncii", entries_for_media(media, source="test", added_by="test"))
    await store.add_entries("ncii", banked)
    await store.add_reviewer(REVIEWER, by="test")
    if link_rules:
        await store.create_bank(Bank("links", category="illegal_filming"))
        await store.add_entries("links", link_rules)
    platform = platform or FakePlatform()
    platform.files.update(
        {"banned": BANNED, "mirrored": MIRRORED, "harmless": HARMLESS, "flat": FLAT}
    )
    matcher = await load_matcher(store)
    with ThreadPoolExecutor(2) as pool:
        moderator = Moderator(
            store,
            {"fake": platform},
            matcher,
            clock=clock,
            config=config,
            executor=pool,
            fetcher=fetcher,
        )
        async with moderator:
            yield World(store, platform, clock, moderator)
