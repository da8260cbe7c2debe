"""Reports: reports from users, trusted flaggers and authorities.

A report opens a case or joins the one about the same message; the reported
message is removed at once when the chat blocks its category first, the
reporter is trusted, or an authority asks. Its media (the message's, and any
the reporter forwarded) and links are matched against the banks and the
result goes on the case. The reporter gets the case id at once and the
outcome when it is decided. Each reporter may file a limited number of
reports an hour, and their record (how many of their reports were
overturned) is on every case they open.
"""

import logging
from datetime import timedelta

from core.audit import AuditRecord
from core.cases import Case, item_keys, target_of
from core.effects import replies, verdict_effects
from core.engine.chat_settings import ChatSettingsCache
from core.engine.media_source import MediaSource
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.errors import InputError, Said
from core.ids import new_id
from core.matching.link_rules import check_links
from core.matching.matcher import nearest_matches
from core.matching.text_rules import TextPlace, check_text, message_texts
from core.model import CaseKind, Match, MediaSignals, Report
from core.policy import decide_report
from core.ports import ImageFetcher
from core.texts import say
from core.writes import Audit, Op, OpenCase

__all__ = ["Reports"]

log = logging.getLogger(f"blockfirst.{__name__}")


class Reports:
    def __init__(
        self,
        parts: EngineParts,
        *,
        media: MediaSource,
        settings: ChatSettingsCache,
        outbox: Outbox,
        fetcher: ImageFetcher | None = None,
    ) -> None:
        self._store = parts.store
        self._clock = parts.clock
        self._commit = parts.commit
        self._matcher = parts.matcher
        self._config = parts.config
        self._media = media
        self._settings = settings
        self._outbox = outbox
        self._fetcher = fetcher  # None: reported image links are not fetched

    async def on_report(self, report: Report) -> Case:
        """Open (or join) the report's case; returns it, so the reporter can be told its id."""
        message = report.message
        platform = report.platform or (message.chat.platform if message else "")
        if not platform:
            raise InputError("a report must say which platform it came from")
        now = self._clock.now()
        await self._within_limit(report, platform)
        settings = self._config.default_settings
        if message is not None:
            settings = await self._settings.get(message.chat.platform, message.chat.settings_id)
        verdict = decide_report(report, settings, now, self._config.deadlines)
        refs = (*(message.media if message else ()), *report.media)
        hashed, cache_ops = await self._media.signals(refs, platform)
        hashed += await self._fetched(report)
        matches = self._matches(report, hashed)
        target = (
            target_of(message) if message else f"{platform}:report:{report.report_id or new_id()}"
        )
        case = Case(
            id=new_id(),
            kind=verdict.case_kind or CaseKind.REPORTER_REPLY,
            target=target,
            opened_at=now,
            deadline=verdict.deadline or now,
            category=report.category,
            message=message,
            signals=tuple(s for media in hashed for s in media.signals),
            matches=tuple(matches),
            reasons=(*verdict.reasons, *map(_reason, matches), *await self._record(report)),
            dry_run=verdict.dry_run,
        )
        ack = lambda language: say("report_ack", language, case_id=case.id)  # noqa: E731
        effects = verdict_effects(case, message, verdict, settings, now)
        effects += replies(case, [(report.reporter, report.language)], ack, now)
        # One case per item: a report of a copy of an item under review joins its case.
        keys = item_keys(case.signals) if refs else ()
        ops: list[Op] = [
            OpenCase(case, report, keys=keys, near=self._config.copy_distance),
            *self._outbox.enqueue(effects, opening=True),
            Audit(_record_of(case, report)),
        ]
        written = await self._commit.submit([*ops, *cache_ops])
        assert written.case is not None  # an OpenCase always stores (or joins) one
        await self._outbox.perform(written.queued, written.case)
        return written.case

    async def case_for_reporter(self, case_id: str, reporter: str) -> Case | None:
        """The case, if ``reporter`` reported it (a reporter sees only their own)."""
        try:
            case = await self._store.get_case(case_id)
        except InputError:
            return None
        history = await self._store.case_history(case.id)
        return case if any(r["reporter"] == reporter for r in history["reports"]) else None

    async def _within_limit(self, report: Report, platform: str) -> None:
        limit = self._config.reports_per_hour
        if not report.reporter or report.authority or limit <= 0:
            return
        since = self._clock.now() - timedelta(hours=1)
        if await self._store.count_reports(report.reporter, since) >= limit:
            record = AuditRecord(
                kind="report_refused",
                platform=platform,
                actor=report.reporter,
                reason=f"over {limit} reports in an hour",
            )
            await self._commit.submit([Audit(record)])
            raise InputError(
                f"you have sent {limit} reports in the last hour; please wait",
                said=Said("too_many_reports", {"limit": limit}),
            )

    async def _fetched(self, report: Report) -> list[MediaSignals]:
        """Reported image URLs, fetched only if the deployment turned that on."""
        if self._fetcher is None:
            return []
        found = []
        for url in report.links:
            if url.lower().startswith(("http://", "https://")):
                try:
                    found.append(await self._media.hash(await self._fetcher.fetch_image(url)))
                except InputError as exc:  # refused, unreachable, not an image, too big:
                    log.info("reported URL not hashed: %s", exc)  # the link rules still apply
                    continue
        return found

    def _matches(self, report: Report, hashed: list[MediaSignals]) -> list[Match]:
        message = report.message
        found = [m for media in hashed for m in self._matcher.match(media.queries)]
        text = "\n".join(t for t in (message.text if message else "", report.text) if t)
        links = (*(message.links if message else ()), *report.links)
        found += [m for r in check_links(self._matcher, text, links) for m in r.matches]
        texts = [*(message_texts(message) if message else []), (TextPlace.REPORT, report.text)]
        found += check_text(self._matcher, texts)
        return nearest_matches(found)

    async def _record(self, report: Report) -> list[str]:
        if not report.reporter:
            return []
        reports, overturned = await self._store.reporter_record(report.reporter)
        if not reports:
            return [f"reporter {report.reporter}: first report"]
        return [f"reporter {report.reporter}: {reports} earlier reports, {overturned} overturned"]


def _reason(match: Match) -> str:
    return f"reported content matches {match.bank}: {match.signal_type} at {match.distance}"


def _record_of(case: Case, report: Report) -> AuditRecord:
    message = report.message
    who = "authority" if report.authority else "reporter"
    return AuditRecord(
        kind="report",
        platform=case.platform,
        chat_id=message.chat.id if message else "",
        message_id=message.message_id if message else "",
        signals=tuple(f"{s.signal_type}:{s.value}" for s in case.signals),
        actor=report.reporter or "anonymous",
        reason=f"{who}, {report.category}: " + "; ".join(case.reasons),
        case_id=case.id,
    )
