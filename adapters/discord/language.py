"""Which language to answer a Discord user in, and the slash commands' own words.

An interaction says the user's client language (``interaction.locale``); a
plain message (a DM report) says nothing, so the last language a user's
interactions said is remembered (bounded), then the text's own script decides
(Hangul: Korean), then the server's setting or the default.
"""

import re
from typing import TYPE_CHECKING, Any

import discord
from cachetools import LRUCache
from discord import app_commands

from adapters.discord.translate import PLATFORM
from core.texts import person_language, say

if TYPE_CHECKING:
    from core.engine.moderator import Moderator

__all__ = ["CatalogueTranslator", "Languages", "localized"]

_REMEMBERED = 10_000
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")
_LINK = re.compile(r"\S*(://|www\.)\S*")  # a link's letters say nothing of its sender


def localized(key: str, **fields: Any) -> app_commands.locale_str:
    """A command's name or description from the catalogue: English as Discord's default,
    Korean through ``CatalogueTranslator``."""
    return app_commands.locale_str(say(key, "en", **fields), key=key, fields=fields)


class CatalogueTranslator(app_commands.Translator):
    """Gives Discord the catalogue's Korean for every ``localized`` string."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = person_language(locale.value, "")
        if key is None or language in ("", "en"):
            return None
        return say(key, language, **string.extras.get("fields", {}))


class Languages:
    """The language each Discord user is answered in."""

    def __init__(self, moderator: "Moderator") -> None:
        self._moderator = moderator
        self._seen: LRUCache[int, str] = LRUCache(_REMEMBERED)

    async def of_interaction(self, interaction: discord.Interaction) -> str:
        fallback = await self.of_server(interaction.guild_id)
        language = person_language(interaction.locale.value, fallback)
        if person_language(interaction.locale.value, ""):
            self._seen[interaction.user.id] = language
        return language

    async def of_message(self, message: discord.Message) -> str:
        """A plain message's author: what their interactions said, else the text's
        script, else their server's setting (a DM's is the default)."""
        remembered = self._seen.get(message.author.id)
        if remembered is not None:
            return remembered
        words = _LINK.sub("", message.content)
        if _HANGUL.search(words):
            return "ko"
        if _LATIN.search(words):
            return "en"
        return await self.of_server(message.guild.id if message.guild else None)

    async def of_server(self, guild_id: int | None) -> str:
        """A server's language setting (a DM's: the default)."""
        settings = await self._moderator.chat_settings(PLATFORM, str(guild_id or "dm"))
        return settings.language
