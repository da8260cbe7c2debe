"""Platform adapters (Telegram, Discord) that turn chat events into core calls."""

__all__: list[str] = []
