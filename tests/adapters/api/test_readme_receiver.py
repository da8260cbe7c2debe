"""The README's minimal webhook receiver works with what blockfirst sends: a signed
call acted on once, its retry acknowledged, a late (replayed) one refused."""

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from adapters.api.webhooks import SIGNATURE, sign

README = Path(__file__).resolve().parents[3] / "README.md"
SECRET = "x" * 40


def test_the_readme_receiver_checks_signatures_and_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = re.search(r"```python\n(import hashlib, hmac.*?)```", README.read_text(), re.S)
    assert found is not None, "the README's receiver is gone"
    code = found.group(1).replace("        ...  # act on it\n", "        ACTED.append(event)\n")
    monkeypatch.setenv("BLOCKFIRST_WEBHOOK_SECRET_SHOP", SECRET)
    space: dict[str, Any] = {"ACTED": []}
    exec(compile(code, "README receiver", "exec"), space)
    client = TestClient(space["app"])
    body = json.dumps({"action": "delete", "item_ids": ["post-1"]}).encode()

    def call(at: float, key: str) -> int:
        headers = {SIGNATURE: sign(SECRET, body, int(at)), "Idempotency-Key": key}
        return client.post("/blockfirst-hook", content=body, headers=headers).status_code

    assert call(time.time(), "e1") == 200
    assert call(time.time(), "e1") == 200  # a retry: acknowledged, not acted on again
    assert call(time.time() - 1000, "e2") == 400  # replayed later
    assert len(space["ACTED"]) == 1
