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
