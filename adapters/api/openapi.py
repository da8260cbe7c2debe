"""The API's OpenAPI 3.1 document, served at ``/openapi.json``. The tests check every
response against it and fuzz the API from it (schemathesis), so it stays true."""

from typing import Any

from adapters.api.schemas import SCHEMAS, STRING, ref

__all__ = ["document"]

_JSON = "application/json"


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


_ERRORS = {
    "400": _answer("Bad input: the message says which parameter", ref("Error")),
    "401": _answer("No token, an unknown one or a revoked one", ref("Error")),
    "403": _answer("The token lacks the scope, or the feature is off", ref("Error")),
    "413": _answer("The body is over the limit", ref("Error")),
    "429": _answer("Over the token's requests a minute (see Retry-After)", ref("Error")),
}


def _query(
    name: str, description: str, *, required: bool = False, enum: list[str] | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", **({"enum": enum} if enum else {})}
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


_BOOL = ["true", "false", "1", "0", "True", "False", "TRUE", "FALSE"]
_BANKS = _query("banks", "Comma-separated bank names to restrict the answer to")
_TYPES = _query("types", "Comma-separated signal types to compute or look up")
_COINFLIP = _query("bypass_coinflip", "Accepted for HMA clients; banks are on or off", enum=_BOOL)
_SEED = _query("seed", "Accepted for HMA clients; no effect")
_PATH_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_SIGNAL_TYPE = _query("signal_type", "A signal type name (pdq, md5, sha256, ...)")
_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "photo": {"type": "string", "format": "binary"},
                    "video": {"type": "string", "format": "binary"},
                },
                "minProperties": 1,
                "maxProperties": 1,
            }
        }
    },
}


def _get(summary: str, parameters: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": parameters,
        "responses": {"200": _answer("OK", ok), **_ERRORS},
    }


