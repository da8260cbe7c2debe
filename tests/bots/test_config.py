"""Configuration: defaults, every section, and one clear error naming the key."""

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bots.cli import cli
from bots.config import load_config
from core.errors import ConfigError
from core.model import CaseKind
from core.policy import Mode, Sanction

FULL = """
[storage]
url = "sqlite:///var/blockfirst.db"

[telegram]
review_chat_id = -100555
reviewers = [11, 22]
api_url = "http://127.0.0.1:8081/"
local_mode = true

[policy]
mode = "dry-run"
language = "en"
notice = false
sanction = "ban"
block_first = ["csam", "deepfake"]
trusted_reporters = [33]

[limits]
max_bytes = 1000000
max_seconds = 120

[deadlines]
match_review_hours = 12
reporter_reply_days = 7

[reports]
per_hour = 5
fetch_urls = true
"""
ENV = {"TELEGRAM_BOT_TOKEN": "123:secret-token"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "blockfirst.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None, {})
    assert config.storage_url == "sqlite:///blockfirst.db"
    assert config.telegram is None
    assert config.engine.default_settings.mode is Mode.ENFORCE


def test_every_section(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), ENV)
    assert config.storage_url == "sqlite:///var/blockfirst.db"
    assert config.telegram is not None
    assert (config.telegram.review_chat_id, config.telegram.api_url) == (
        -100555,
        "http://127.0.0.1:8081",
    )
    assert config.engine.reviewers == frozenset({"telegram:11", "telegram:22"})
    settings = config.engine.default_settings
    assert (settings.mode, settings.language, settings.notice, settings.sanction) == (
        Mode.DRY_RUN,
        "en",
        False,
        Sanction.BAN,
    )
    assert settings.trusted_reporters == frozenset({"telegram:33"})
    assert (config.engine.limits.max_bytes, config.engine.limits.max_seconds) == (1_000_000, 120)
    assert config.engine.deadlines.by_kind[CaseKind.MATCH_REVIEW] == timedelta(hours=12)
    assert config.engine.deadlines.by_kind[CaseKind.REPORTER_REPLY] == timedelta(days=7)
    assert (config.engine.reports_per_hour, config.engine.fetch_reported_urls) == (5, True)
    assert "secret-token" not in repr(config)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[telegram]\nreview_chat_id = 1\n", {}, "TELEGRAM_BOT_TOKEN: not set"),
        ("[telegram]\nreviewers = [1]\n", ENV, "telegram.review_chat_id: required"),
        ("[telegram]\nreview_chat_id = 'abc'\n", ENV, "telegram.review_chat_id: expected int"),
        ("[telegram]\nreview_chat_id = 1\nreviewers = ['x']\n", ENV, "telegram.reviewers"),
        ("[telegram]\nreview_chat_id = 1\napi_url = 'ftp://x'\n", ENV, "telegram.api_url"),
        ("[policy]\nmode = 'loud'\n", {}, "policy:"),
        ("[policy]\nlanguage = 'fr'\n", {}, "language"),
        ("[policy]\nblock_first = ['spam']\n", {}, "unknown categories"),
        ("[limits]\nmax_bytes = 0\n", {}, "max_bytes must be positive"),
        ("[limits]\nmax_bytes = true\n", {}, "limits.max_bytes: expected int"),
        (
            "[deadlines]\nmatch_review_hours = -1\n",
            {},
            "deadlines.match_review_hours: must be positive",
        ),
        ("[storage]\nurl = 5\n", {}, "storage.url: expected str"),
        ("[polcy]\nmode = 'enforce'\n", {}, "polcy: unknown section"),
        ("[policy]\nmoed = 'enforce'\n", {}, "policy.moed: unknown key"),
        ("[policy\n", {}, "not valid TOML"),
        ("[web]\nbind = '8080'\n", {}, "web.bind: '8080' is not HOST:PORT"),
        ("[web]\nbind = 'localhost:99999'\n", {}, "web.bind"),
        ("[web]\nsession_hours = 0\n", {}, "web.session_hours: between 1 and 720"),
        ("[web]\nenabled = 'yes'\n", {}, "web.enabled: expected bool"),
        ("", {"BLOCKFIRST_WEB_SECRET": "short"}, "BLOCKFIRST_WEB_SECRET: use at least 32"),
        # issue 13, item 17: what used to pass the check and fail later
        ("[storage]\nurl = 'mysql://u@h/db'\n", {}, "storage.url: .* expected sqlite"),
        ("[reports]\nper_hour = -5\n", {}, "reports.per_hour: between 1 and 100000"),
        ("[limits]\nmax_hash_seconds = 0\n", {}, "max_hash_seconds must be positive"),
        ("[api]\nmax_body_mb = 0\n", {}, "api.max_body_mb: between 1 and 1024"),
        ("[api]\nbind = 'x'\n", {}, "api.bind: 'x' is not HOST:PORT"),
        ("[api]\nrequests_per_minute = 0\n", {}, "api.requests_per_minute: between 1"),
        ("[api]\nfetch_url = true\n", {}, "api.fetch_url: unknown key"),
        ("[policy]\ntimezone = 'Mars/Olympus'\n", {}, "policy.timezone: unknown time zone"),
        ("[policy]\ntimezone = '../../etc/passwd'\n", {}, "policy.timezone: unknown time zone"),
        ("[policy]\ntimezone = 9\n", {}, "policy.timezone: expected str"),
        ("[deadlines]\ntemporary_measure_days = 31\n", {}, "at most 30 .the law's limit"),
        ("[deadlines]\nappeal_hours = 0\n", {}, "deadlines.appeal_hours: must be positive"),
    ],
)
def test_one_clear_error_naming_the_key(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env)


