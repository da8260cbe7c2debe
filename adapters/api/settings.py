"""The API's settings, as the configuration gives them (``[api]``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.errors import ConfigError

__all__ = ["ApiSettings", "WebhookTarget", "secret_env"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    url: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            shown = f"{parts.scheme}://{parts.hostname or '?'}"
            raise ConfigError(f"webhook {shown}: https only (http for loopback)")
        if len(self.secret) < 32:
            raise ConfigError("a webhook secret needs at least 32 random characters")


def secret_env(client: str) -> str:
    """The environment variable holding ``client``'s webhook secret."""
    return "BLOCKFIRST_WEBHOOK_SECRET_" + "".join(c if c.isalnum() else "_" for c in client.upper())


@dataclass(frozen=True, slots=True)
class ApiSettings:
    enabled: bool = False
    bind: str = "127.0.0.1:8090"
    max_body_bytes: int = 21 * _MIB  # one 20 MiB upload and its envelope
    fetch_urls: bool = False  # hash media at a client-given url (SSRF-guarded)
    requests_per_minute: int = 600  # per token
    webhooks: Mapping[str, WebhookTarget] = field(default_factory=dict)  # by client name
