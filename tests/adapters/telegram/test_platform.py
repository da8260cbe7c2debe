"""The Telegram platform's downloads of files over the decoding limit (issue 13,
item 7), through python-telegram-bot's own Bot and request layer."""

import hashlib
from pathlib import Path

import pytest
from telegram import Bot

from adapters.telegram.platform import CLOUD_FILE_LIMIT, TelegramPlatform
from core.errors import InputError
from core.media.hashing import Digester
from core.model import MediaRef
from tests.adapters.telegram.fake_bot_api import FakeBotApi


async def _digest(platform: TelegramPlatform, ref: MediaRef, limit: int) -> str:
    digester = Digester()
    async for chunk in platform.stream_media(ref, limit):
        digester.feed(chunk)
    return digester.result("").queries["sha256"][0]


async def test_the_cloud_api_is_not_asked_for_a_file_it_cannot_serve() -> None:
    api = FakeBotApi()
    platform = TelegramPlatform(Bot("1:test", request=api), -1)
    big = MediaRef("video", "u", "v", "video/mp4", CLOUD_FILE_LIMIT + 1)
    with pytest.raises(InputError, match="20 MB download limit"):
        await _digest(platform, big, 1 << 31)
    assert api.of("getFile") == []


async def test_a_file_within_reach_is_streamed_in_chunks() -> None:
    api = FakeBotApi()
    api.files["v"] = data = bytes(range(256)) * 10_000
    platform = TelegramPlatform(Bot("1:test", request=api), -1)
    ref = MediaRef("video", "u", "v", "video/mp4", len(data))
    assert await _digest(platform, ref, 1 << 31) == hashlib.sha256(data).hexdigest()


async def test_a_local_bot_api_server_hands_over_a_path_read_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.mp4"
    path.write_bytes(b"\x01" * (3 << 20))

    class LocalApi(FakeBotApi):
        def _result(self, name: str, params: dict[str, object]) -> object:
            if name == "getFile":
                return {"file_id": "v", "file_unique_id": "u", "file_path": str(path)}
            return super()._result(name, params)  # type: ignore[arg-type]

    platform = TelegramPlatform(Bot("1:test", request=LocalApi(), local_mode=True), -1)
    ref = MediaRef("video", "u", "v", "video/mp4", CLOUD_FILE_LIMIT + 1)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert await _digest(platform, ref, 1 << 31) == expected
    with pytest.raises(InputError, match="over the"):
        await _digest(platform, ref, 1 << 20)
