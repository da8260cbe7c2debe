"""``blockfirst run``: the configured bots around one Moderator, until SIGINT/SIGTERM.

Start-up: the store is opened (and migrated), the banks are loaded, effects a
crash left pending are performed, then Telegram is polled for every update
kind we handle, pending ones included (they still need checking). Shutdown
stops polling first, lets the updates in hand finish, and closes the store,
so nothing already received is lost.
"""

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from adapters.telegram.handlers import register
from adapters.telegram.platform import TelegramPlatform
from bots.config import Config
from core.catalog import load_matcher
from core.engine import Moderator
from core.errors import ConfigError
from core.ports import Platform
from core.store import open_store

__all__ = ["ALLOWED_UPDATES", "run_bots"]

log = logging.getLogger("blockfirst")

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "callback_query",
]


def _telegram_app(config: Config) -> Application:  # type: ignore[type-arg]
    tg = config.telegram
    if tg is None:
        raise ConfigError("telegram: no [telegram] section, so no bot to run")
    builder = ApplicationBuilder().token(tg.token).rate_limiter(AIORateLimiter(max_retries=3))
    if tg.api_url:
        builder = builder.base_url(f"{tg.api_url}/bot").base_file_url(f"{tg.api_url}/file/bot")
        builder = builder.local_mode(tg.local_mode)
    return builder.build()


async def run_bots(config: Config, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by SIGINT/SIGTERM when not given)."""
    stop = stop or _stop_on_signals()
    app = _telegram_app(config)
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(config.storage_url))
        matcher = await load_matcher(store)
        assert config.telegram is not None
        platforms: dict[str, Platform] = {
            "telegram": TelegramPlatform(app.bot, config.telegram.review_chat_id)
        }
        moderator = Moderator(store, platforms, matcher, config=config.engine)
        register(
            app,
            moderator,
            max_bytes=config.engine.limits.max_bytes,
            review_chat_id=config.telegram.review_chat_id,
            warning=config.warning,
        )
        await stack.enter_async_context(moderator)
        await stack.enter_async_context(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        maintenance = asyncio.create_task(moderator.maintain(every=30), name="blockfirst-maintain")
        log.info("blockfirst is running (%d bank entries loaded)", len(matcher))
        await stop.wait()
        log.info("stopping: no new updates, finishing the ones in hand")
        maintenance.cancel()
        await app.updater.stop()
        await app.stop()
    log.info("stopped")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
