"""The Discord extension: a ``Cog`` loaded with ``setup(bot)``.

Messages in text channels, threads and forum posts are checked on arrival
(attachment URLs expire); edits arrive through ``on_raw_message_edit``, which
also sees uncached messages (link previews come as edits). Review buttons
are ``DynamicItem``s, so they keep working after a restart; only reviewers
(configured ids or roles) may press them, others get an ephemeral refusal
that is audited.
"""

import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from adapters.discord.bot import BlockfirstBot
from adapters.discord.language import CatalogueTranslator, Languages, localized
from adapters.discord.translate import PLATFORM, to_message
from adapters.discord.views import DecisionButton
from core.engine.moderator import Moderator
from core.errors import InputError
from core.model import Report
from core.policy import SETTING_COMMANDS, with_setting
from core.texts import button_decision, refusal, say, status_lines

__all__ = ["Moderation", "setup"]


class Moderation(commands.Cog):
    def __init__(self, bot: BlockfirstBot) -> None:
        self.bot = bot
        self.moderator = bot.moderator
        self.reviewer_roles = bot.reviewer_roles
        self.warning = bot.warning
        self.languages = Languages(bot.moderator)
        self._last_warning: dict[int, float] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DecisionButton)
        self.bot.decide = self.decide
        await self.bot.tree.set_translator(CatalogueTranslator())
        languages = self.languages

        async def report(interaction: discord.Interaction, message: discord.Message) -> None:
            await report_message(interaction, message, languages)

        # A context menu cannot be declared inside a Cog: build it here.
        self._menu = app_commands.ContextMenu(name=localized("report_menu"), callback=report)
        self.bot.tree.add_command(self._menu)
        self.bot.tree.add_command(settings_commands(self.moderator, languages))
        self.bot.tree.add_command(object_command(self.moderator, languages))

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self._menu.name, type=self._menu.type)
        self.bot.tree.remove_command("blockfirst")
        self.bot.tree.remove_command("object")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.author.id == getattr(self.bot.user, "id", None):
            return
        if message.guild is None:
            await self._dm_report(message)
            return
        await self.moderator.on_message(to_message(message))

    async def _dm_report(self, message: discord.Message) -> None:
        """A DM with links or images is a report; the core replies with the case id."""
        content = to_message(message)
        if not (content.links or content.media or content.text):
            return
        language = await self.languages.of_message(message)
        report = Report(
            reporter=f"{PLATFORM}:{message.author.id}",
            category="other",
            text=content.text,
            links=content.links,
            media=content.media,
            platform=PLATFORM,
            language=language,
        )
        try:
            await self.moderator.on_report(report)
        except InputError as exc:
            await message.channel.send(refusal(exc, language)[:1900])

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """The legal warning, by DM, at most once a minute per server."""
        now = time.monotonic()
        if member.bot or now - self._last_warning.get(member.guild.id, -60.0) < 60.0:
            return
        self._last_warning[member.guild.id] = now
        settings = await self.moderator.chat_settings(PLATFORM, str(member.guild.id))
        try:
            await member.send(self.warning.get(settings.language) or self.warning["en"])
        except discord.HTTPException:
            return  # DMs closed: nothing to tell them by

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if payload.guild_id is None:
            return
        channel = self.bot.get_channel(payload.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = await channel.fetch_message(payload.message_id)
        except discord.NotFound:
            return  # deleted meanwhile
        if message.author.id != getattr(self.bot.user, "id", None):
            await self.moderator.on_message(to_message(message, edited=True))

    async def decide(self, interaction: discord.Interaction, action: str, case_id: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # within the 3 s
        language = await self.languages.of_interaction(interaction)
        user = interaction.user
        roles = {role.id for role in getattr(user, "roles", [])}
        pressed = button_decision(action)
        try:
            case = await self.moderator.on_decision(
                case_id,
                pressed.decision,
                f"{PLATFORM}:{user.id}",
                ban=pressed.ban,
                fine=pressed.fine,
                vouched=bool(roles & self.reviewer_roles),
            )
        except InputError as exc:  # not a reviewer, the contested decision's maker, final
            await interaction.followup.send(refusal(exc, language)[:1900], ephemeral=True)
            return
        state = say(f"state_{case.state.value}", language)
        said = say("case_state", language, case_id=case.id, state=state)
        await interaction.followup.send(said, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    if not isinstance(bot, BlockfirstBot):
        raise TypeError("the blockfirst extension runs in a BlockfirstBot")
    await bot.add_cog(Moderation(bot))


_PERMS = ("manage_messages", "moderate_members", "ban_members")


def settings_commands(moderator: Moderator, languages: Languages) -> app_commands.Group:
    """``/blockfirst status|mode|lang|notice``: per server, Manage Messages by default."""
    group = app_commands.Group(
        name="blockfirst",
        description=localized("command_group"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_messages=True),
    )

    @group.command(name="status", description=localized("command_status"))
    async def status(interaction: discord.Interaction) -> None:
        guild = interaction.guild
        channel = interaction.channel
        if guild is None or channel is None or guild.me is None:
            return
        language = await languages.of_interaction(interaction)
        perms = channel.permissions_for(guild.me)
        missing = [
            say(f"discord_right_{name}", language) for name in _PERMS if not getattr(perms, name)
        ]
        settings = await moderator.chat_settings(PLATFORM, str(guild.id))
        lines = status_lines(settings, missing, language)
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    def setter(command: str) -> None:
        field_name, values = SETTING_COMMANDS[command]

        @group.command(name=command, description=localized("command_set", field=field_name))
        @app_commands.describe(value=localized("command_value"))
        @app_commands.choices(value=[app_commands.Choice(name=v, value=v) for v in values])
        async def change(interaction: discord.Interaction, value: str) -> None:
            guild, user = interaction.guild, interaction.user
            language = await languages.of_interaction(interaction)
            perms = getattr(user, "guild_permissions", None)
            if guild is None or perms is None or not perms.manage_messages:
                said = say("discord_manage_messages_needed", language)
                await interaction.response.send_message(said, ephemeral=True)
                return
            settings = await moderator.chat_settings(PLATFORM, str(guild.id))
            updated = with_setting(settings, command, value)
            await moderator.set_chat_settings(
                PLATFORM, str(guild.id), updated, f"{PLATFORM}:{user.id}"
            )
            said = say("setting_changed", language, field=field_name, value=value)
            await interaction.response.send_message(said, ephemeral=True)

    for command in SETTING_COMMANDS:
        setter(command)
    return group


async def report_message(
    interaction: discord.Interaction, message: discord.Message, languages: Languages
) -> None:
    """The "Report message" context menu: a case at once, its id told privately."""
    client = interaction.client
    if not isinstance(client, BlockfirstBot):
        return
    moderator = client.moderator
    await interaction.response.defer(ephemeral=True, thinking=True)
    language = await languages.of_interaction(interaction)
    perms = getattr(interaction.user, "guild_permissions", None)
    report = Report(
        reporter=f"{PLATFORM}:{interaction.user.id}",
        category="other",
        message=to_message(message),
        trusted=bool(perms and perms.manage_messages),
        platform=PLATFORM,
        language=language,
    )
    try:
        case = await moderator.on_report(report)
    except InputError as exc:
        await interaction.followup.send(refusal(exc, language)[:1900], ephemeral=True)
        return
    await interaction.followup.send(say("reported", language, case_id=case.id), ephemeral=True)


def object_command(
    moderator: Moderator, languages: Languages
) -> app_commands.Command[Any, Any, None]:
    """``/object case reasons``: the affected person contests a removal or a decision
    (in the bot's DMs, or privately in a server)."""

    @app_commands.command(name="object", description=localized("command_object"))
    @app_commands.describe(
        case=localized("command_object_case"), reasons=localized("command_object_reasons")
    )
    async def objection(interaction: discord.Interaction, case: str, reasons: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = await languages.of_interaction(interaction)
        objector = f"{PLATFORM}:{interaction.user.id}"
        try:
            appeal = await moderator.on_objection(case.strip(), objector, reasons, language)
        except InputError as exc:
            await interaction.followup.send(refusal(exc, language)[:1900], ephemeral=True)
            return
        said = say("objection_ack", language, case_id=appeal.id)
        await interaction.followup.send(said, ephemeral=True)

    return objection
