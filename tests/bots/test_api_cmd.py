"""`blockfirst tokens` and `blockfirst api` as a user runs them: a token shown once and
kept as a hash, the API served as a process, a revoked token refused within a second."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from bots.cli import cli
from core.api_tokens import hash_token
from tests.net import free_port, wait_until_answering

BLOCKFIRST = str(Path(sys.executable).parent / "blockfirst")


def _cli(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _get(url: str, token: str) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked(db_url: str) -> None:
    code, out, err = _cli(db_url, "tokens", "add", "shop", "--scope", "lookup,submit")
    assert code == 0
    secret = out.strip()
    assert secret.startswith("bf_")
    assert "shown this once" in err
    code, listed, _ = _cli(db_url, "tokens", "list")
    assert listed.startswith("shop\tlookup,submit\tlive")
    assert secret not in listed
    assert hash_token(secret) not in listed
    assert _cli(db_url, "tokens", "add", "shop", "--scope", "lookup")[0] == 2
    assert _cli(db_url, "tokens", "add", "x", "--scope", "everything")[0] == 2
    assert _cli(db_url, "tokens", "revoke", "shop")[0] == 0
    assert _cli(db_url, "tokens", "revoke", "shop")[0] == 2
    code, audit, _ = _cli(db_url, "audit", "export")
    assert "token_added" in audit
    assert "token_revoked" in audit
    assert secret not in audit


def test_the_api_serves_as_a_process_and_a_revoked_token_stops_within_a_second(
    db_url: str,
) -> None:
    assert _cli(db_url, "banks", "create", "ncii")[0] == 0
    secret = _cli(db_url, "tokens", "add", "shop", "--scope", "lookup")[1].strip()
    bind = f"127.0.0.1:{free_port()}"
    served = subprocess.Popen(
        [BLOCKFIRST, "--db", db_url, "api", "--bind", bind],
        env=os.environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until_answering(served, f"http://{bind}/openapi.json")
        assert _get(f"http://{bind}/c/banks", secret) == (
            200,
            [{"name": "ncii", "matching_enabled_ratio": 1.0}],
        )
        assert _cli(db_url, "tokens", "revoke", "shop")[0] == 0
        revoked_at = time.monotonic()
        while _get(f"http://{bind}/c/banks", secret)[0] != 401:
            assert time.monotonic() - revoked_at < 3, "the revoked token still works"
            time.sleep(0.05)
        assert _get(f"http://{bind}/c/banks", secret) == (
            401,
            {"message": "token api:shop was revoked"},
        )
        served.send_signal(signal.SIGTERM)
        output, _ = served.communicate(timeout=30)
    finally:
        if served.poll() is None:
            served.kill()
    assert served.returncode == 0, output
    assert f"API on http://{bind}/" in output
    assert secret not in output
