"""The Discord extension: a ``Cog`` loaded with ``setup(bot)``.

Messages in text channels, threads and forum posts are checked on arrival
(attachment URLs expire); edits arrive through ``on_raw_message_edit``, which
also sees uncached messages (link previews come as edits). Review buttons
are ``DynamicItem``s, so they keep working after a restart; only reviewers
(configured ids or roles) may press them, others get an ephemeral refusal
that is audited.
"""

import discord
from discord.ext import commands

from adapters.discord.translate import PLATFORM, to_message
from adapters.discord.views import DecisionButton
from core.engine import Moderator
from core.errors import AuthorisationError, InputError
from core.model import Decision

__all__ = ["Moderation", "setup"]


class Moderation(commands.Cog):
    def __init__(
        self, bot: commands.Bot, moderator: Moderator, reviewer_roles: frozenset[int]
    ) -> None:
        self.bot = bot
        self.moderator = moderator
        self.reviewer_roles = reviewer_roles

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DecisionButton)
        self.bot.blockfirst_decide = self.decide  # type: ignore[attr-defined]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.id == getattr(self.bot.user, "id", None) or message.guild is None:
            return
        await self.moderator.on_message(to_message(message))

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
        user = interaction.user
        roles = {role.id for role in getattr(user, "roles", [])}
        decision = Decision.CONFIRM if action == "ban" else Decision(action)
        try:
            case = await self.moderator.on_decision(
                case_id,
                decision,
                f"{PLATFORM}:{user.id}",
                ban=action == "ban",
                vouched=bool(roles & self.reviewer_roles),
            )
        except AuthorisationError:
            await interaction.followup.send("You are not an authorised reviewer.", ephemeral=True)
            return
        except InputError as exc:
            await interaction.followup.send(str(exc)[:1900], ephemeral=True)
            return
        await interaction.followup.send(f"Case {case.id}: {case.state.value}", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    moderator: Moderator = bot.blockfirst_moderator  # type: ignore[attr-defined]
    roles: frozenset[int] = getattr(bot, "blockfirst_reviewer_roles", frozenset())
    await bot.add_cog(Moderation(bot, moderator, roles))
