"""The slash commands' words come from the catalogue: English as Discord's default,
Korean for a Korean client."""

import discord
from discord import app_commands

from adapters.discord.language import CatalogueTranslator, localized
from core.texts import say

CONTEXT = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)


async def test_a_korean_client_reads_the_catalogues_korean() -> None:
    translator = CatalogueTranslator()
    described = localized("command_set", field="mode")
    assert described.message == say("command_set", "en", field="mode")
    korean = await translator.translate(described, discord.Locale.korean, CONTEXT)
    assert korean == say("command_set", "ko", field="mode")
    assert await translator.translate(described, discord.Locale.american_english, CONTEXT) is None
    assert await translator.translate(described, discord.Locale.japanese, CONTEXT) is None
    plain = app_commands.locale_str("not from the catalogue")
    assert await translator.translate(plain, discord.Locale.korean, CONTEXT) is None
