"""`blockfirst banks flood|stats|trust|dispute` (and the families' `stats`) against a
real SQLite file: what a quarantined entry looks like, and the two ways out."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from bots.cli import cli
from core.audit import AuditRecord
from core.store import open_store
from core.writes import Audit, CountHits, JudgeEntries, Quarantine

Run = Callable[..., Result]
MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"


@pytest.fixture
def run(db_url: str) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


def _matched(db_url: str, bank: str, times: int, quarantine: bool) -> int:
    """What the engine writes when an entry matches: counts, and a quarantine."""

    async def write() -> int:
        async with open_store(db_url) as store:
            [(entry_id, _, _)] = await store.entry_ids(bank, [("md5", MD5)])
            now = datetime.now(UTC)
            ops = [CountHits((entry_id,), now) for _ in range(times)]
            if quarantine:
                ops += [Quarantine(bank, entry_id, "31 matches within 60 min (limit 30)")]
                ops += [Audit(AuditRecord(kind="entry_quarantined", bank=bank))]
            await store.apply(ops)
            return entry_id

    return asyncio.run(write())


def test_flood_limits_are_shown_changed_validated_and_audited(run: Run) -> None:
    run("banks", "create", "followed")
    shown = run("banks", "stats", "followed").output
    assert "past 300 matches or 20 chats within 60 min" in shown
    assert "no entry has matched yet" in shown
    changed = run("banks", "flood", "followed", "--hits", "20")
    assert "past 20 matches or 20 chats within 60 min" in changed.output
    assert "never quarantined" in run("banks", "flood", "followed", "--off").output
    bad = run("banks", "flood", "followed", "--hits", "0")
    assert bad.exit_code == 2
    assert "error" in bad.output.lower() or "invalid" in bad.output.lower()
    audit = run("audit", "export").output
    assert audit.count('"kind": "bank_flood"') == 2 or audit.count("bank_flood") == 2


def test_a_quarantined_entry_is_listed_then_trusted_or_disputed(run: Run, db_url: str) -> None:
    run("banks", "create", "followed")
    run("hashes", "import", "followed", "-", input=f"md5 {MD5}\n")
    entry_id = _matched(db_url, "followed", 31, quarantine=True)
    listed = run("hashes", "stats", "followed").output
    assert f"{entry_id:>8}      31     31" in listed
    assert "quarantined" in listed
    assert "31 matches within 60 min (limit 30)" in listed
    assert "no entry" in run("links", "stats", "followed").output  # a link bank's view
    trusted = run("banks", "trust", "followed", str(entry_id))
    assert f"entry {entry_id} (md5:{MD5}) acts again" in trusted.output
    assert "trusted" in run("banks", "stats", "followed").output
    missing = run("banks", "trust", "followed", "999999")
    assert missing.exit_code == 2
    assert "has no entry 999999" in missing.output
    disputed = run("banks", "dispute", "followed", str(entry_id), "--reason", "a meme")
    assert f"entry {entry_id} disabled (a meme)" in disputed.output
    again = run("hashes", "import", "followed", "-", input=f"md5 {MD5}\n")
    assert "previously removed (not re-added) 1" in again.output
    audit = run("audit", "export").output
    assert "entry_trusted" in audit
    assert "a meme" in audit


def test_feedback_for_a_lists_maintainer_in_pytx_csv(run: Run, db_url: str) -> None:
    sha = "a" * 64
    run("banks", "create", "followed")
    run(
        "hashes",
        "import",
        "followed",
        "-",
        input=f"md5 {MD5}\nsha256 {sha}\n",
    )

    async def judge() -> None:
        async with open_store(db_url) as store:
            ids = {
                kind: entry_id
                for entry_id, kind, _ in await store.entry_ids(
                    "followed", [("md5", MD5), ("sha256", sha)]
                )
            }
            confirmed = JudgeEntries((("followed", ids["md5"]),), True, 3, "c1")
            overturned = JudgeEntries((("followed", ids["sha256"]),), False, 3, "c2")
            await store.apply([confirmed, overturned, overturned, overturned])

    asyncio.run(judge())
    lines = run("banks", "feedback", "followed").output.splitlines()
    assert lines == [
        "signal_type,signal_str,collab,category,tags",
        f"md5,{MD5},,POSITIVE_CLASS,confirmed:1 overturned:0",
        f"sha256,{sha},,NEGATIVE_CLASS,confirmed:0 overturned:3",
    ]
    later = run("banks", "feedback", "followed", "--since", "2999-01-01").output.splitlines()
    assert later == ["signal_type,signal_str,collab,category,tags"]
    assert run("banks", "feedback", "followed", "--since", "yesterday").exit_code == 2


def _shadow_case(db_url: str, bank: str, would: str) -> str:
    """A shadow case as the engine writes it for a bank in shadow."""
    from core.cases import Case
    from core.ids import new_id
    from core.model import Band, BankAction, CaseKind, CaseState, Match
    from core.writes import OpenCase

    async def write() -> str:
        async with open_store(db_url) as store:
            now = datetime.now(UTC)
            match = Match(bank, 1, "md5", MD5, 0, Band.ACT, BankAction.DELETE, "other")
            case = Case(
                new_id(), CaseKind.MATCH_REVIEW, f"fake:-1:{new_id()}", now, now,
                state=CaseState.SHADOW, matches=(match,), note=f"would {would}",
            )  # fmt: skip
            await store.apply([OpenCase(case)])
            return case.id

    return asyncio.run(write())


def test_a_bank_is_created_in_shadow_shown_and_put_live_audited(run: Run, db_url: str) -> None:
    assert "in shadow" in run("banks", "create", "tried", "--shadow").output
    assert "tried" in run("banks", "list").output.split("shadow")[0]
    run("hashes", "add", "tried", f"md5:{MD5}")
    shown = [_shadow_case(db_url, "tried", w) for w in ("delete", "delete", "review")]
    stats = run("banks", "stats", "tried").output
    assert "in shadow: would have deleted 2 message(s) and sent 1 to review" in stats
    assert "no cases" in run("cases", "list").output  # not in the queue
    listed = run("cases", "list", "--state", "shadow", "--bank", "tried").output
    assert sorted(line.split()[0] for line in listed.splitlines()) == sorted(shown)
    run("reviewers", "add", "alice")
    refused = run("cases", "decide", shown[0], "confirm", "--reviewer", "alice")
    assert refused.exit_code != 0
    assert "nothing to decide" in refused.output

    assert "live: its matches act" in run("banks", "live", "tried").output
    assert "was in shadow: would have deleted 2" in run("banks", "stats", "tried").output
    assert "in shadow" in run("banks", "shadow", "tried").output
    unknown = run("banks", "shadow", "nope")
    assert unknown.exit_code != 0
    assert "nope" in unknown.output
    audit = run("audit", "export").output
    assert "bank_shadow" in audit
    assert "bank_live" in audit
