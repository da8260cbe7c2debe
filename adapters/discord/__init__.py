"""Discord: discord.py messages and interactions in, core calls out."""

from adapters.discord.translate import PLATFORM, to_message

__all__ = ["PLATFORM", "to_message"]
