"""``build_bot(config)``: the Discord bot, fully wired and not started.

The store, the banks and the Moderator are opened in ``setup_hook`` (which
also loads the ``adapters.discord.cog`` extension and its persistent review
buttons) and closed with the bot. Intents: guilds, guild messages, members,
DMs and the privileged message content.
"""

from concurrent.futures import Executor
from contextlib import AsyncExitStack

from adapters.discord.bot import BlockfirstBot
from adapters.discord.platform import DiscordPlatform
from bots.config import Config
from core.engine.moderator import Moderator
from core.errors import ConfigError
from core.matching.snapshot import serving_matcher
from core.model import Chat
from core.store import open_store

__all__ = ["INTENTS_HELP", "build_bot"]

INTENTS_HELP = (
    "the Message Content intent is not enabled: in the Discord developer portal, open your "
    "application, Bot, Privileged Gateway Intents, and turn on Message Content Intent"
)


class _Bot(BlockfirstBot):
    def __init__(
        self, config: Config, executor: Executor | None, moderator: Moderator | None
    ) -> None:
        super().__init__()
        self.blockfirst_config = config
        self._executor = executor
        self._shared = moderator
        self._resources = AsyncExitStack()

    async def _chat_language(self, chat: Chat) -> str:
        """A Discord chat's language: its server's setting."""
        settings = await self.moderator.chat_settings("discord", chat.settings_id)
        return settings.language

    async def setup_hook(self) -> None:
        if "adapters.discord.cog" in self.extensions:
            return  # reconnected: everything is already wired
        config = self.blockfirst_config
        assert config.discord is not None
        platform = DiscordPlatform(
            self, config.discord.review_channel_id, language=self._chat_language
        )
        if self._shared is not None:  # one Moderator for every bot of the process
            self._shared.add_platform(platform)
            self.moderator = self._shared
        else:
            store = await self._resources.enter_async_context(open_store(config.storage_url))
            moderator = Moderator(
                store,
                {"discord": platform},
                await serving_matcher(store, config.engine.index_snapshot),
                config=config.engine,
                executor=self._executor,
            )
            self.moderator = await self._resources.enter_async_context(moderator)
        self.reviewer_roles = config.discord.reviewer_role_ids
        self.warning = config.warning
        await self.load_extension("adapters.discord.cog")
        await self.tree.sync()  # slash commands and the context menu

    async def close(self) -> None:
        await super().close()
        await self._resources.aclose()


def build_bot(
    config: Config, *, executor: Executor | None = None, moderator: Moderator | None = None
) -> BlockfirstBot:
    """The bot for ``config`` (with a [discord] section); start it with ``bot.start(token)``."""
    if config.discord is None:
        raise ConfigError("discord: no [discord] section, so no bot to build")
    return _Bot(config, executor, moderator)
