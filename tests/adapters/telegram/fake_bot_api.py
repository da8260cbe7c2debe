"""A fake Bot API behind python-telegram-bot's own request layer (no network).

Every call is recorded as ``(method, parameters)``; files are served from
``files`` by file id; ``failures`` makes a method answer with a Bot API error.
"""

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

__all__ = ["BOT_ID", "FakeBotApi", "LoopbackBotApi"]

BOT_ID = 999


class FakeBotApi(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.updates: list[dict[str, Any]] = []  # served once by getUpdates
        self.admins: set[int] = {BOT_ID}  # who getChatMember says is an administrator
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
        params = dict(request_data.parameters) if request_data else {}
        return self.answer(url.rsplit("/", 1)[-1], params)

    def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """Record a call and answer it as the Bot API would."""
        self.calls.append((name, params))
        if name == "getUpdates":
            updates, self.updates = self.updates, []
            return 200, json.dumps({"ok": True, "result": updates}).encode()
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
        if name == "getChatMember":
            return _member(int(params["user_id"]), int(params["user_id"]) in self.admins)
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


class LoopbackBotApi:
    """The same fake on a loopback HTTP port, for a bot in another process
    (``[telegram] api_url = "http://127.0.0.1:PORT"``)."""

    def __init__(self) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.api = FakeBotApi()
        self._lock = threading.Lock()
        handler = _handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        with self._lock:
            return self.api.answer(name, params)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(loopback: LoopbackBotApi) -> type:
    import time
    from http.server import BaseHTTPRequestHandler
    from urllib.parse import parse_qs

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply(200, loopback.api.files[self.path.rsplit("/", 1)[-1]])

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            params = {k: _value(v[0]) for k, v in parse_qs(raw).items()}
            name = self.path.rsplit("/", 1)[-1]
            status, body = loopback.answer(name, params)
            if name == "getUpdates" and body.endswith(b'"result": []}'):
                time.sleep(0.2)  # a short long-poll, not a busy loop
            self._reply(status, body)

    return Handler


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _member(user_id: int, admin: bool) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": user_id == BOT_ID, "first_name": "u"}
    if not admin:
        return {"status": "member", "user": user}
    rights = [
        "can_be_edited",
        "is_anonymous",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    ]
    return {"status": "administrator", "user": user, **{r: r != "is_anonymous" for r in rights}}
