"""Telegram: python-telegram-bot updates in, core calls out."""

from adapters.telegram.translate import PLATFORM, to_message

__all__ = ["PLATFORM", "to_message"]
