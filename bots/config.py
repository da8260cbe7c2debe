"""The deployment's configuration: a TOML file, secrets from the environment only.

Every problem is one ``ConfigError`` naming the key (``telegram.review_chat_id:
...``); unknown keys are errors too, so a typo does not silently fall back to a
default. Tokens are never part of a message or a repr.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.api.settings import ApiSettings, WebhookTarget, secret_env
from bots.web.settings import WebSettings, parse_bind
from core.api_tokens import valid_token_name
from core.engine.config import EngineConfig
from core.errors import ConfigError, InputError
from core.media.decode import MediaLimits
from core.model import CaseKind
from core.policy import ChatSettings, Deadlines, Mode, Sanction
from core.store import DEFAULT_URL, driver_url
from core.texts import WARNING

__all__ = ["Config", "DiscordConfig", "TelegramConfig", "load_config"]

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DISCORD_TOKEN_ENV = "DISCORD_BOT_TOKEN"
WEB_SECRET_ENV = "BLOCKFIRST_WEB_SECRET"
_MIB = 1024 * 1024
_LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = field(repr=False)
    review_chat_id: int
    reviewers: frozenset[int] = frozenset()
    api_url: str | None = None  # a self-hosted Bot API server's root
    local_mode: bool = False


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str = field(repr=False)
    review_channel_id: int
    reviewers: frozenset[int] = frozenset()
    reviewer_role_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Config:
    storage_url: str = DEFAULT_URL
    engine: EngineConfig = field(default_factory=EngineConfig)
    telegram: TelegramConfig | None = None
    discord: DiscordConfig | None = None
    web: WebSettings = field(default_factory=WebSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    warning: dict[str, str] = field(
        default_factory=lambda: dict(WARNING)
    )  # legal notice, by language


_SECTIONS = {
    "storage": {"url", "index_snapshot"},
    "telegram": {"review_chat_id", "reviewers", "api_url", "local_mode"},
    "policy": {
        "mode",
        "language",
        "timezone",
        "notice",
        "sanction",
        "block_first",
        "trusted_reporters",
    },
    "limits": {
        "max_bytes",
        "max_pixels",
        "max_seconds",
        "max_video_frames",
        "max_hash_seconds",
        "max_decode_mib",
        "max_digest_bytes",
    },
    "deadlines": {
        "match_review_hours",
        "deletion_request_hours",
        "reporter_reply_days",
        "appeal_hours",
        "temporary_measure_days",
    },
    "reports": {"per_hour", "fetch_urls"},
    "banks": {"dispute_after"},
    "recent": {"days", "max_items"},
    "cases": {"copy_distance"},
    "notices": {"warning_ko", "warning_en"},
    "discord": {"review_channel_id", "reviewers", "reviewer_role_ids"},
    "web": {"enabled", "bind", "session_hours", "max_upload_mb", "hosts"},
    "api": {"enabled", "bind", "max_body_mb", "fetch_urls", "requests_per_minute", "webhooks"},
}


def load_config(
    path: Path | None,
    env: Mapping[str, str],
    *,
    tokens: bool = True,
    storage_url: str | None = None,
) -> Config:
    """The configuration in ``path`` (None: all defaults) with secrets from ``env``;
    without ``tokens``, bot tokens are not required (the dashboard alone runs no bot).
    ``storage_url`` (``--db`` or BLOCKFIRST_DB) outranks the file's ``[storage] url``."""
    data = _read(path) if path is not None else {}
    _no_unknown_keys(data)
    try:
        default_settings = _policy(data.get("policy", {}))
        engine = EngineConfig(
            limits=MediaLimits(**_typed(data.get("limits", {}), "limits", int)),
            deadlines=_deadlines(data.get("deadlines", {})),
            default_settings=default_settings,
            language=default_settings.language,
            timezone=_timezone(data),
            reports_per_hour=_positive(data, "reports.per_hour", 10, 100_000),
            fetch_reported_urls=_get(data, "reports.fetch_urls", bool, False),
            dispute_after=_positive(data, "banks.dispute_after", 3, 1000),
            recent_days=_bounded(data, "recent.days", 7, 0, 90),
            copy_distance=_bounded(data, "cases.copy_distance", 31, -1, 64),
            recent_max_items=_positive(data, "recent.max_items", 2_000_000, 100_000_000),
        )
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    telegram = _telegram(data["telegram"], env, tokens) if "telegram" in data else None
    discord = _discord(data["discord"], env, tokens) if "discord" in data else None
    reviewers = frozenset(f"telegram:{r}" for r in (telegram.reviewers if telegram else ())) | {
        f"discord:{r}" for r in (discord.reviewers if discord else ())
    }
    storage_url = storage_url or _get(data, "storage.url", str, DEFAULT_URL)
    try:
        driver_url(storage_url)  # a scheme we cannot open fails here, not at start-up
    except ConfigError as exc:
        raise ConfigError(f"storage.url: {exc}") from None
    # On PostgreSQL several processes may serve one platform: effects are claimed.
    lease = _LEASE if storage_url.startswith("postgres") else timedelta(0)
    snapshot = _get(data, "storage.index_snapshot", str, _default_snapshot(storage_url))
    return Config(
        storage_url=storage_url,
        engine=replace(
            engine, reviewers=reviewers, outbox_lease=lease, index_snapshot=snapshot.strip()
        ),
        telegram=telegram,
        discord=discord,
        web=replace(_web(data, env), language=engine.language, timezone=engine.timezone),
        api=_api(data, env),
        warning={
            "ko": _get(data, "notices.warning_ko", str, WARNING["ko"]),
            "en": _get(data, "notices.warning_en", str, WARNING["en"]),
        },
    )


