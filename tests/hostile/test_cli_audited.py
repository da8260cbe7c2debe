"""Every change to what gets blocked or who decides, made from the command line, is
audited with its actor, as the dashboard's are (issue 13, item 11)."""

import json
from pathlib import Path

from click.testing import CliRunner

from bots.cli import cli
from tests.conftest import encode, load_photo


def test_cli_changes_to_banks_entries_and_reviewers_are_audited(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    image = tmp_path / "a.jpg"
    image.write_bytes(encode(load_photo("astronaut")))
    listing = tmp_path / "list.txt"
    listing.write_text("md5 " + "ab" * 16 + "\n")
    runner = CliRunner()
    steps = [
        ["banks", "create", "ncii"],
        ["hashes", "add", "ncii", str(image)],
        ["hashes", "import", "ncii", str(listing)],
        ["hashes", "remove", "ncii", "--type", "md5", "ab" * 16],
        ["links", "add", "ncii", "leaks.example"],
        ["links", "remove", "ncii", "leaks.example"],
        ["banks", "disable", "ncii"],
        ["reviewers", "add", "telegram:1"],
        ["reviewers", "remove", "telegram:1"],
    ]
    for step in steps:
        result = runner.invoke(cli, [*db, *step])
        assert result.exit_code == 0, (step, result.output)
    exported = runner.invoke(cli, [*db, "audit", "export", "--format", "json"])
    rows = json.loads(exported.stdout)
    kinds = [r["kind"] for r in rows]
    assert kinds == [
        "bank_created",
        "entries_added",
        "bank_import",
        "entries_status",
        "entries_added",
        "entries_status",
        "bank_disabled",
        "reviewer_added",
        "reviewer_removed",
    ]
    assert all(r["actor"].startswith("cli:") for r in rows)
    assert rows[3]["reason"].startswith("removed: 1 md5 " + "ab" * 16)
    assert runner.invoke(cli, [*db, "audit", "verify"]).exit_code == 0


def test_a_value_removed_earlier_is_restored_when_named_again(tmp_path: Path) -> None:
    """Issue 13, item 17: 'add' used to report success and add nothing."""
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*db, *args])
        assert result.exit_code == 0, result.output
        return result.output

    md5 = "ab" * 16
    listing = tmp_path / "list.txt"
    listing.write_text(f"md5 {md5}\n")
    run("banks", "create", "b")
    run("hashes", "import", "b", str(listing))
    run("hashes", "remove", "b", "--type", "md5", md5)
    assert "added 0" in run("hashes", "import", "b", str(listing))  # imports skip it
    assert md5 not in run("hashes", "export", "b", "--format", "lines")
    run("hashes", "enable", "b", "--type", "md5", md5)  # named on purpose: restored
    assert md5 in run("hashes", "export", "b", "--format", "lines")
    run("links", "add", "b", "leaks.example")
    run("links", "remove", "b", "leaks.example")
    assert "restored 1 removed or disabled earlier" in run("links", "add", "b", "leaks.example")
    assert "leaks.example" in run("links", "export", "b")


def test_config_check_warns_about_a_dashboard_open_to_the_network(tmp_path: Path) -> None:
    config = tmp_path / "blockfirst.toml"
    config.write_text('[web]\nbind = "0.0.0.0:8080"\n')
    result = CliRunner().invoke(cli, ["config", "check", str(config)])
    assert result.exit_code == 0
    assert "warning: web.bind 0.0.0.0:8080 serves the dashboard beyond this machine" in (
        result.stderr
    )
