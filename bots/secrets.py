"""Secrets come from the environment and never reach a log line or an error
message: a library's exception text can carry one (python-telegram-bot names
a rejected token, a URL can hold the token or a database password), so text
that leaves the process is passed through ``redact`` first."""

import logging
import os
import re

__all__ = ["SECRET_ENVS", "RedactingFilter", "redact"]

SECRET_ENVS = ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "BLOCKFIRST_WEB_SECRET", "PGPASSWORD")
# A Telegram token's shape, wherever it appears (a bot's URL path included).
_TELEGRAM_TOKEN = re.compile(r"\b\d{3,20}:[A-Za-z0-9_-]{20,}")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")


def redact(text: str) -> str:
    """``text`` with every secret of this process's environment replaced by ``***``."""
    for name in SECRET_ENVS:
        value = os.environ.get(name, "").strip()
        if len(value) >= 4:
            text = text.replace(value, "***")
    text = _TELEGRAM_TOKEN.sub("***", text)
    return _URL_PASSWORD.sub(r"\1***@", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
