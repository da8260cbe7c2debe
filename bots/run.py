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
import socket
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import discord
from telegram.error import InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from adapters.api.app import ApiServices, create_api
from adapters.telegram.handlers import TelegramAdapter
from adapters.telegram.platform import TelegramPlatform
from bots.config import DISCORD_TOKEN_ENV, TOKEN_ENV, Config
from bots.discord_bot import INTENTS_HELP, build_bot
from bots.web.app import create_app
from bots.web.context import Services
from bots.web.server import listen, serve
from core.engine.moderator import Moderator
from core.errors import ConfigError, PlatformError
from core.matching.snapshot import serving_matcher
from core.ports import Store, SystemClock
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
    assert tg is not None
    builder = ApplicationBuilder().token(tg.token).rate_limiter(AIORateLimiter(max_retries=3))
    if tg.api_url:
        builder = builder.base_url(f"{tg.api_url}/bot").base_file_url(f"{tg.api_url}/file/bot")
        builder = builder.local_mode(tg.local_mode)
    return builder.build()


async def run_bots(config: Config, stop: asyncio.Event | None = None) -> None:
    """Run every configured bot around one Moderator until ``stop`` (SIGINT/SIGTERM)."""
    if not (config.telegram or config.discord or config.web.enabled or config.api.enabled):
        raise ConfigError(
            "telegram, discord, web, api: configure at least one bot, the dashboard or the API"
        )
    stop = stop or _stop_on_signals()
    sock = listen(config.web.bind) if config.web.enabled else None
    api_sock = listen(config.api.bind, "api.bind") if config.api.enabled else None
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(config.storage_url))
        matcher = await serving_matcher(store, config.engine.index_snapshot)
        moderator = Moderator(store, {}, matcher, config=config.engine)
        app = _telegram_app(config) if config.telegram else None
        if app is not None and config.telegram is not None:
            moderator.add_platform(TelegramPlatform(app.bot, config.telegram.review_chat_id))
            TelegramAdapter(
                moderator,
                max_bytes=config.engine.limits.max_bytes,
                review_chat_id=config.telegram.review_chat_id,
                warning=config.warning,
            ).register(app)
        await stack.enter_async_context(moderator)
        if app is not None:
            await _start_telegram(stack, app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
        discord_bot = build_bot(config, moderator=moderator) if config.discord else None
        discord_task = (
            asyncio.create_task(_run_discord(discord_bot, config), name="blockfirst-discord")
            if discord_bot is not None
            else None
        )
        maintenance = asyncio.create_task(moderator.maintain(every=30), name="blockfirst-maintain")
        following = asyncio.create_task(moderator.follow(every=2), name="blockfirst-banks")
        web = _web_task(config, moderator, store, sock, stop)
        api = None
        if api_sock is not None:  # the API over the same Moderator: one matcher, one outbox
            api_app = create_api(config.api, ApiServices(store, moderator, SystemClock()))
            api = asyncio.create_task(serve(api_app, api_sock, stop, "API"), name="blockfirst-api")
        log.info("blockfirst is running (%d bank entries loaded)", len(matcher))
        waits = [asyncio.create_task(stop.wait())] + ([discord_task] if discord_task else [])
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping: no new updates, finishing the ones in hand")
        stop.set()
        for served in (web, api):
            if served is not None:
                await served
        maintenance.cancel()
        following.cancel()
        if discord_bot is not None:
            await discord_bot.close()
        if app is not None and app.updater is not None:
            await app.updater.stop()
            await app.stop()
        if discord_task is not None and discord_task.done() and discord_task.exception():
            raise discord_task.exception()  # type: ignore[misc]
    log.info("stopped")


async def _start_telegram(stack: AsyncExitStack, app: Application) -> None:  # type: ignore[type-arg]
    """Initialise the bot (its first call, getMe), saying in one line what is wrong:
    python-telegram-bot's own message for a rejected token contains the token."""
    try:
        await stack.enter_async_context(app)
    except InvalidToken:
        raise ConfigError(
            f"{TOKEN_ENV}: Telegram refused the token; copy it again from @BotFather"
        ) from None
    except NetworkError:
        raise PlatformError(
            "cannot reach Telegram's Bot API: check the network, a proxy, or [telegram] api_url"
        ) from None


def _web_task(
    config: Config,
    moderator: Moderator,
    store: Store,
    sock: socket.socket | None,
    stop: asyncio.Event,
) -> "asyncio.Task[None] | None":
    """The dashboard over the bots' own Moderator: its decisions act at once."""
    if sock is None:
        return None
    services = Services(store, moderator, SystemClock(), hosts_bots=True)
    app = create_app(config.web, services)
    return asyncio.create_task(serve(app, sock, stop), name="blockfirst-web")


async def _run_discord(bot: Any, config: Config) -> None:
    assert config.discord is not None
    try:
        await bot.start(config.discord.token)
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(f"discord: {INTENTS_HELP}") from exc
    except discord.LoginFailure:
        raise ConfigError(
            f"{DISCORD_TOKEN_ENV}: Discord refused the token; reset it in the developer portal"
        ) from None
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound):
        raise PlatformError("cannot reach Discord: check the network or a proxy") from None


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
