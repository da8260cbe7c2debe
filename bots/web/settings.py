"""The dashboard's settings, as the configuration gives them (light: the CLI reads
them without loading the web stack)."""

from dataclasses import dataclass, field

from core.errors import ConfigError

__all__ = ["WebSettings", "parse_bind"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    enabled: bool = True
    bind: str = "127.0.0.1:8080"
    secret: str = field(default="", repr=False)  # signs session cookies; env BLOCKFIRST_WEB_SECRET
    session_hours: int = 12
    max_upload_bytes: int = 256 * 1024 * 1024  # a hash-list upload
    page_size: int = 50
    # Host names the dashboard answers to (a DNS-rebinding page cannot reach it):
    # loopback ones and the bind's host always; a proxy's public name when set.
    hosts: tuple[str, ...] = ()
    # What a page is shown in when its reader chose nothing (and their browser asks
    # for neither language): the deployment's ``policy.language`` and ``policy.timezone``.
    language: str = "ko"
    timezone: str = "Asia/Seoul"

    def allowed_hosts(self) -> list[str]:
        bind_host = self.bind.rpartition(":")[0].strip("[]")
        local = ["127.0.0.1", "localhost", "::1", "[::1]"]
        named = [bind_host, f"[{bind_host}]"] if bind_host not in ("0.0.0.0", "::") else []
        return sorted({*local, *named, *self.hosts})


def parse_bind(bind: str, key: str = "web.bind") -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ConfigError(f"{key}: {bind!r} is not HOST:PORT (e.g. 127.0.0.1:8080)")
    return host.strip("[]"), int(port)