def _default_snapshot(storage_url: str) -> str:
    """Beside a SQLite file (``blockfirst.db.index``); none for PostgreSQL (where to
    keep it on each host is the operator's choice) or a database in memory."""
    prefix = "sqlite:///"
    if not storage_url.startswith(prefix):
        return ""
    path = storage_url[len(prefix) :].split("?", maxsplit=1)[0]
    return f"{path}.index" if path and path != ":memory:" else ""


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _no_unknown_keys(data: Mapping[str, Any]) -> None:
    for section, values in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{section}: unknown section (known: {', '.join(_SECTIONS)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{section}: expected a [{section}] table")
        for key in values:
            if key not in _SECTIONS[section]:
                known = ", ".join(sorted(_SECTIONS[section]))
                raise ConfigError(f"{section}.{key}: unknown key (known: {known})")


def _get(data: Mapping[str, Any], dotted: str, kind: type, default: Any) -> Any:
    section, key = dotted.split(".")
    value = data.get(section, {}).get(key, default)
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ConfigError(f"{dotted}: expected {kind.__name__}, got {value!r}")
    return value


def _positive(data: Mapping[str, Any], dotted: str, default: int, high: int) -> int:
    return _bounded(data, dotted, default, 1, high)


def _bounded(data: Mapping[str, Any], dotted: str, default: int, low: int, high: int) -> int:
    value: int = _get(data, dotted, int, default)
    if not low <= value <= high:
        raise ConfigError(f"{dotted}: between {low} and {high}, got {value}")
    return value


def _typed(values: Mapping[str, Any], section: str, kind: type) -> dict[str, Any]:
    return {key: _get({section: values}, f"{section}.{key}", kind, None) for key in values}


_DEADLINE_KEYS = {
    "match_review_hours": (CaseKind.MATCH_REVIEW, "hours"),
    "deletion_request_hours": (CaseKind.DELETION_REQUEST, "hours"),
    "reporter_reply_days": (CaseKind.REPORTER_REPLY, "days"),
    "appeal_hours": (CaseKind.APPEAL, "hours"),
}


def _deadlines(values: Mapping[str, Any]) -> Deadlines:
    by_kind = dict(Deadlines().by_kind)
    measure = Deadlines().temporary_measure
    for key, value in _typed(values, "deadlines", int).items():
        if value <= 0:
            raise ConfigError(f"deadlines.{key}: must be positive")
        if key == "temporary_measure_days":
            if value > 30:
                raise ConfigError(f"deadlines.{key}: at most 30 (the law's limit), not {value}")
            measure = timedelta(days=value)
            continue
        kind, unit = _DEADLINE_KEYS[key]
        by_kind[kind] = timedelta(**{unit: value})
    return Deadlines(by_kind, measure)


def _timezone(data: Mapping[str, Any]) -> str:
    name: str = _get(data, "policy.timezone", str, "Asia/Seoul")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"policy.timezone: unknown time zone {name[:60]!r} (an IANA name: Asia/Seoul, UTC)"
        ) from None
    return name


def _policy(values: Mapping[str, Any]) -> ChatSettings:
    data = {"policy": values}
    try:
        return ChatSettings(
            mode=Mode(_get(data, "policy.mode", str, "enforce")),
            language=_get(data, "policy.language", str, "ko"),
            notice=_get(data, "policy.notice", bool, True),
            sanction=Sanction(_get(data, "policy.sanction", str, "none")),
            block_first=frozenset(_get(data, "policy.block_first", list, [])),
            trusted_reporters=frozenset(
                f"telegram:{r}" for r in _get(data, "policy.trusted_reporters", list, [])
            ),
        )
    except ValueError as exc:
        raise ConfigError(f"policy: {exc}") from exc


def _telegram(values: Mapping[str, Any], env: Mapping[str, str], tokens: bool) -> TelegramConfig:
    token = env.get(TOKEN_ENV, "").strip()
    if not token and tokens:
        raise ConfigError(f"{TOKEN_ENV}: not set (the bot token comes from the environment only)")
    data = {"telegram": values}
    if "review_chat_id" not in values:
        raise ConfigError("telegram.review_chat_id: required (the reviewers' chat)")
    reviewers = _get(data, "telegram.reviewers", list, [])
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in reviewers):
        raise ConfigError("telegram.reviewers: expected a list of numeric user ids")
    api_url = _get(data, "telegram.api_url", str, "") or None
    if api_url is not None and not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"telegram.api_url: expected an http(s) URL, got {api_url!r}")
    return TelegramConfig(
        token=token,
        review_chat_id=_get(data, "telegram.review_chat_id", int, 0),
        reviewers=frozenset(reviewers),
        api_url=api_url.rstrip("/") if api_url else None,
        local_mode=_get(data, "telegram.local_mode", bool, False),
    )


