"""Discord start-up failures become one clear configuration error."""

import discord
import pytest

from bots.config import Config, DiscordConfig
from bots.discord_bot import INTENTS_HELP
from bots.run import _run_discord
from core.errors import ConfigError, PlatformError

CONFIG = Config(discord=DiscordConfig("token", 1))


class RefusingBot:
    """A bot whose login Discord refuses the way discord.py reports it."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def start(self, token: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (discord.PrivilegedIntentsRequired(None), "Message Content Intent"),
        (
            discord.LoginFailure("Improper token has been passed."),
            "DISCORD_BOT_TOKEN: Discord refused the token",
        ),
    ],
)
async def test_start_failures_say_what_to_fix(error: Exception, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        await _run_discord(RefusingBot(error), CONFIG)
    assert "Message Content Intent" in INTENTS_HELP


async def test_no_network_is_one_clear_error_without_the_library_text() -> None:
    """Issue 13, item 12: aiohttp's text is not shown (a URL can carry a secret)."""
    refused = OSError(111, "Connect call failed ('162.159.135.232', 443) token=abc")
    with pytest.raises(PlatformError, match="cannot reach Discord") as caught:
        await _run_discord(RefusingBot(refused), CONFIG)
    assert "token" not in str(caught.value)
    assert caught.value.__cause__ is None
