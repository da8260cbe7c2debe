"""The real discord.py bot from ``build_bot``, driven offline by simcord."""

import hashlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

simcord = pytest.importorskip("simcord")

from bots.config import Config, DiscordConfig  # noqa: E402
from bots.discord_bot import build_bot  # noqa: E402
from core.bank_lists import entries_for_media  # noqa: E402
from core.banks import Bank, Entry  # noqa: E402
from core.engine.config import EngineConfig  # noqa: E402
from core.media.hashing import hash_media  # noqa: E402
from core.policy import ChatSettings, Mode  # noqa: E402
from core.store import open_store  # noqa: E402
from core.texts import say  # noqa: E402
from tests.core.engine_helpers import BANNED, HARMLESS  # noqa: E402


@dataclass
class World:
    env: Any
    general: Any
    review: Any
    alice: Any
    reviewer: Any
    db_url: str
    guild: Any
    rebuild: Any  # a fresh bot for the same configuration (a restart)


@asynccontextmanager
async def discord_world(
    tmp_path: Path, settings: ChatSettings | None = None, engine: EngineConfig | None = None
) -> AsyncIterator[World]:
    db_url = f"sqlite:///{tmp_path / 'discord.db'}"
    async with open_store(db_url) as store:
        await store.create_bank(Bank("ncii", category="illegal_filming"))
        await store.add_entries(
            "ncii", entries_for_media(hash_media(BANNED), source="t", added_by="t")
        )
        await store.add_entries("ncii", [Entry("discord_invite", "Leak123")])
        await store.add_entries("ncii", [Entry("text", "몰카팝니다")])
    with ThreadPoolExecutor(2) as pool:
        config = Config(
            storage_url=db_url, discord=DiscordConfig("token", 0), engine=engine or EngineConfig()
        )
        bot = build_bot(config, executor=pool)
        env = simcord.Env(bot, settle_timeout=30)
        guild = env.create_guild()
        general = guild.create_text_channel("general")
        review = guild.create_text_channel("review")
        alice = guild.add_member(env.create_user("alice"))
        reviewer = guild.add_member(env.create_user("rev"))
        # The review channel exists only now; setup_hook reads the config at start.
        config = replace(config, discord=DiscordConfig("token", review.id))
        bot.blockfirst_config = config
        await env.start()
        try:
            async with open_store(db_url) as store:
                await store.add_reviewer(f"discord:{reviewer.id}", by="test")
                if settings is not None:
                    await store.set_chat_settings("discord", str(guild.id), settings, by="test")
            with env.time_context():
                yield World(
                    env, general, review, alice, reviewer, db_url, guild,
                    lambda: build_bot(config, executor=pool),
                )  # fmt: skip
        finally:
            await env.shutdown()


def ids(channel: Any) -> set[int]:
    return {m.id for m in channel.history()}


def card_of(w: World) -> Any:
    return next(m for m in w.review.history() if m.embeds and m.embeds[0].title.startswith("사건 "))


