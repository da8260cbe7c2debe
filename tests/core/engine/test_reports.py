"""Every report path, with the fake platform and a real SQLite file."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.banks import Entry
from core.engine.config import EngineConfig
from core.errors import InputError
from core.model import CaseKind, Decision, MediaRef, Report
from core.store import SqlStore
from tests.core.engine_helpers import BANNED, REVIEWER, audit_of, photo, text_message, world
from tests.fakes import FakeClock, FakeWeb


def dms_to(platform: object, user: str) -> list[str]:
    return [c[2] for c in platform.of("send_dm") if c[1] == user]  # type: ignore[attr-defined]


async def test_the_reporter_gets_the_case_id_at_once_and_the_outcome_later(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        case = await w.moderator.on_report(
            Report("fake:r1", "deepfake", "it is me", message=photo("5", "harmless"), language="en")
        )
        assert dms_to(w.platform, "fake:r1") == [
            f"Thank you: your report is case {case.id}. We will tell you the outcome."
        ]
        await w.moderator.on_decision(case.id, Decision.CONFIRM, REVIEWER)
        assert dms_to(w.platform, "fake:r1")[-1].startswith(
            f"Case {case.id}: the material you reported was confirmed"
        )


async def test_a_link_only_report_matches_link_rules(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock, link_rules=[Entry("tg_invite", "AbC123")]) as w:
        case = await w.moderator.on_report(
            Report(
                "fake:r2",
                "illegal_filming",
                links=("https://t.me/joinchat/AbC123",),
                platform="fake",
            )
        )
        assert case.target.startswith("fake:report:")
        assert case.kind is CaseKind.REPORTER_REPLY
        assert [(m.bank, m.signal_type, m.value) for m in case.matches] == [
            ("links", "tg_invite", "AbC123")
        ]
        assert not w.platform.deleted


async def test_forwarded_media_is_hashed_and_matched_never_kept(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock) as w:
        forwarded = MediaRef("photo", "key-fwd", "banned", "image/jpeg")
        case = await w.moderator.on_report(
            Report("fake:r3", "csam", media=(forwarded,), platform="fake")
        )
        assert {m.bank for m in case.matches} == {"ncii"}
        assert any("reported content matches ncii" in r for r in case.reasons)
        assert case.signals
        assert w.platform.deleted == set()  # nothing in a moderated chat to remove


async def test_reports_are_limited_per_reporter_but_not_for_authorities(
    store: SqlStore, clock: FakeClock
) -> None:
    config = EngineConfig(reports_per_hour=3)
    async with world(store, clock, config=config) as w:
        for i in range(3):
            await w.moderator.on_report(
                Report("fake:r4", "other", message=photo(str(i), "harmless"))
            )
        with pytest.raises(InputError, match="3 reports in the last hour"):
            await w.moderator.on_report(Report("fake:r4", "other", message=photo("9", "harmless")))
        refused = [e for e in await audit_of(store) if e.record.kind == "report_refused"]
        assert [e.record.actor for e in refused] == ["fake:r4"]
        for i in range(4):
            await w.moderator.on_report(
                Report("kcsc", "other", message=photo(f"a{i}", "harmless"), authority=True)
            )
        clock.advance(minutes=61)
        await w.moderator.on_report(Report("fake:r4", "other", message=photo("10", "harmless")))


async def test_a_reporters_record_is_on_their_next_case(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        first = await w.moderator.on_report(
            Report("fake:r5", "other", message=photo("1", "harmless"))
        )
        assert "reporter fake:r5: first report" in first.reasons
        await w.moderator.on_decision(first.id, Decision.OVERTURN, REVIEWER)
        second = await w.moderator.on_report(
            Report("fake:r5", "other", message=photo("2", "harmless"))
        )
        assert "reporter fake:r5: 1 earlier reports, 1 overturned" in second.reasons


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"category": "spam"}, "unknown category"), ({"category": "other"}, "which platform")],
)
async def test_bad_reports_are_refused(
    store: SqlStore, clock: FakeClock, kwargs: dict[str, str], message: str
) -> None:
    async with world(store, clock) as w:
        with pytest.raises(InputError, match=message):
            await w.moderator.on_report(Report("fake:r6", **kwargs))  # type: ignore[arg-type]


@pytest.fixture
async def image_server() -> AsyncIterator[str]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BANNED)
            + BANNED
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/leak.jpg"
    server.close()


@pytest.mark.parametrize("enabled", [True, False])
async def test_reported_image_links_are_fetched_only_when_switched_on(
    store: SqlStore, clock: FakeClock, enabled: bool
) -> None:
    web = FakeWeb({"leaks.example": ["93.184.216.34"]})
    web.routes["/leak.jpg"] = (200, {}, BANNED)
    config = EngineConfig(fetch_reported_urls=enabled)
    async with world(store, clock, config=config, fetcher=web.fetcher()) as w:
        case = await w.moderator.on_report(
            Report("fake:r7", "csam", links=("https://leaks.example/leak.jpg",), platform="fake")
        )
        assert bool(case.matches) is enabled
        assert len(web.requests) == int(enabled)


async def test_the_default_guard_refuses_a_loopback_image_link(
    store: SqlStore, clock: FakeClock, image_server: str
) -> None:
    async with world(store, clock, config=EngineConfig(fetch_reported_urls=True)) as w:
        case = await w.moderator.on_report(
            Report("fake:r8", "csam", links=(image_server,), platform="fake")
        )
        assert case.matches == ()


async def test_a_reported_text_matches_text_rules_and_says_where(
    store: SqlStore, clock: FakeClock
) -> None:
    async with world(store, clock, link_rules=[Entry("text", "몰카팝니다")]) as w:
        dm = await w.moderator.on_report(
            Report("fake:r9", "illegal_filming", "몰.카.팝.니.다 010-0000", platform="fake")
        )
        assert [(m.signal_type, m.place, m.span) for m in dm.matches] == [
            ("text", "report", "몰.카.팝.니.다")
        ]
        reported = text_message("77", "ㅁㅗㄹ카 팝니다")
        case = await w.moderator.on_report(Report("fake:r8", "other", message=reported))
        assert [(m.place, m.span) for m in case.matches] == [("text", "ㅁㅗㄹ카 팝니다")]