def test_the_default_language_and_zone_reach_cards_and_alerts(tmp_path: Path) -> None:
    engine = load_config(
        write(tmp_path, "[policy]\nlanguage = 'en'\ntimezone = 'UTC'\n"), {}
    ).engine
    assert (engine.language, engine.default_settings.language, engine.timezone) == (
        "en",
        "en",
        "UTC",
    )
    assert load_config(None, {}).engine.zone.key == "Asia/Seoul"


def test_postgresql_means_several_processes_claim_effects(tmp_path: Path) -> None:
    assert load_config(None, {}).engine.outbox_lease == timedelta(0)
    text = "[storage]\nurl = 'postgresql://bf@db.internal/blockfirst'\n"
    config = load_config(write(tmp_path, text), {})
    assert config.engine.outbox_lease == timedelta(minutes=2)


def test_the_index_snapshot_lies_beside_a_sqlite_file_and_is_chosen_for_postgresql(
    tmp_path: Path,
) -> None:
    assert load_config(None, {}).engine.index_snapshot == "blockfirst.db.index"
    url = f"sqlite:///{tmp_path}/bf.db?timeout=5"
    assert load_config(None, {}, storage_url=url).engine.index_snapshot == f"{tmp_path}/bf.db.index"
    assert load_config(None, {}, storage_url="sqlite:///:memory:").engine.index_snapshot == ""
    pg = "[storage]\nurl = 'postgresql://bf@db.internal/blockfirst'\n"
    assert load_config(write(tmp_path, pg), {}).engine.index_snapshot == ""
    chosen = pg + "index_snapshot = '/var/cache/blockfirst/index'\n"
    assert load_config(write(tmp_path, chosen), {}).engine.index_snapshot == (
        "/var/cache/blockfirst/index"
    )
    off = "[storage]\nindex_snapshot = ''\n"
    assert load_config(write(tmp_path, off), {}).engine.index_snapshot == ""


def test_the_recent_content_log_section(tmp_path: Path) -> None:
    default = load_config(None, {}).engine
    assert (default.recent_days, default.recent_max_items) == (7, 2_000_000)
    config = load_config(write(tmp_path, "[recent]\ndays = 0\nmax_items = 1000\n"), {}).engine
    assert (config.recent_days, config.recent_max_items) == (0, 1000)
    with pytest.raises(ConfigError, match=r"recent\.days: between 0 and 90, got 91"):
        load_config(write(tmp_path, "[recent]\ndays = 91\n"), {})


