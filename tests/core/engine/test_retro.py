"""Matches that reach back: a picture posted before it was listed is removed once it
is, through the same path as a live match (case, deletion, audit), once; the log
keeps hashes and ids only; platform limits and the window hold."""

import asyncio
import hashlib
import io
import json
import logging

import pytest
import sqlalchemy as sa
from PIL import Image

from core.bank_lists import entries_for_media
from core.banks import Bank, Entry, EntryStatus
from core.engine import retro
from core.engine.config import EngineConfig
from core.engine.moderator import Moderator
from core.engine.retro import REACHED_BACK
from core.errors import StorageError
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.model import CaseState, Chat, ChatKind, Decision, MediaRef, Message, Report
from core.store import SqlStore
from core.store.schema import recent_items
from core.writes import LogRecent
from tests.conftest import encode
from tests.core.engine_helpers import CHAT, HARMLESS, REVIEWER, USER, World, audit_of, photo, world
from tests.fakes import FakeClock, FakePlatform

LISTED_LATER = Entry("sha256", hashlib.sha256(HARMLESS).hexdigest(), source="listed later")


def _deleted(w: World) -> list[str]:
    return sorted(message_id for _, message_id in w.platform.deleted)


def _in(chat: str, message_id: str, file: str = "harmless") -> Message:
    where = Chat("fake", chat, ChatKind.SUPERGROUP, "group")
    ref = MediaRef("photo", f"key-{file}-{chat}", file, "image/jpeg", None)
    return Message(where, message_id, USER, text="secret words", media=(ref,))


async def _list_later(w: World, entries: list[Entry]) -> int:
    """What `blockfirst hashes add` does, then the bot following it and, once every
    process has had time to (``retro_settle``), reaching back."""
    await w.store.add_entries("ncii", entries)
    await w.moderator.follow_banks()
    assert await w.moderator.reach_back() == 0  # not settled yet
    w.clock.advance(seconds=6)
    return await w.moderator.reach_back()


