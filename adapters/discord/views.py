"""Review-card buttons that survive a restart: a ``DynamicItem`` whose custom id
carries the decision and the case id, registered again when the bot starts."""

import re
from typing import Any

import discord

from adapters.discord.bot import BlockfirstBot
from core.ids import id_pattern
from core.model import ReviewCard
from core.texts import BUTTONS, button_label

__all__ = ["DecisionButton", "card_view"]

_TEMPLATE = rf"bf:(?P<decision>{'|'.join(BUTTONS)}):(?P<case>{id_pattern()})"
_STYLES = {
    "confirm": discord.ButtonStyle.danger,
    "overturn": discord.ButtonStyle.success,
    "escalate": discord.ButtonStyle.secondary,
    "ban": discord.ButtonStyle.danger,
    "fine": discord.ButtonStyle.success,
}


class DecisionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    def __init__(self, decision: str, case_id: str, language: str = "en") -> None:
        self.decision = decision
        self.case_id = case_id
        super().__init__(
            discord.ui.Button(
                label=button_label(decision, language),
                style=_STYLES[decision],
                custom_id=f"bf:{decision}:{case_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> "DecisionButton":
        return cls(match["decision"], match["case"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if isinstance(client, BlockfirstBot) and client.decide is not None:
            await client.decide(interaction, self.decision, self.case_id)


def card_view(card: ReviewCard) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for decision in card.buttons:
        view.add_item(DecisionButton(decision, card.case_id, card.language))
    return view