def test_how_near_a_copy_joins_a_case(tmp_path: Path) -> None:
    assert load_config(None, {}).engine.copy_distance == 31
    exact = load_config(write(tmp_path, "[cases]\ncopy_distance = -1\n"), {}).engine
    assert exact.copy_distance == -1
    with pytest.raises(ConfigError, match=r"cases\.copy_distance: between -1 and 64"):
        load_config(write(tmp_path, "[cases]\ncopy_distance = 200\n"), {})


def test_the_dashboard_section(tmp_path: Path) -> None:
    default = load_config(None, {}).web
    assert (default.enabled, default.bind, default.secret) == (True, "127.0.0.1:8080", "")
    text = "[web]\nenabled = false\nbind = '[::1]:9090'\nsession_hours = 8\nmax_upload_mb = 5\n"
    secret = "k" * 40
    web = load_config(write(tmp_path, text), {"BLOCKFIRST_WEB_SECRET": secret}).web
    assert (web.enabled, web.bind, web.session_hours) == (False, "[::1]:9090", 8)
    assert web.max_upload_bytes == 5 * 1024 * 1024
    assert web.secret == secret
    assert secret not in repr(web)


def test_the_api_section(tmp_path: Path) -> None:
    assert load_config(None, {}).api.enabled is False  # off unless asked for
    text = "[api]\nenabled = true\nbind = '127.0.0.1:9191'\nmax_body_mb = 5\nfetch_urls = true\n"
    api = load_config(write(tmp_path, text), {}).api
    assert (api.enabled, api.bind, api.max_body_bytes, api.fetch_urls) == (
        True,
        "127.0.0.1:9191",
        5 * 1024 * 1024,
        True,
    )


def test_config_check_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    good = CliRunner().invoke(cli, ["config", "check", str(write(tmp_path, FULL))])
    assert good.exit_code == 0
    assert "review chat -100555, 2 reviewers" in good.output
    assert "secret-token" not in good.output
    bad = CliRunner().invoke(cli, ["config", "check", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: ")
    assert "no such file" in bad.stderr
    assert "Traceback" not in bad.output


def test_the_dashboard_alone_needs_no_bot_token(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[telegram]\nreview_chat_id = 1\n"), {}, tokens=False)
    assert config.telegram is not None
    assert config.telegram.review_chat_id == 1


def test_a_named_store_outranks_the_files(tmp_path: Path) -> None:
    """Issue 14, item 8: --db / BLOCKFIRST_DB > [storage] url > the default."""
    path = write(tmp_path, "[storage]\nurl = 'sqlite:///from-file.db'\n")
    assert load_config(path, {}).storage_url == "sqlite:///from-file.db"
    named = load_config(path, {}, storage_url="sqlite:///named.db")
    assert named.storage_url == "sqlite:///named.db"


def test_version_and_the_store_precedence_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bots.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("blockfirst, version ")
    path = write(tmp_path, "[storage]\nurl = 'sqlite:///from-file.db'\n")
    from_file = runner.invoke(cli, ["config", "check", str(path)], env={"BLOCKFIRST_DB": None})
    assert "ok: storage sqlite:///from-file.db" in from_file.output
    from_env = runner.invoke(
        cli, ["config", "check", str(path)], env={"BLOCKFIRST_DB": "sqlite:///env.db"}
    )
    assert "ok: storage sqlite:///env.db" in from_env.output
    flag = runner.invoke(cli, ["--db", "sqlite:///flag.db", "config", "check", str(path)])
    assert "ok: storage sqlite:///flag.db" in flag.output


def test_json_logs_one_object_a_line_without_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import logging

    from bots.logs import setup_logging

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:AAsecretsecretsecretsecret")
    setup_logging("DEBUG", "json")
    logging.getLogger("blockfirst.core.engine.moderator").info(
        "calling https://api.telegram.org/bot123456:AAsecretsecretsecretsecret/getMe"
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert (entry["level"], entry["logger"]) == ("INFO", "blockfirst.core.engine.moderator")
    assert "secret" not in line
    logging.getLogger().handlers.clear()