async def test_a_picture_listed_after_it_was_posted_is_removed_everywhere_once(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        for i in range(3):
            await w.moderator.on_message(_in(f"-10{i}", str(i)))
        await w.moderator.on_message(_in("-109", "9", "flat"))  # another picture
        assert _deleted(w) == []

        clock.advance(hours=5)
        assert await _list_later(w, [LISTED_LATER]) == 3
        assert sorted(_deleted(w)) == ["0", "1", "2"]
        cases = await store.list_cases()
        assert len(cases) == 3
        assert all(REACHED_BACK in c.reasons for c in cases)
        assert {c.matches[0].bank for c in cases} == {"ncii"}
        matches = [e for e in await audit_of(store) if e.record.kind == "match"]
        assert len(matches) == 3

        # Again, or another bank change: nothing twice.
        assert await w.moderator.reach_back() == 0
        await store.add_entries("ncii", [Entry("md5", "0" * 32)])
        await w.moderator.follow_banks()
        clock.advance(seconds=6)
        assert await w.moderator.reach_back() == 0
        assert len(_deleted(w)) == 3


async def test_a_near_copy_is_found_by_its_perceptual_hash(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        original = Image.open(io.BytesIO(HARMLESS)).convert("RGB")
        resized = encode(original.resize((original.width // 2, original.height // 2)), "JPEG")
        w.platform.files["resized"] = resized
        await w.moderator.on_message(_in("-100", "1", "resized"))
        pdq = [
            e
            for e in entries_for_media(hash_media(HARMLESS), source="t", added_by="t")
            if e.signal_type == "pdq"
        ]
        assert pdq
        assert await _list_later(w, pdq) == 1
        assert _deleted(w) == ["1"]
        [case] = await store.list_cases()
        assert case.matches[0].signal_type == "pdq"
        assert case.matches[0].distance > 0


async def test_the_log_keeps_hashes_and_ids_only_within_its_window(
    store: SqlStore, clock: FakeClock
) -> None:
    config = EngineConfig(recent_days=2)
    async with world(store, clock, config=config) as w:
        await w.moderator.on_message(_in("-100", "1"))
        await w.moderator.on_message(
            Message(CHAT, "2", USER, text="see https://example.org/a?b=c and words")
        )
        await w.moderator.on_message(Message(CHAT, "3", USER, text="only words"))
        await w.moderator.flush_recent()  # written a second later, in a batch
        async with store._engine.connect() as conn:
            rows = (await conn.execute(sa.select(recent_items))).all()
        assert [r.message_id for r in rows] == ["1", "2"]  # plain text is not logged
        stored = json.dumps([dict(r._mapping) for r in rows], default=str)
        assert "secret words" not in stored
        assert "and words" not in stored
        assert HARMLESS.hex()[:64] not in stored  # no media bytes
        assert hashlib.sha256(HARMLESS).hexdigest() in stored
        assert "https://example.org/a?b=c" in stored  # the canonical link

        clock.advance(days=3)  # past the window: not found, then purged
        assert await _list_later(w, [LISTED_LATER]) == 0
        assert _deleted(w) == []
        assert await w.moderator._retro.purge() == 2
        assert await store.recent_count() == 0


async def test_a_telegram_message_older_than_48_hours_becomes_a_case_for_a_person(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        chat = Chat("telegram", "-100", ChatKind.SUPERGROUP, "group")
        ref = MediaRef("photo", "tg-key", "harmless", "image/jpeg", None)
        old = Message(chat, "7", USER, media=(ref,), sent_at=clock.now())
        telegram = FakePlatform("telegram")
        telegram.files.update(w.platform.files)
        w.moderator.add_platform(telegram)
        await w.moderator.on_message(old)
        clock.advance(hours=49)
        assert await _list_later(w, [LISTED_LATER]) == 1
        [case] = await store.list_cases()
        assert case.state is CaseState.OPEN
        assert any("48 hours" in r and "a person must" in r for r in case.reasons)
        assert _deleted(w) == []
        assert not telegram.deleted


async def test_a_reviewers_confirmation_reaches_back_to_earlier_copies(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(_in("-100", "1"))  # posted, nothing matched
        report = Report(reporter="fake:u9", category="illegal_filming", message=_in("-101", "2"))
        case = await w.moderator.on_report(report)
        await w.moderator.on_decision(case.id, Decision.CONFIRM, REVIEWER)
        await w.moderator.follow_banks()
        clock.advance(seconds=6)
        assert await w.moderator.reach_back() == 1
        assert "1" in _deleted(w)


async def test_entries_of_a_shadow_bank_or_disabled_or_quarantined_do_not_reach_back(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(_in("-100", "1"))
        await store.create_bank(Bank("tried", shadow=True))
        await store.add_entries("tried", [LISTED_LATER])
        await w.moderator.follow_banks()
        clock.advance(seconds=6)
        assert await w.moderator.reach_back() == 0
        await store.add_entries("ncii", [LISTED_LATER])
        await store.set_entry_status(
            "ncii", "sha256", [LISTED_LATER.value], EntryStatus.DISABLED, by="t"
        )
        await w.moderator.follow_banks()
        clock.advance(seconds=6)
        assert await w.moderator.reach_back() == 0
        assert _deleted(w) == []
        # Enabled again: now it acts.
        await store.set_entry_status(
            "ncii", "sha256", [LISTED_LATER.value], EntryStatus.ACTIVE, by="t"
        )
        await w.moderator.follow_banks()
        clock.advance(seconds=6)
        assert await w.moderator.reach_back() == 1
        assert _deleted(w) == ["1"]


async def test_a_restart_in_the_middle_loses_nothing_and_doubles_nothing(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        for i in range(4):
            await w.moderator.on_message(_in(f"-10{i}", str(i)))
        position = await store.cursor("retroaction")
        assert position is not None
        assert await _list_later(w, [LISTED_LATER]) == 4
        # Killed after acting, before the position was saved: the next run does it
        # again, and each message's key keeps it once.
        await store.set_cursor("retroaction", position)
    async with Moderator(store, {"fake": w.platform}, await load_matcher(store), clock=clock) as m:
        assert await m.reach_back() == 0
        assert (await store.cursor("retroaction") or 0) > position
    assert len(await store.list_cases()) == 4
    assert len(_deleted(w)) == 4


async def test_no_log_when_turned_off(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock, config=EngineConfig(recent_days=0)) as w:
        await w.moderator.on_message(photo("1", "harmless"))
        await w.moderator.flush_recent()
        assert await store.recent_count() == 0
        assert await _list_later(w, [LISTED_LATER]) == 0


async def test_the_bank_following_loop_reaches_back_by_itself(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(_in("-100", "1"))
        following = asyncio.create_task(w.moderator.follow(every=0.01))
        try:
            await store.add_entries("ncii", [LISTED_LATER])  # from another process
            for _ in range(1000):
                clock.advance(seconds=0.1)
                if _deleted(w):
                    break
                await asyncio.sleep(0.01)
        finally:
            following.cancel()
        assert _deleted(w) == ["1"]


class _FlakyStore:
    """A store whose log writes fail until told otherwise."""

    def __init__(self) -> None:
        self.down = True
        self.written: list[LogRecent] = []

    async def log_recent(self, entries: list[LogRecent]) -> None:
        if self.down:
            raise StorageError("database is locked")
        self.written += entries


async def test_the_log_waits_while_the_store_is_down_and_bounds_what_waits(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(retro, "_MAX_PENDING", 5)
    monkeypatch.setattr(retro, "FLUSH_SECONDS", 0.01)
    store = _FlakyStore()
    log = retro.RecentLog(store)  # type: ignore[arg-type]
    item = [{"md5": ("0" * 32,)}]
    entries = [LogRecent.of(_in("-100", str(i)), item, clock.now()) for i in range(8)]
    with caplog.at_level(logging.WARNING):
        for entry in entries:
            log.add(entry)
        await asyncio.sleep(0.05)  # tried, refused, tried again
        assert "not written (database is locked)" in caplog.text
        store.down = False
        for _ in range(100):
            if store.written:
                break
            await asyncio.sleep(0.01)
    assert [e.message_id for e in store.written] == ["3", "4", "5", "6", "7"]  # the newest 5
    assert "3 message(s) dropped unwritten" in caplog.text
    await log.close()
