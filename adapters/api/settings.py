"""The API's settings, as the configuration gives them (``[api]``)."""

from dataclasses import dataclass

__all__ = ["ApiSettings"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiSettings:
    enabled: bool = False
    bind: str = "127.0.0.1:8090"
    max_body_bytes: int = 21 * _MIB  # one 20 MiB upload and its envelope
    fetch_urls: bool = False  # hash media at a client-given url (SSRF-guarded)
    requests_per_minute: int = 600  # per token
