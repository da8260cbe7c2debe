"""Flood quarantine: one bank entry matching too often is held for review.

A followed list carries mistakes; one bad entry that matches a popular meme
would delete it in every chat until someone noticed. So each entry's acting
matches are counted over its bank's window (``Bank.flood``): past the limit
(matches, or distinct chats) the entry is quarantined — that match and every
later one opens a review case instead of deleting — reviewers get one alert,
and the quarantine is stored and audited, so every process follows it. A
reviewer then trusts the entry (it acts again, quarantined again only at ten
times the rate) or disputes it (disabled, a tombstone re-imports skip).

The window is counted in this process (no await between the check and the
count, so concurrent messages cannot slip past it): several bot processes
delete at most the limit each before one of them quarantines the entry.
"""

from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.matching.matcher import Matcher
from core.model import Band, BankAction, Match

__all__ = ["FloodGuard", "Held"]

_TRUSTED_FACTOR = 10
_MAX_ENTRIES = 100_000  # entries with a live window remembered at once


@dataclass(frozen=True, slots=True)
class Held:
    """A match that crossed its bank's flood limit just now."""

    match: Match
    reason: str


class FloodGuard:
    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._windows: dict[int, deque[tuple[datetime, str]]] = {}

    def screen(
        self, matches: list[Match], chat: str, now: datetime
    ) -> tuple[list[Match], list[Held]]:
        """``matches`` with quarantined entries' held for review, and the entries
        this message's matches quarantined."""
        screened: list[Match] = []
        held: list[Held] = []
        for match in matches:
            if match.band is not Band.ACT or match.action is BankAction.REVIEW:
                screened.append(match)
                continue
            if match.entry_id in self._matcher.quarantined:
                screened.append(_review(match, "its entry is quarantined: matched too often"))
                continue
            reason = self._count(match, chat, now)
            if reason is None:
                screened.append(match)
                continue
            self._matcher.quarantined.add(match.entry_id)
            held.append(Held(match, reason))
            screened.append(_review(match, f"its entry was quarantined: {reason}"))
        return screened, held

    def _count(self, match: Match, chat: str, now: datetime) -> str | None:
        """Count one acting match; why its entry must be quarantined, if it must."""
        bank = self._matcher.bank(match.bank)
        flood = bank.flood if bank is not None else None
        if flood is None:
            return None
        if match.entry_id in self._matcher.trusted:
            flood = flood.raised(_TRUSTED_FACTOR)
        window = self._windows.pop(match.entry_id, None) or deque()
        self._windows[match.entry_id] = window  # most recently used last
        cutoff = now - timedelta(minutes=flood.minutes)
        while window and window[0][0] <= cutoff:
            window.popleft()
        window.append((now, chat))
        if len(self._windows) > _MAX_ENTRIES:
            del self._windows[next(iter(self._windows))]
        chats = len({where for _, where in window})
        if len(window) > flood.hits:
            return f"{len(window)} matches within {flood.minutes} min (limit {flood.hits})"
        if chats > flood.chats:
            return f"matches in {chats} chats within {flood.minutes} min (limit {flood.chats})"
        return None


def _review(match: Match, why: str) -> Match:
    note = f"{match.note}; {why}" if match.note else why
    return replace(match, band=Band.REVIEW, action=BankAction.REVIEW, note=note)
