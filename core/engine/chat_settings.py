"""Chat settings as the engine reads them: from the store, cached for a few seconds
(a change made in another process arrives then; one made here, at once)."""

from cachetools import TTLCache

from core.policy import ChatSettings
from core.ports import Clock, SettingsStore

__all__ = ["ChatSettingsCache"]

_TTL_SECONDS = 10.0
_CHATS_KEPT = 10_000


class ChatSettingsCache:
    def __init__(self, store: SettingsStore, clock: Clock, defaults: ChatSettings) -> None:
        self._store = store
        self._defaults = defaults
        self._cached: TTLCache[tuple[str, str], ChatSettings] = TTLCache(
            _CHATS_KEPT, _TTL_SECONDS, timer=lambda: clock.now().timestamp()
        )

    async def get(self, platform: str, chat_id: str) -> ChatSettings:
        cached = self._cached.get((platform, chat_id))
        if cached is not None:
            return cached
        settings = await self._store.chat_settings(platform, chat_id, self._defaults)
        self._cached[(platform, chat_id)] = settings
        return settings

    async def put(self, platform: str, chat_id: str, settings: ChatSettings, by: str) -> None:
        await self._store.set_chat_settings(platform, chat_id, settings, by)
        self._cached[(platform, chat_id)] = settings
