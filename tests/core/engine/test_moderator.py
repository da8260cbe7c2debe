"""Message flows through the Moderator: a fake platform and a real SQLite file."""

from datetime import timedelta

import pytest

from core.audit import verify
from core.banks import Entry
from core.errors import PlatformError
from core.model import Action, BankAction, CaseKind, CaseState, Sender, SenderKind
from core.policy import ChatSettings, Mode, Sanction
from core.store import SqlStore
from core.texts import say
from tests.core.engine_helpers import CHAT, audit_of, photo, text_message, world
from tests.fakes import FakeClock


async def test_a_banked_photo_is_deleted_at_once_and_opens_a_case(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        handled = await w.moderator.on_message(photo("7"))
        assert handled.case is not None
        case = await store.get_case(handled.case.id)
        assert (case.kind, case.state, case.removed) == (
            CaseKind.MATCH_REVIEW,
            CaseState.OPEN,
            True,
        )
        assert case.deadline == clock.now() + timedelta(hours=24)
        methods = [call[0] for call in w.platform.calls]
        assert methods == ["delete_messages", "send_dm", "post_notice", "post_card"]
        assert w.platform.deleted == {(CHAT.id, "7")}
        assert case.card_ref == "card-1"
        entries = await audit_of(store)
        assert {e.record.kind for e in entries} == {"match", "action"}
        delete = next(e for e in entries if e.record.action == "delete")
        assert (delete.record.result, delete.record.message_id, delete.record.case_id) == (
            "done",
            "7",
            case.id,
        )
        assert verify(entries).ok


async def test_harmless_and_text_messages_leave_no_trace(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        assert (await w.moderator.on_message(photo("1", "harmless"))).case is None
        assert (await w.moderator.on_message(text_message("2"))).case is None
        assert w.platform.calls == []
        assert await audit_of(store) == []


async def test_a_mirrored_copy_is_caught(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        handled = await w.moderator.on_message(photo("3", "mirrored"))
        assert Action.DELETE in handled.verdict.actions
        assert any(m.signal_type == "pdq" for m in handled.verdict.matches)


async def test_dry_run_records_everything_but_acts_on_nothing(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.set_chat_settings("fake", CHAT.id, ChatSettings(mode=Mode.DRY_RUN), by="admin")
        handled = await w.moderator.on_message(photo("8"))
        assert handled.verdict.dry_run
        assert [c[0] for c in w.platform.calls] == ["post_card"]
        card = next(iter(w.platform.cards.values()))
        assert say("card_dry_run", "ko") in card.lines
        results = {
            e.record.action: e.record.result
            for e in await audit_of(store)
            if e.record.kind == "action"
        }
        assert results["delete"] == "dry run: recorded, not performed"
        assert results["dm"] == "dry run: recorded, not performed"
        assert (await store.get_case(handled.case.id)).removed is False  # type: ignore[union-attr]


async def test_a_matching_album_item_deletes_the_album_and_later_items_follow(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        first = await w.moderator.on_message(photo("21", "harmless", album="A", album_ids=("20",)))
        assert first.case is None
        hit = await w.moderator.on_message(photo("22", album="A", album_ids=("20", "21")))
        late = await w.moderator.on_message(photo("23", "harmless", album="A"))
        assert late.case is None
        assert w.platform.deleted == {(CHAT.id, m) for m in ("20", "21", "22", "23")}
        assert len(w.platform.of("post_card")) == 1
        deletes = [e for e in await audit_of(store) if e.record.action == "delete"]
        assert {e.record.case_id for e in deletes} == {hit.case.id}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("album", "word"), [("", "delete_message"), ("A", "delete_album")], ids=["single", "album"]
)
async def test_a_match_entry_keeps_its_stored_action_words(
    store: SqlStore, clock: FakeClock, album: str, word: str
) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(photo("31", album=album, album_ids=("30",) if album else ()))
        words = {e.record.action for e in await audit_of(store) if e.record.kind == "match"}
        assert words == {f"{word},dm_reasons,notice"}


async def test_a_redelivered_update_changes_nothing(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        first = await w.moderator.on_message(photo("9"))
        before = (list(w.platform.calls), len(await audit_of(store)))
        again = await w.moderator.on_message(photo("9"))
        assert again.duplicate
        assert again.case is not None  # the same answer: its case, nothing done again
        assert again.case.id == first.case.id  # type: ignore[union-attr]
        assert again.verdict.actions == first.verdict.actions
        assert (w.platform.calls, len(await audit_of(store))) == before
        assert len(await store.list_cases()) == 1
        assert first.case is not None


async def test_an_edit_is_checked_again(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(photo("4", "harmless"))
        from dataclasses import replace

        edited = replace(photo("4", "banned"), edited=True, edit_version="1")
        assert (await w.moderator.on_message(edited)).case is not None


async def test_a_known_file_key_is_not_fetched_again(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(photo("1", "harmless"))
        await w.moderator.on_message(photo("2", "harmless"))
        await w.moderator.on_message(photo("3", "banned", key="key-harmless"))  # same file key
        assert w.platform.fetches == 1


async def test_a_review_bank_only_opens_a_case(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock, action=BankAction.REVIEW) as w:
        handled = await w.moderator.on_message(photo("5"))
        assert handled.case is not None
        assert handled.verdict.actions == frozenset()
        assert [c[0] for c in w.platform.calls] == ["post_card"]


async def test_block_first_category_deletes_a_review_bank_match(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock, action=BankAction.REVIEW, category="deepfake") as w:
        settings = ChatSettings(block_first=frozenset({"deepfake"}), notice=False)
        await store.set_chat_settings("fake", CHAT.id, settings, by="admin")
        await w.moderator.on_message(photo("5"))
        assert w.platform.deleted == {(CHAT.id, "5")}
        assert not w.platform.of("post_notice")


@pytest.mark.parametrize(
    ("kind", "sanction", "expected"),
    [
        (
            SenderKind.USER,
            Sanction.BAN,
            ["delete_messages", "send_dm", "post_notice", "ban", "post_card"],
        ),
        (
            SenderKind.USER,
            Sanction.RESTRICT,
            ["delete_messages", "send_dm", "post_notice", "restrict", "post_card"],
        ),
        (SenderKind.ANONYMOUS_ADMIN, Sanction.BAN, ["delete_messages", "post_notice", "post_card"]),
        (SenderKind.CHANNEL, Sanction.BAN, ["delete_messages", "post_notice", "ban", "post_card"]),
    ],
)
async def test_sanctions_follow_the_chat_policy_and_the_sender(
    store: SqlStore, clock: FakeClock, kind: SenderKind, sanction: Sanction, expected: list[str]
) -> None:
    async with world(store, clock) as w:
        await store.set_chat_settings("fake", CHAT.id, ChatSettings(sanction=sanction), by="admin")
        await w.moderator.on_message(photo("6", sender=Sender("s1", kind)))
        assert [c[0] for c in w.platform.calls] == expected


async def test_platform_failures_are_retried_recorded_and_never_lose_the_case(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        await store.set_chat_settings(
            "fake", CHAT.id, ChatSettings(sanction=Sanction.BAN), by="admin"
        )
        w.platform.failures = {
            "delete_messages": [PlatformError("flood", retry_after=0.01)],
            "ban": [PlatformError("not enough rights", impossible=True)],
            "post_card": [PlatformError("flood", retry_after=60)],
        }
        handled = await w.moderator.on_message(photo("11"))
        assert w.platform.deleted == {(CHAT.id, "11")}
        results = {
            e.record.action: e.record.result
            for e in await audit_of(store)
            if e.record.kind == "action"
        }
        assert results["delete"] == "done"
        assert results["ban"] == "failed: not enough rights"
        assert "post_card" not in results  # waiting for the next outbox run
        assert w.moderator.counts["ban:failed"] == 1
        assert await w.moderator.run_outbox() == 1
        assert (await store.get_case(handled.case.id)).card_ref == "card-1"  # type: ignore[union-attr]


async def test_an_already_deleted_message_counts_as_done(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        w.platform.deleted.add((CHAT.id, "12"))
        await w.moderator.on_message(photo("12"))
        results = {
            e.record.action: e.record.result
            for e in await audit_of(store)
            if e.record.kind == "action"
        }
        assert results["delete"] == "gone: already deleted"


async def test_the_default_hashing_pool_is_a_separate_process(
    store: SqlStore, clock: FakeClock
) -> None:
    """Without an executor the Moderator hashes in its own process pool."""
    from core.engine.moderator import Moderator
    from core.matching.loader import load_matcher
    from tests.core.engine_helpers import BANNED
    from tests.fakes import FakePlatform

    async with world(store, clock):
        pass  # banks the photo
    platform = FakePlatform()
    platform.files["banned"] = BANNED
    async with Moderator(
        store, {"fake": platform}, await load_matcher(store), clock=clock
    ) as moderator:
        handled = await moderator.on_message(photo("31"))
    assert handled.case is not None
    assert platform.deleted == {(CHAT.id, "31")}


async def test_maintenance_sweeps_and_retries_until_cancelled(
    store: SqlStore, clock: FakeClock
) -> None:
    import asyncio

    async with world(store, clock) as w:
        w.platform.failures["post_card"] = [PlatformError("flood", retry_after=60)]
        await w.moderator.on_message(photo("41"))
        clock.advance(hours=13)
        task = asyncio.create_task(w.moderator.maintain(every=0.01))
        for _ in range(200):
            if w.platform.of("post_card") and w.platform.of("alert_reviewers"):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        assert len(w.platform.of("post_card")) == 1
        assert len(w.platform.of("alert_reviewers")) == 1


LINK_RULES = [
    Entry("tg_invite", "Leak123"),
    Entry("domain", "leaks.example"),
    Entry("url", "https://leaks.example/ok", allow=True),
    Entry("domain", "apple.com"),
]


@pytest.mark.parametrize(
    ("text", "links", "deleted"),
    [
        ("join t.me/joinchat/Leak123 now", (), True),
        ("hello", ("https://t.me/+Leak123",), True),  # from an entity or a button
        ("see https://cdn.leaks.example/a.jpg", (), True),
        ("see https://leaks.example/ok", (), False),  # an allow rule beats the domain rule
        ("see t.me/+leak123", (), False),  # invite keys keep their case
        ("nothing to see at example.org", (), False),
    ],
)
async def test_links_are_checked_like_media(
    store: SqlStore, clock: FakeClock, text: str, links: tuple[str, ...], deleted: bool
) -> None:
    async with world(store, clock, link_rules=LINK_RULES) as w:
        from dataclasses import replace

        handled = await w.moderator.on_message(replace(text_message("50", text), links=links))
        assert (w.platform.deleted == {(CHAT.id, "50")}) is deleted
        assert (handled.case is not None) is deleted


async def test_a_look_alike_host_only_opens_a_review(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock, link_rules=LINK_RULES) as w:
        handled = await w.moderator.on_message(text_message("51", "log in at https://аpple.com/id"))
        assert handled.case is not None
        assert not w.platform.deleted
        assert any(
            "look-alike host xn--pple-43d.com imitating apple.com" in r
            for r in handled.case.reasons
        )


async def test_an_edit_that_adds_a_banned_link_is_caught(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock, link_rules=LINK_RULES) as w:
        from dataclasses import replace

        await w.moderator.on_message(text_message("52", "hi"))
        edited = replace(text_message("52", "hi t.me/+Leak123"), edited=True, edit_version="2")
        assert (await w.moderator.on_message(edited)).case is not None
        assert w.platform.deleted == {(CHAT.id, "52")}


async def test_a_re_encoded_banked_video_is_deleted(store: SqlStore, clock: FakeClock) -> None:
    """A video goes through the same pipeline: fetched, vPDQ-hashed off the loop, matched."""
    from core.bank_lists import entries_for_media
    from core.media.hashing import hash_media
    from core.model import MediaRef, Message
    from tests.core.videos import video

    banked = entries_for_media(hash_media(video("source")), source="t", added_by="t")
    async with world(store, clock, banked=[e for e in banked if e.signal_type == "vpdq"]) as w:
        w.platform.files["clip"] = video("low_bitrate")
        ref = MediaRef("video", "key-clip", "clip", "video/mp4", len(video("low_bitrate")))
        handled = await w.moderator.on_message(Message(CHAT, "60", photo("x").sender, media=(ref,)))
        assert handled.case is not None
        assert [m.signal_type for m in handled.verdict.matches] == ["vpdq"]
        assert (CHAT.id, "60") in w.platform.deleted


async def test_a_file_over_the_byte_limit_is_matched_on_its_streamed_digests(
    store: SqlStore, clock: FakeClock
) -> None:
    """Issue 13, item 7: a banked large video used to get no hashes at all."""
    import hashlib

    from core.engine.config import EngineConfig
    from core.media.decode import MediaLimits
    from core.model import MediaRef, Message
    from tests.core.engine_helpers import USER

    payload = bytes(range(256)) * 2000  # 512 KB
    big = (
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
        + (8 + len(payload)).to_bytes(4, "big")
        + b"mdat"
        + payload
    )
    banked = Entry("sha256", hashlib.sha256(big).hexdigest(), source="t", added_by="t")
    config = EngineConfig(limits=MediaLimits(max_bytes=100_000))
    async with world(store, clock, banked=[banked], config=config) as w:
        w.platform.files["big"] = big
        ref = MediaRef("video", "key-big", "big", "video/mp4", len(big))
        handled = await w.moderator.on_message(Message(CHAT, "9", USER, media=(ref,)))
        assert Action.DELETE in handled.verdict.actions
        assert (w.platform.fetches, w.platform.streams) == (0, 1)
        assert handled.case is not None
        assert "video_sha256" in {s.signal_type for s in handled.case.signals}
