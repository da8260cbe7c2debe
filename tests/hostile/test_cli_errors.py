"""The command line as a user (or an attacker) meets it, as a real process: every
failure is one ``error:`` line with a documented exit code, never a traceback or a
secret (issue 13, items 12, 13, 15, 16 and 17)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adapters.telegram.fake_bot_api import LoopbackBotApi
from tests.conftest import encode, load_photo
from tests.net import free_port

BLOCKFIRST = str(Path(sys.executable).parent / "blockfirst")
TOKEN = "123456:AAHsecret-token-that-must-never-show"


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [BLOCKFIRST, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=cwd,
    )
    assert done.stdout == "" or done.returncode == 0, done.stdout
    return done.returncode, done.stderr


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


def _telegram_config(tmp_path: Path, api_url: str) -> Path:
    config = tmp_path / "blockfirst.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "bot.db"}"\n\n[telegram]\n'
        f'review_chat_id = -1\napi_url = "{api_url}"\n\n[web]\nenabled = false\n'
    )
    return config


def test_a_rejected_telegram_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    server = LoopbackBotApi()
    server.api.failures["getMe"] = [(401, "Unauthorized")]
    try:
        code, stderr = _run(
            "run",
            "--config",
            str(_telegram_config(tmp_path, server.url)),
            env={"TELEGRAM_BOT_TOKEN": TOKEN},
        )
    finally:
        server.close()
    assert code == 2
    assert TOKEN not in stderr
    assert "secret-token" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        "error: TELEGRAM_BOT_TOKEN: Telegram refused the token; copy it again from @BotFather"
    )
    assert "Traceback" not in stderr


def test_no_network_is_one_line_without_the_token(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code, stderr = _run(
        "run", "--config", str(_telegram_config(tmp_path, dead)), env={"TELEGRAM_BOT_TOKEN": TOKEN}
    )
    assert code == 2
    assert "secret-token" not in stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("error: cannot reach Telegram's Bot API")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["web", "--config", "missing.toml"], {}, "error: missing.toml: no such file"),
        (["web"], {"BLOCKFIRST_WEB_SECRET": "short"}, "BLOCKFIRST_WEB_SECRET: use at least 32"),
        (
            ["audit", "purge", "--older-than-days", "99999999"],
            {},
            "error: Invalid value for '--older-than-days'",
        ),
        (["audit", "purge", "--older-than-days", "30"], {}, "is not in the range 1095<=x"),
        (
            ["scan", "--nope", "x"],
            {},
            "No such option '--nope'. (see 'blockfirst scan --help')",
        ),
        (["frobnicate"], {}, "error: No such command 'frobnicate'."),
        (["cases", "list"], {}, "error: no database at"),
        (
            ["db", "copy", "--from", "sqlite:///typo.db", "--to", "sqlite:///new.db"],
            {},
            "no database at typo.db",
        ),
        (["hashes", "import", "b", "/dev/zero"], {}, "not a file or a pipe"),
        (["banks", "create", "b", "--threshold", "pdq=99"], {}, "act <= review <= 64"),
        (["banks", "create", "b", "--threshold", "sha256=5"], {}, "act <= review <= 0"),
        (["audit", "verify", "--expect", "12:nothex"], {}, "expected SEQ:HASH"),
    ],
    ids=[
        "web-missing-config",
        "web-short-secret",
        "purge-overflow",
        "purge-too-young",
        "bad-option",
        "bad-command",
        "mistyped-db",
        "copy-from-typo",
        "import-device",
        "threshold-too-wide",
        "exact-threshold",
        "bad-expect",
    ],
)
def test_every_failure_is_one_error_line_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    if args[0] == "hashes":  # the store exists, the bank too: only the file is wrong
        assert _run("banks", "create", "b", cwd=tmp_path)[0] == 0
    code, stderr = _run(*args, env=env, cwd=tmp_path)
    assert code == 2
    assert message in _one_line(stderr)
    assert not (tmp_path / "new.db").exists()


def test_a_huge_unix_time_in_an_hma_list_is_a_bad_row(tmp_path: Path) -> None:
    listing = tmp_path / "hma.csv"
    listing.write_text("f" * 64 + ",1,99999999999999999999,tag\n")
    assert _run("banks", "create", "b", cwd=tmp_path)[0] == 0
    done = subprocess.run(
        [BLOCKFIRST, "hashes", "import", "b", str(listing), "--format", "hma-csv"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "is not a date or Unix time" in done.stderr + done.stdout


def test_ctrl_c_stops_a_scan_promptly_with_exit_130(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    photo = encode(load_photo("astronaut").resize((2048, 2048)), "PNG")
    for i in range(120):
        (folder / f"{i:03}.png").write_bytes(photo)
    assert _run("db", "migrate", cwd=tmp_path)[0] == 0
    scan = subprocess.Popen(
        [BLOCKFIRST, "scan", str(folder), "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C reaches the whole group
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each line as it is printed
    )
    assert scan.stdout is not None
    first = scan.stdout.readline()  # it is scanning
    assert first.endswith("no match\n")
    os.killpg(scan.pid, signal.SIGINT)
    out, err = scan.communicate(timeout=60)
    assert scan.returncode == 130
    assert err.strip().splitlines()[-1] == "error: interrupted"
    assert "Traceback" not in err
    assert len(out.splitlines()) < 119  # it did not finish every file first


def test_library_noise_stays_off_the_terminal(tmp_path: Path) -> None:
    """A TIFF with odd tags makes libtiff and Pillow warn; the user sees the result."""
    tiff = tmp_path / "odd.tiff"
    tiff.write_bytes(encode(load_photo("coins"), "TIFF", dpi=(72.5, 72.5)))
    done = subprocess.run(
        [BLOCKFIRST, "hash", str(tiff)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stderr == ""
