"""Logging for the long-running commands (``run``, ``web``): one root logger,
``blockfirst``, for every module (core included); a level and a format chosen by
``--log-level``/``BLOCKFIRST_LOG_LEVEL`` and ``--log-format``/``BLOCKFIRST_LOG_FORMAT``
(``text``, or ``json``: one object a line, for a log collector); secrets redacted."""

import json
import logging
import sys
from datetime import UTC, datetime

from bots.secrets import RedactingFilter

__all__ = ["LEVELS", "setup_logging"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_NOISY = ("httpx", "telegram.ext", "apscheduler", "discord", "uvicorn.access")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Log to stderr at ``level`` (``blockfirst.*``; libraries' chatter at WARNING)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("blockfirst").setLevel(level)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
