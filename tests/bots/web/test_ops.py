"""/healthz, /readyz and /metrics over a Moderator that has done real work."""

import httpx

from bots.web.app import create_app
from bots.web.context import Services
from bots.web.settings import WebSettings
from core.store import SqlStore
from tests.core.engine_helpers import photo, text_message, world
from tests.fakes import FakeClock


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


async def test_probes_and_metrics(store: SqlStore, clock: FakeClock) -> None:
    async with world(store, clock) as w:
        await w.moderator.on_message(photo("1"))
        await w.moderator.on_message(photo("2", "harmless"))
        await w.moderator.on_message(text_message("3"))
        clock.advance(hours=30)  # the case is overdue now
        services = Services(store, w.moderator, clock, hosts_bots=True)
        app = create_app(WebSettings(secret="s" * 32), services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = (await client.get("/readyz")).json()
            assert ready["status"] == "ready"
            assert ready["queue"] == 1
            assert ready["indexes"] == f"{w.moderator.indexed} entries"
            response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert _metric(text, "blockfirst_messages_total") == 3
    assert _metric(text, "blockfirst_matches_total") == 1
    assert _metric(text, "blockfirst_deletions_total") == 1
    assert 'blockfirst_effects_total{kind="delete",result="done"} 1.0' in text
    # One photo matched several of the bank's entries (its PDQ, pHash, digests...):
    # counted per bank, never with a label per entry.
    banks = [line for line in text.splitlines() if line.startswith("blockfirst_bank_matches")]
    assert [line.split()[0] for line in banks] == ['blockfirst_bank_matches_total{bank="ncii"}']
    assert "# TYPE blockfirst_quarantines_total counter" in text
    assert _metric(text, "blockfirst_queue_size") == 1
    assert _metric(text, "blockfirst_overdue_cases") == 1
    assert _metric(text, "blockfirst_hashing_seconds_count") == 2  # two photos hashed
    assert _metric(text, "blockfirst_matching_seconds_count") == 3
    assert 'blockfirst_hashing_seconds_bucket{le="+Inf"} 2.0' in text
    for kind in ("timeout", "worker_died", "restart"):  # issue 13, item 5
        assert f'blockfirst_hashing_problems_total{{kind="{kind}"}} 0.0' in text


async def test_failures_are_counted_by_kind(store: SqlStore, clock: FakeClock) -> None:
    from core.errors import PlatformError

    async with world(store, clock) as w:
        w.platform.failures["delete_messages"] = [PlatformError("no rights", impossible=True)]
        await w.moderator.on_message(photo("1"))
        app = create_app(WebSettings(secret="s" * 32), Services(store, w.moderator, clock, True))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            text = (await client.get("/metrics")).text
    assert 'blockfirst_failures_total{kind="delete"} 1.0' in text
