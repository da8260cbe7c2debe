"""`blockfirst text` against a real SQLite file."""

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bots.cli import cli

Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


def test_add_check_and_remove_a_disguised_phrase(run: Run) -> None:
    added = run("text", "add", "ads", "딥페이크 판매", "Hidden Cam")
    assert added.exit_code == 0, added.output
    assert "block text 딥페이크판매" in added.output
    assert "block text hidencam" in added.output
    banks = run("banks", "list").output
    assert "ads" in banks
    assert "review" in banks  # a bank made for text rules reviews, it does not delete
    hit = run("text", "check", "ㄷㅣㅂ 페 이 크 판.매 DM주세요")
    assert hit.exit_code == 1
    assert "reads as: 딥페이크판매dm주세요" in hit.output
    assert "MATCH bank=ads rule=text:딥페이크판매 band=act action=review" in hit.output
    assert run("text", "check", "딥페이크 예방 교육").exit_code == 0
    removed = run("text", "remove", "ads", "딥페이크  판매")
    assert "removed 1 of 1" in removed.output
    assert run("text", "check", "딥페이크 판매").exit_code == 0


def test_a_phrase_too_short_to_be_safe_is_refused(run: Run) -> None:
    refused = run("text", "add", "ads", "a", "!!")
    assert refused.exit_code != 0
    assert "at least 2 letters" in refused.output
    assert "nothing was changed" in refused.output


def test_import_lines_report_bad_rows_and_export_normalised(run: Run, tmp_path: Path) -> None:
    run("text", "add", "ads", "placeholder")
    listing = tmp_path / "phrases.txt"
    listing.write_text("지인 능욕\nallow 딥페이크 예방 교육\nx\nnudify app\n", encoding="utf-8")
    imported = run("text", "import", "ads", str(listing))
    assert imported.exit_code == 0, imported.output
    assert "3 added" in imported.output or "added 3" in imported.output, imported.output
    assert "line 3" in imported.output
    exported = run("text", "export", "ads").output.splitlines()
    assert "text 지인능욕" in exported
    assert "allow text 딥페이크예방교육" in exported
    assert run("text", "check", "딥페이크 예방 교육 안내").exit_code == 0  # the allow rule


def test_patterns_are_bounded_and_slow_ones_refused(run: Run) -> None:
    added = run("text", "add", "ads", "--regex", r"딥.{0,2}페이크\d*판매")
    assert added.exit_code == 0, added.output
    assert r"block text_re 딥.{0,2}페이크\d*판매" in added.output
    hit = run("text", "check", "딥ㅋ페이크 24 판매")
    assert hit.exit_code == 1
    assert r"rule=text_re:딥.{0,2}페이크\d*판매" in hit.output
    slow = run("text", "add", "ads", "--regex", r"(\w|\w\w)+\d")
    assert slow.exit_code != 0
    assert "rewrite it without nested or overlapping repetition" in slow.output
    empty = run("text", "add", "ads", "--regex", "a*")
    assert "matches an empty text" in empty.output
    broken = run("text", "add", "ads", "--regex", "(unclosed")
    assert "is not a regular expression" in broken.output


def test_whole_word_rules_and_the_matched_words(run: Run) -> None:
    assert run("text", "add", "ads", "--word", "cam", "몰카").exit_code == 0
    assert run("text", "check", "new camera and webcam").exit_code == 0
    hit = run("text", "check", "몰카를 팝니다, c.a.m")
    assert hit.exit_code == 1
    assert "rule=text_word:cam" in hit.output
    assert "words='c.a.m'" in hit.output
    assert "words='몰카'" in hit.output
    both = run("text", "add", "ads", "--word", "--regex", "x+")
    assert both.exit_code == 2
    assert "choose one" in both.output
    assert "removed 1 of 1" in run("text", "remove", "ads", "--word", "CAM").output


def test_a_spreadsheet_of_rules_imports_with_notes_and_exports_back(
    run: Run, tmp_path: Path
) -> None:
    sheet = tmp_path / "rules.csv"
    sheet.write_text(
        "type,value,note,allow\n"
        'text,"딥페이크, 판매",selling,\n'
        "text,딥페이크 예방 교육,education,yes\n"
        "text_word,몰카,,\n"
        "url,https://example.com/x,not text,\n",
        encoding="utf-8",
    )
    assert run("banks", "create", "ads", "--action", "review").exit_code == 0
    imported = run("text", "import", "ads", str(sheet))
    assert "added 3" in imported.output
    assert "bad rows skipped 1" in imported.output
    assert "line 5: url does not belong in this list" in imported.output
    exported = run("text", "export", "ads", "--format", "rules-csv").output.splitlines()
    assert exported == [  # an import numbers its entries in (type, value) order
        "type,value,note,allow",
        "text,딥페이크예방교육,education,yes",
        "text,딥페이크판매,selling,",
        "text_word,몰카,,",
    ]
    commas = tmp_path / "lines.txt"
    commas.write_text("팝니다, 연락주세요\n", encoding="utf-8")
    assert "added 1" in run("text", "import", "ads", str(commas)).output  # lines, not hma-csv
