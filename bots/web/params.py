"""Query parameters, read defensively: a bad value is a 400 naming it, never a 500
(``²`` is a digit to ``str.isdigit`` and not to ``int``; a day at the end of
time has no next day; an entry number can overflow the database's integers)."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from core.errors import InputError

__all__ = ["parse_day", "parse_number", "parse_period"]

_MAX_DAY = datetime(9998, 12, 31, tzinfo=UTC)


def parse_day(text: str, name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` field as midnight UTC (empty: None)."""
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InputError(f"{name}: {text[:20]!r} is not a date (YYYY-MM-DD)") from exc
    return min(day, _MAX_DAY)


def parse_period(
    params: Mapping[str, str], first: str, last: str
) -> tuple[datetime | None, datetime | None]:
    """The days named ``first`` and ``last`` as ``[first, last + 1 day)``; empty ends
    are open."""
    end = parse_day(params.get(last, ""), last)
    return parse_day(params.get(first, ""), first), end + timedelta(days=1) if end else None


def parse_number(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """A whole number in ``[low, high]`` (clamped), ASCII digits only."""
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InputError(f"{name}: {text[:20]!r} is not a number")
    return max(low, min(high, int(text)))