async def test_a_banked_image_is_deleted_and_a_card_posted(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        harmless = await w.alice.send(w.general, "hi", attachments=[("b.jpg", HARMLESS)])
        banned = await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        assert harmless.id in ids(w.general)
        assert banned.id not in ids(w.general)
        card = card_of(w)
        assert say("category_illegal_filming", "ko") in card.embeds[0].description
        buttons = [c.custom_id for c in card.components[0].children]
        assert [b.split(":")[1] for b in buttons] == [
            "confirm",
            "overturn",
            "escalate",
            "ban",
            "fine",
        ]


async def test_an_edit_adding_a_banned_invite_is_deleted(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        message = await w.alice.send(w.general, "hello")
        await w.alice.edit(message, "join discord.gg/Leak123")
        assert message.id not in ids(w.general)


async def test_reviewer_buttons_survive_a_restart(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        card = card_of(w)
        refused = await w.alice.click(
            card, label=say("button_confirm", "ko")
        )  # reviewers' language
        answer = refused.response
        assert answer is not None
        assert (answer.content, answer.ephemeral) == ("You are not an authorised reviewer.", True)
        await w.env.restart_bot(w.rebuild())
        done = await w.reviewer.click(card_of(w), label=say("button_escalate", "ko"))
        assert done.response is not None
        assert done.response.content.endswith(": escalated")
        async with open_store(w.db_url) as store:
            (case,) = await store.list_cases()
            assert case.state.value == "escalated"
            refusals = [
                e.record.actor
                async for e in store.iter_audit()
                if e.record.kind == "decision_refused"
            ]
        assert refusals == [f"discord:{w.alice.id}"]


async def test_dry_run_deletes_nothing(tmp_path: Path) -> None:
    async with discord_world(tmp_path, ChatSettings(mode=Mode.DRY_RUN)) as w:
        banned = await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        assert banned.id in ids(w.general)
        assert say("card_dry_run", "ko") in card_of(w).embeds[0].description


async def test_settings_commands_are_for_message_managers(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        admin_role = w.guild.create_role(
            "mods", permissions=discord.Permissions(manage_messages=True)
        )
        mod = w.guild.add_member(w.env.create_user("mod"), roles=[admin_role])
        status = await mod.slash(w.general, "blockfirst status")
        assert status.response is not None
        assert "mode enforce" in status.response.content
        changed = await mod.slash(w.general, "blockfirst mode", value="dry-run")
        assert changed.response is not None
        assert changed.response.content == "blockfirst: mode is now dry-run."
        async with open_store(w.db_url) as store:
            assert (await store.chat_settings("discord", str(w.guild.id))).mode is Mode.DRY_RUN
        assert "blockfirst mode" not in w.alice.available_commands(w.general)


async def test_report_message_context_menu_and_dm_reports(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        target = await w.alice.send(w.general, "see discord.gg/Other1")
        reported = await w.reviewer.context_menu(w.general, "Report message", target)
        assert reported.response is not None
        assert reported.response.content.startswith("Reported: case ")
        assert reported.response.ephemeral
        await w.alice.send_dm("leaked here: discord.gg/Leak123")
        async with open_store(w.db_url) as store:
            cases = await store.list_cases()
        assert len(cases) == 2
        dm_case = next(c for c in cases if c.target.startswith("discord:report:"))
        assert [(m.signal_type, m.value) for m in dm_case.matches] == [
            ("discord_invite", "Leak123")
        ]


async def test_a_forwarded_banned_image_is_deleted(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        # Posted by another bot (whose messages blockfirst leaves alone), then forwarded.
        other_bot = w.guild.add_member(w.env.create_user("feeder", bot=True))
        elsewhere = w.guild.create_text_channel("elsewhere")
        source = await other_bot.send(elsewhere, "", attachments=[("a.jpg", BANNED)])
        assert source.id in ids(elsewhere)
        forward = await w.alice.forward(source, w.general)
        assert forward.id not in ids(w.general)


async def test_a_new_member_gets_the_legal_warning_once_a_minute_per_server(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        first = w.env.create_user("first")
        w.guild.add_member(first)
        second = w.env.create_user("second")
        w.guild.add_member(second)
        await w.env.settle()
        (warning,) = [m.content for m in first.dm_channel.history()]
        assert warning.startswith("이 대화방은 blockfirst로 보호됩니다")
        assert second.dm_channel.history() == []  # within the minute: not again


async def test_status_names_missing_permissions(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        mods = w.guild.create_role("mods", permissions=discord.Permissions(manage_messages=True))
        mod = w.guild.add_member(w.env.create_user("mod"), roles=[mods])
        me = w.guild.me
        locked = w.guild.create_text_channel(
            "locked", overwrites={me: discord.PermissionOverwrite(manage_messages=False)}
        )
        status = await mod.slash(locked, "blockfirst status")
        assert status.response is not None
        assert "MISSING Manage Messages (to delete)" in status.response.content


async def test_a_banked_image_in_a_thread_is_deleted(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        channel = w.env.bot.get_channel(w.general.id)
        await channel.create_thread(name="talk", type=discord.ChannelType.public_thread)
        await w.env.settle()
        (thread,) = w.general.threads
        banned = await w.alice.send(thread, "", attachments=[("a.jpg", BANNED)])
        assert banned.id not in ids(thread)
        assert card_of(w).embeds[0].title.startswith("사건 ")


async def test_a_banked_image_as_a_sticker_is_deleted(tmp_path: Path) -> None:
    """simcord has no member action for stickers: the message is made on its backend."""
    from simcord.backend.models.message import MessageSticker

    from tests.conftest import encode, load_photo

    async with discord_world(tmp_path) as w:
        sticker = w.guild.create_sticker("leak")
        png = encode(load_photo("astronaut"), "PNG")
        url = w.env.backend.cdn.store_sticker(sticker.id, 1, png)
        # discord.py derives a sticker's URL from Discord's CDN host, simcord stores it
        # under its own: serve it under both (extending simcord from the test side).
        w.env.backend.cdn._blobs[f"{discord.Asset.BASE}/stickers/{sticker.id}.png"] = png
        stored = w.env.backend.create_message(
            w.general.id,
            w.alice.id,
            "",
            stickers=[MessageSticker(sticker.id, "leak", 1, w.guild.id, url)],
        )
        w.env._mark_mutation()
        await w.env.settle()
        assert stored.id not in ids(w.general)


async def test_one_moderator_serves_discord_and_another_platform(tmp_path: Path) -> None:
    """What `blockfirst run` does with both bots: one Moderator, one store."""
    from core.engine.moderator import Moderator
    from core.matching.loader import load_matcher
    from tests.core.engine_helpers import photo
    from tests.fakes import FakePlatform

    db_url = f"sqlite:///{tmp_path / 'both.db'}"
    async with open_store(db_url) as store:
        await store.create_bank(Bank("ncii"))
        await store.add_entries(
            "ncii", entries_for_media(hash_media(BANNED), source="t", added_by="t")
        )
        other = FakePlatform("fake")
        other.files["banned"] = BANNED
        with ThreadPoolExecutor(2) as pool:
            shared = Moderator(store, {"fake": other}, await load_matcher(store), executor=pool)
            async with shared:
                bot = build_bot(
                    Config(storage_url=db_url, discord=DiscordConfig("t", 0)), moderator=shared
                )
                env = simcord.Env(bot, settle_timeout=30)
                guild = env.create_guild()
                general = guild.create_text_channel("general")
                alice = guild.add_member(env.create_user("alice"))
                await env.start()
                try:
                    with env.time_context():
                        sent = await alice.send(general, "", attachments=[("a.jpg", BANNED)])
                        assert sent.id not in ids(general)
                finally:
                    await env.shutdown()
                await shared.on_message(photo("1"))
                assert other.deleted == {("-100", "1")}
        platforms = {case.platform for case in await store.list_cases()}
        assert platforms == {"discord", "fake"}


async def test_the_sender_of_a_removed_image_objects_with_a_slash_command(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        async with open_store(w.db_url) as store:
            (case,) = await store.list_cases()
        statement = [m.content for m in w.alice.user.dm_channel.history()]
        assert any(f"/object {case.id}" in text for text in statement)
        answered = await w.alice.user.slash("object", case=case.id, reasons="my own drawing")
        assert answered.response is not None
        assert answered.response.ephemeral
        async with open_store(w.db_url) as store:
            appeal = next(c for c in await store.list_cases() if c.appeal is not None)
        assert answered.response.content == say("objection_ack", "en", case_id=appeal.id)
        assert appeal.appeal is not None
        assert appeal.appeal.objector == f"discord:{w.alice.id}"
        again = await w.reviewer.user.slash("object", case=case.id, reasons="me too")
        assert again.response is not None
        assert again.response.content == say("objection_not_yours", "en", case_id=case.id)


async def test_a_restored_message_says_in_the_servers_language_that_its_image_is_gone(
    tmp_path: Path,
) -> None:
    async with discord_world(tmp_path) as w:
        await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        await w.reviewer.click(card_of(w), label=say("button_overturn", "ko"))
        await w.env.settle()
        restored = [m.content for m in w.general.history() if m.author.id != w.alice.id]
        assert any(say("restore_no_attachment", "ko") in text for text in restored)
        assert not any(say("restore_no_attachment", "en") in text for text in restored)


async def test_an_objection_end_to_end_the_confirming_reviewer_is_refused(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        second = w.guild.add_member(w.env.create_user("second"))
        async with open_store(w.db_url) as store:
            await store.add_reviewer(f"discord:{second.id}", by="test")
        await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        await w.reviewer.click(card_of(w), label=say("button_confirm", "ko"))
        async with open_store(w.db_url) as store:
            (case,) = await store.list_cases()
        await w.alice.user.slash("object", case=case.id, reasons="I drew it")
        async with open_store(w.db_url) as store:
            appeal = next(c for c in await store.list_cases() if c.appeal is not None)
        cards = [m for m in w.review.history() if m.embeds and appeal.id in m.embeds[0].title]
        refused = await w.reviewer.click(cards[0], label=say("button_overturn", "ko"))
        assert refused.response is not None
        assert refused.response.content == say("appeal_same_reviewer", "en")
        await second.click(cards[0], label=say("button_overturn", "ko"))
        async with open_store(w.db_url) as store:
            assert (await store.get_case(case.id)).state.value == "overturned"
        told = [m.content for m in w.alice.user.dm_channel.history()]
        assert told[-1] == say("appeal_reversed", "en", case_id=case.id, reasons="-")


async def test_a_restored_message_speaks_its_servers_language(tmp_path: Path) -> None:
    """Settings are per server: an English server's restored message says so in English
    (looked up by the channel's id, it read the Korean default)."""
    async with discord_world(tmp_path, ChatSettings(language="en")) as w:
        await w.alice.send(w.general, "look", attachments=[("a.jpg", BANNED)])
        await w.reviewer.click(card_of(w), label=say("button_overturn", "ko"))
        await w.env.settle()
        restored = [m.content for m in w.general.history() if m.author.id != w.alice.id]
        assert any(text.startswith("Restored after review.") for text in restored), restored


async def test_a_listed_phrase_in_a_file_name_or_an_edit_is_deleted(tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        named = await w.alice.send(w.general, "hi", attachments=[("몰카_팝니다.jpg", HARMLESS)])
        assert named.id not in ids(w.general)
        card = card_of(w)
        assert "몰카_팝니다" in card.embeds[0].description
        edited = await w.alice.send(w.general, "hello")
        await w.alice.edit(edited, "몰 카 팝 니 다 DM")
        assert edited.id not in ids(w.general)


def test_button_labels_in_action_rows_are_read() -> None:
    from adapters.discord.translate import _labels

    row = discord.ActionRow(
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 5, "label": "Hidden CAM", "url": "https://example.com"},
                {"type": 2, "style": 1, "label": "구매", "custom_id": "buy"},
                {"type": 2, "style": 1, "custom_id": "icon-only"},
            ],
        }
    )
    assert list(_labels([row])) == ["Hidden CAM", "구매"]


async def test_an_image_listed_after_it_was_posted_is_removed(tmp_path: Path) -> None:
    no_wait = EngineConfig(retro_settle=timedelta(0))  # one process: nobody to wait for
    async with discord_world(tmp_path, engine=no_wait) as w:
        first = await w.alice.send(w.general, "hi", attachments=[("b.jpg", HARMLESS)])
        second = await w.alice.send(w.general, "again", attachments=[("c.jpg", HARMLESS)])
        assert {first.id, second.id} <= ids(w.general)
        async with open_store(w.db_url) as store:  # as `blockfirst hashes add` does
            await store.add_entries("ncii", [Entry("sha256", hashlib.sha256(HARMLESS).hexdigest())])
        moderator = w.env.bot.moderator
        await moderator.follow_banks()
        assert await moderator.reach_back() == 2
        await w.env.settle()
        assert not {first.id, second.id} & ids(w.general)  # Discord has no age limit
        assert await moderator.reach_back() == 0
