"""A fake Bot API behind python-telegram-bot's own request layer (no network).

Every call is recorded as ``(method, parameters)``; files are served from
``files`` by file id; ``failures`` makes a method answer with a Bot API error.
"""

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

__all__ = ["BOT_ID", "FakeBotApi"]

BOT_ID = 999


class FakeBotApi(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self._message_id = 5000

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 5.0

    def of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return 200, self.files[url.rsplit("/", 1)[-1]]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        pending = self.failures.get(name)
        if pending:
            code, description = pending.pop(0)
            body = {"ok": False, "error_code": code, "description": description}
            return code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "blockfirst", "username": "bf_bot"}
        if name == "getFile":
            file_id = params["file_id"]
            data = self.files[file_id]
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(data),
                "file_path": f"files/{file_id}",
            }
        if name == "getChat":
            return {
                "id": params["chat_id"],
                "type": "supergroup",
                "title": "Test group",
                "permissions": {"can_send_messages": True},
            }
        if name.startswith(("send", "edit")):
            self._message_id += 1
            chat = {"id": params.get("chat_id", 0), "type": "supergroup"}
            return {
                "message_id": params.get("message_id", self._message_id),
                "date": 0,
                "chat": chat,
                "text": params.get("text", ""),
            }
        return True
