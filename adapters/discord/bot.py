"""The discord.py bot the adapter runs in: a ``commands.Bot`` that carries what the
extension needs (the Moderator, the reviewer roles, the legal warning), typed, so
the Cog, the review buttons and the context menu reach them without attributes
patched onto a plain bot. ``bots/discord_bot.py`` builds and wires it."""

from collections.abc import Awaitable, Callable, Mapping

import discord
from discord.ext import commands

from core.engine.moderator import Moderator
from core.texts import WARNING

__all__ = ["BlockfirstBot", "Decide", "intents"]

# (interaction, button, case id): what a review button press does.
Decide = Callable[[discord.Interaction, str, str], Awaitable[None]]


def intents() -> discord.Intents:
    """Guilds, guild messages, members, DMs and the privileged message content."""
    wanted = discord.Intents.default()
    wanted.guilds = wanted.guild_messages = wanted.members = wanted.dm_messages = True
    wanted.message_content = True
    return wanted


class BlockfirstBot(commands.Bot):
    moderator: Moderator  # set before the extension loads (``setup_hook``)

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=intents())
        self.reviewer_roles: frozenset[int] = frozenset()
        self.warning: Mapping[str, str] = WARNING
        self.decide: Decide | None = None  # the loaded Cog's, for the persistent buttons