def document() -> dict[str, Any]:
    lookup = {"anyOf": [ref("MatchesByBank"), ref("MatchesBySignalType")]}
    paths = {
        "/h/hash": {
            "get": _get(
                "Hash the media at a URL (only when api.fetch_urls is on)",
                [_query("url", "An http(s) URL", required=True), _TYPES],
                ref("Hashes"),
            ),
            "post": {
                **_get("Hash an uploaded file (field photo or video)", [_TYPES], ref("Hashes")),
                "requestBody": _UPLOAD,
            },
        },
        "/m/raw_lookup": {
            "get": _get(
                "Bank entries a hash matches (act band), by id",
                [
                    {**_SIGNAL_TYPE, "required": True},
                    _query("signal", "The hash", required=True),
                    _query("include_distance", "Return distances too", enum=_BOOL),
                    _BANKS,
                ],
                ref("RawLookup"),
            )
        },
        "/m/lookup": {
            "get": _get(
                "Matches by bank for a hash, or by signal type for a URL's media",
                [
                    _SIGNAL_TYPE,
                    _query("signal", "The hash"),
                    _query("url", "An http(s) URL (only when api.fetch_urls is on)"),
                    _BANKS,
                    _TYPES,
                    _COINFLIP,
                    _SEED,
                ],
                lookup,
            ),
            "post": {
                **_get(
                    "Matches by signal type for an uploaded file",
                    [_BANKS, _TYPES, _COINFLIP, _SEED],
                    ref("MatchesBySignalType"),
                ),
                "requestBody": _UPLOAD,
            },
        },
        "/m/index/status": {
            "get": _get("The indexes: present, built to, size", [_SIGNAL_TYPE], ref("IndexStatus"))
        },
        "/c/banks": {"get": _get("The banks", [], {"type": "array", "items": ref("Bank")})},
        "/c/bank/{name}": {
            "get": {
                **_get(
                    "One bank",
                    [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    ref("Bank"),
                ),
                "responses": {
                    "200": _answer("OK", ref("Bank")),
                    **_ERRORS,
                    "404": _answer("No such bank", ref("Error")),
                },
            }
        },
    }
    paths.update(_intake_paths())
    _curation_paths(paths)
    paths["/metrics"] = {
        "get": {
            "summary": "The engine's figures, Prometheus text format (a token of any scope)",
            "responses": {
                "200": {"description": "OK", "content": {"text/plain": {"schema": STRING}}},
                **_ERRORS,
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "blockfirst API",
            "version": "1",
            "description": "HMA-compatible hashing and matching; see the README.",
        },
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }


def _curation_paths(paths: dict[str, Any]) -> None:
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    missing = {"404": _answer("No such bank", ref("Error"))}
    added = _answer("The signals banked and the first entry's id", ref("Banked"))
    paths["/c/banks"]["post"] = {
        "summary": "Create a bank (scope banks)",
        "requestBody": _json_body("BankCreate"),
        "responses": {"201": _answer("The bank", ref("Bank")), **_ERRORS},
    }
    paths["/c/bank/{name}/signal"] = {
        "post": {
            "summary": "Bank hashes given as {signal_type: value} (scope banks)",
            "parameters": [name],
            "requestBody": {
                "required": True,
                "content": {_JSON: {"schema": ref("Hashes")}},
            },
            "responses": {"200": added, **_ERRORS, **missing},
        }
    }
    paths["/c/bank/{name}/content"] = {
        "post": {
            "summary": "Bank every signal of an uploaded file, or of a url's media",
            "parameters": [name, _query("url", "An http(s) URL (only with api.fetch_urls)")],
            "requestBody": {**_UPLOAD, "required": False},
            "responses": {"200": added, **_ERRORS, **missing},
        }
    }
    content_id = {
        "name": "content_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    paths["/c/bank/{name}/content/{content_id}"] = {
        "delete": {
            "summary": "Remove a banked entry (final, audited)",
            "parameters": [name, content_id],
            "responses": {
                "200": _answer("How many were removed", ref("Deleted")),
                **_ERRORS,
                **missing,
            },
        }
    }


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": ref(schema)}}}


def _intake_paths() -> dict[str, Any]:
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
    room = {**case_id, "name": "room"}
    missing = {"404": _answer("No such case for this client", ref("Error"))}
    busy = {"409": _answer("The same item is being checked right now", ref("Error"))}
    item_upload = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "item": {"type": "string", "description": "The Item, as JSON"},
                    "media": {"type": "string", "format": "binary"},
                },
                "required": ["item"],
            }
        }
    }
    return {
        "/v1/items": {
            "post": {
                "summary": "Check an item at once: delete, review or allow (block first)",
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": ref("Item")}, **item_upload},
                },
                "responses": {"200": _answer("The verdict", ref("Verdict")), **_ERRORS, **busy},
            }
        },
        "/v1/requests": {
            "post": {
                "summary": "A deletion request or report about an item",
                "requestBody": _json_body("DeletionRequest"),
                "responses": {"200": _answer("Its case", ref("RequestAnswer")), **_ERRORS},
            }
        },
        "/v1/cases/{case_id}": {
            "get": {
                "summary": "One of this client's cases, with its decisions and effects",
                "parameters": [case_id],
                "responses": {
                    "200": _answer("The case", ref("CaseWithHistory")),
                    **_ERRORS,
                    **missing,
                },
            }
        },
        "/v1/rooms/{room}/settings": {
            "get": {
                "summary": "A room's settings (scope submit or banks)",
                "parameters": [room],
                "responses": {"200": _answer("Its settings", ref("RoomSettings")), **_ERRORS},
            },
            "put": {
                "summary": "Change a room's settings (scope banks; audited)",
                "parameters": [room],
                "requestBody": _json_body("RoomSettingsChange"),
                "responses": {"200": _answer("Its settings", ref("RoomSettings")), **_ERRORS},
            },
        },
        "/v1/cases/{case_id}/decision": {
            "post": {
                "summary": "Decide one of this client's cases (scope decide)",
                "parameters": [case_id],
                "requestBody": _json_body("DecisionRequest"),
                "responses": {"200": _answer("The case", ref("Case")), **_ERRORS, **missing},
            }
        },
        "/v1/cases/{case_id}/objection": {
            "post": {
                "summary": (
                    "An uploader's objection to a removal, or a reporter's to an overturned "
                    "report (scope submit): opens an appeal case that a reviewer other than "
                    "the decision's maker decides; the objector is told through a reply webhook"
                ),
                "parameters": [case_id],
                "requestBody": _json_body("ObjectionRequest"),
                "responses": {"200": _answer("The appeal case", ref("Case")), **_ERRORS, **missing},
            }
        },
    }
