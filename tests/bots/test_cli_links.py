"""`blockfirst links` against a real SQLite file."""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bots.cli import cli


@pytest.fixture
def run(db_url: str):  # type: ignore[no-untyped-def]
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    run_ = invoke
    run_("banks", "create", "links", "--category", "illegal_filming")
    return run_


def test_add_guesses_the_rule_type(run) -> None:  # type: ignore[no-untyped-def]
    out = run(
        "links",
        "add",
        "links",
        "leaks.example",
        "t.me/joinchat/AbC1",
        "https://x.example/p?utm_source=a",
        "@SomeChan",
    ).output
    assert "block domain leaks.example" in out
    assert "block tg_invite AbC1" in out
    assert "block url https://x.example/p" in out
    assert "added 4" in out
    assert (
        run("links", "add", "links", "SomeChan", "--type", "tg_channel").output.count(
            "already present 1"
        )
        == 1
    )


def test_check_prints_canonical_forms_and_matches(run) -> None:  # type: ignore[no-untyped-def]
    run("links", "add", "links", "leaks.example", "t.me/+AbC1")
    run("links", "add", "links", "--allow", "https://leaks.example/fine")
    hit = run(
        "links",
        "check",
        "see https://a.leaks.example/x#frag and https://leaks.example/fine and t.me/joinchat/AbC1",
    )
    assert hit.exit_code == 1
    lines = hit.output.splitlines()
    assert lines[0] == "https://a.leaks.example/x  (url)"
    assert lines[1].startswith(
        "  MATCH bank=links rule=domain:leaks.example band=act action=delete"
    )
    assert lines[2] == "https://leaks.example/fine  (url)"
    assert lines[3] == "https://t.me/+AbC1  (tg_invite AbC1)"
    clean = run("links", "check", "https://example.org/")
    assert (clean.exit_code, clean.output) == (0, "https://example.org/  (url)\n")
    assert run("links", "check", "no links here").exit_code == 2


def test_import_export_remove(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.txt"
    path.write_text(
        "# a list\ndomain bad.example\nallow url https://bad.example/ok\n"
        "md5 5eb63bbbe01eeed093cb22bb8f5acdc3\nurl javascript:alert(1)\n"
    )
    out = run("links", "import", "links", str(path)).output
    assert "added 2" in out
    assert "line 4: md5 does not belong in this list" in out
    assert "line 5: not a web link" in out
    assert (
        run("links", "export", "links").output
        == "domain bad.example\nallow url https://bad.example/ok\n"
    )
    assert "removed 1 of 1" in run("links", "remove", "links", "bad.example").output
    assert run("links", "export", "links").output == "allow url https://bad.example/ok\n"
    strict = run("links", "import", "links", str(path), "--strict")
    assert strict.exit_code == 2


def test_bad_rules_are_refused_with_nothing_added(run) -> None:  # type: ignore[no-untyped-def]
    result = run("links", "add", "links", "ok.example", "javascript:x")
    assert result.exit_code == 2
    assert "nothing was added" in result.stderr
    assert run("links", "export", "links").output == ""