def _ids(data: Mapping[str, Any], dotted: str) -> frozenset[int]:
    values = _get(data, dotted, list, [])
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ConfigError(f"{dotted}: expected a list of numeric ids")
    return frozenset(values)


def _discord(values: Mapping[str, Any], env: Mapping[str, str], tokens: bool) -> DiscordConfig:
    token = env.get(DISCORD_TOKEN_ENV, "").strip()
    if not token and tokens:
        raise ConfigError(
            f"{DISCORD_TOKEN_ENV}: not set (the bot token comes from the environment only)"
        )
    if "review_channel_id" not in values:
        raise ConfigError("discord.review_channel_id: required (the reviewers' channel)")
    data = {"discord": values}
    return DiscordConfig(
        token=token,
        review_channel_id=_get(data, "discord.review_channel_id", int, 0),
        reviewers=_ids(data, "discord.reviewers"),
        reviewer_role_ids=_ids(data, "discord.reviewer_role_ids"),
    )


def _web(data: Mapping[str, Any], env: Mapping[str, str]) -> WebSettings:
    hours = _get(data, "web.session_hours", int, 12)
    upload = _get(data, "web.max_upload_mb", int, 256)
    if not 1 <= hours <= 24 * 30:
        raise ConfigError("web.session_hours: between 1 and 720")
    if not 1 <= upload <= 64 * 1024:
        raise ConfigError("web.max_upload_mb: between 1 and 65536")
    secret = env.get(WEB_SECRET_ENV, "")
    if secret and len(secret) < 32:
        raise ConfigError(f"{WEB_SECRET_ENV}: use at least 32 random characters")
    bind = _get(data, "web.bind", str, "127.0.0.1:8080")
    parse_bind(bind)
    hosts = _get(data, "web.hosts", list, [])
    if not all(isinstance(h, str) and h and " " not in h for h in hosts):
        raise ConfigError("web.hosts: expected a list of host names (e.g. ['dash.example.org'])")
    return WebSettings(
        enabled=_get(data, "web.enabled", bool, True),
        bind=bind,
        secret=secret,
        session_hours=hours,
        max_upload_bytes=upload * _MIB,
        hosts=tuple(h.lower() for h in hosts),
    )


def _api(data: Mapping[str, Any], env: Mapping[str, str]) -> ApiSettings:
    body = _get(data, "api.max_body_mb", int, 21)
    if not 1 <= body <= 1024:
        raise ConfigError("api.max_body_mb: between 1 and 1024")
    bind = _get(data, "api.bind", str, "127.0.0.1:8090")
    parse_bind(bind, "api.bind")
    return ApiSettings(
        enabled=_get(data, "api.enabled", bool, False),
        bind=bind,
        max_body_bytes=body * _MIB,
        fetch_urls=_get(data, "api.fetch_urls", bool, False),
        requests_per_minute=_positive(data, "api.requests_per_minute", 600, 1_000_000),
        webhooks=_webhooks(_get(data, "api.webhooks", dict, {}), env),
    )


def _webhooks(table: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, WebhookTarget]:
    """``[api.webhooks] client = "https://..."``, each secret from the environment."""
    found = {}
    for client, url in table.items():
        key = f"api.webhooks.{client}"
        try:
            valid_token_name(client)
        except InputError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        if not isinstance(url, str):
            raise ConfigError(f"{key}: expected the webhook's URL")
        secret = env.get(secret_env(client), "")
        if not secret:
            raise ConfigError(f"{secret_env(client)}: not set (the webhook secret of {client})")
        try:
            found[client] = WebhookTarget(url, secret)
        except ConfigError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    return found
