"""`blockfirst run` as a subprocess against a loopback fake Bot API, stopped by SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.bank_lists import entries_for_media
from core.banks import Bank
from core.media.hashing import hash_media
from core.store import open_store
from tests.adapters.telegram.fake_bot_api import LoopbackBotApi
from tests.core.engine_helpers import BANNED
from tests.net import free_port

GROUP = {"id": -100123, "type": "supergroup", "title": "Test group"}


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


async def test_run_deletes_a_banked_photo_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with open_store(db_url) as store:
        await store.create_bank(Bank("ncii"))
        await store.add_entries(
            "ncii", entries_for_media(hash_media(BANNED), source="t", added_by="t")
        )
    server = LoopbackBotApi()
    server.api.files["banned"] = BANNED
    photo = [
        {
            "file_id": "banned",
            "file_unique_id": "u1",
            "width": 512,
            "height": 512,
            "file_size": len(BANNED),
        }
    ]
    message = {
        "message_id": 11,
        "date": 1764300000,
        "chat": GROUP,
        "from": {"id": 42, "is_bot": False, "first_name": "K"},
        "photo": photo,
    }
    server.api.updates = [
        {"update_id": 1, "message": message}
    ]  # pending before start: still checked
    config = tmp_path / "blockfirst.toml"
    web = f"127.0.0.1:{free_port()}"
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[telegram]\nreview_chat_id = -100999\n'
        f'reviewers = [7]\napi_url = "{server.url}"\n\n[web]\nbind = "{web}"\n'
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:test-token"}
    bot = subprocess.Popen(
        [str(Path(sys.executable).parent / "blockfirst"), "run", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not server.api.of("deleteMessage"):
            assert bot.poll() is None, bot.stdout.read() if bot.stdout else ""
            assert time.monotonic() < deadline, "the bot never deleted the banned photo"
            time.sleep(0.1)
        # The same process serves the dashboard, sharing the bot's Moderator.
        assert _get(f"http://{web}/healthz") == (200, '{"status":"ok"}')
        assert _get(f"http://{web}/") == (303, "/login?next=%2F")
        status, ready = _get(f"http://{web}/readyz")
        assert status == 200
        count, unit = json.loads(ready)["indexes"].split()
        assert (int(count) > 0, unit) == (True, "entries")  # the bots' own matcher
        allowed = server.api.of("getUpdates")[0]["allowed_updates"]
        assert "callback_query" in allowed
        assert "edited_channel_post" in allowed
        bot.send_signal(signal.SIGTERM)
        output, _ = bot.communicate(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
        server.close()
    assert bot.returncode == 0, output
    assert "stopped" in output
    assert "test-token" not in output
    assert server.api.of("deleteMessage") == [{"chat_id": -100123, "message_id": 11}]


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "blockfirst.toml"
    config.write_text("[telegram]\nreview_chat_id = -1\n")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "blockfirst"), "run", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: TELEGRAM_BOT_TOKEN: not set (the bot token comes from the environment only)"
    ]
