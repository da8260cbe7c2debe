"""Reading a client's JSON: every field typed and bounded, and a bad one named."""

import json
from typing import Any

from adapters.api.auth import ApiError

__all__ = ["boolean", "json_object", "text", "texts"]


def json_object(raw: bytes | str, where: str = "body") -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nesting past the stack too
        raise ApiError(400, f"{where}: not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"{where}: expected a JSON object")
    return data


def text(data: dict[str, Any], name: str, *, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"{name}: required")
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"{name}: expected a string")
    if len(value) > limit:
        raise ApiError(400, f"{name}: at most {limit} characters")
    if "\x00" in value:
        raise ApiError(400, f"{name}: must not contain NUL")
    return value


def texts(data: dict[str, Any], name: str, *, limit: int, each: int) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise ApiError(400, f"{name}: expected a list of strings")
    if len(value) > limit:
        raise ApiError(400, f"{name}: at most {limit} items")
    return [
        text({f"{name}[{i}]": v}, f"{name}[{i}]", limit=each, required=True)
        for i, v in enumerate(value)
    ]


def boolean(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, f"{name}: expected true or false")
    return value
