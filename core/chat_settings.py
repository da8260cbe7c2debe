"""Chat settings as the engine reads them: from the store, cached for a few seconds
(a change made in another process arrives then; one made here, at once)."""

from datetime import datetime, timedelta

from core.policy import ChatSettings
from core.ports import Clock, SettingsStore

__all__ = ["ChatSettingsCache"]

_TTL = timedelta(seconds=10)


class ChatSettingsCache:
    def __init__(self, store: SettingsStore, clock: Clock, defaults: ChatSettings) -> None:
        self._store = store
        self._clock = clock
        self._defaults = defaults
        self._cached: dict[tuple[str, str], tuple[datetime, ChatSettings]] = {}

    async def get(self, platform: str, chat_id: str) -> ChatSettings:
        now = self._clock.now()
        cached = self._cached.get((platform, chat_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        settings = await self._store.chat_settings(platform, chat_id, self._defaults)
        self._cached[(platform, chat_id)] = (now + _TTL, settings)
        return settings

    async def put(self, platform: str, chat_id: str, settings: ChatSettings, by: str) -> None:
        await self._store.set_chat_settings(platform, chat_id, settings, by)
        self._cached[(platform, chat_id)] = (self._clock.now() + _TTL, settings)
