"""The API's OpenAPI 3.1 document, served at ``/openapi.json``. The tests check every
response against it and fuzz the API from it (schemathesis), so it stays true."""

from typing import Any

__all__ = ["document"]

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


_ERRORS = {
    "400": _answer("Bad input: the message says which parameter", _ref("Error")),
    "401": _answer("No token, an unknown one or a revoked one", _ref("Error")),
    "403": _answer("The token lacks the scope, or the feature is off", _ref("Error")),
    "413": _answer("The body is over the limit", _ref("Error")),
    "429": _answer("Over the token's requests a minute (see Retry-After)", _ref("Error")),
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
    lookup = {"anyOf": [_ref("MatchesByBank"), _ref("MatchesBySignalType")]}
    paths = {
        "/h/hash": {
            "get": _get(
                "Hash the media at a URL (only when api.fetch_urls is on)",
                [_query("url", "An http(s) URL", required=True), _TYPES],
                _ref("Hashes"),
            ),
            "post": {
                **_get("Hash an uploaded file (field photo or video)", [_TYPES], _ref("Hashes")),
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
                _ref("RawLookup"),
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
                    _ref("MatchesBySignalType"),
                ),
                "requestBody": _UPLOAD,
            },
        },
        "/m/index/status": {
            "get": _get("The indexes: present, built to, size", [_SIGNAL_TYPE], _ref("IndexStatus"))
        },
        "/c/banks": {"get": _get("The banks", [], {"type": "array", "items": _ref("Bank")})},
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
                    _ref("Bank"),
                ),
                "responses": {
                    "200": _answer("OK", _ref("Bank")),
                    **_ERRORS,
                    "404": _answer("No such bank", _ref("Error")),
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
                "200": {"description": "OK", "content": {"text/plain": {"schema": _STR}}},
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
            "schemas": {**_SCHEMAS, **_INTAKE_SCHEMAS},
        },
    }


def _curation_paths(paths: dict[str, Any]) -> None:
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    missing = {"404": _answer("No such bank", _ref("Error"))}
    added = _answer("The signals banked and the first entry's id", _ref("Banked"))
    paths["/c/banks"]["post"] = {
        "summary": "Create a bank (scope banks)",
        "requestBody": _json_body("BankCreate"),
        "responses": {"201": _answer("The bank", _ref("Bank")), **_ERRORS},
    }
    paths["/c/bank/{name}/signal"] = {
        "post": {
            "summary": "Bank hashes given as {signal_type: value} (scope banks)",
            "parameters": [name],
            "requestBody": {
                "required": True,
                "content": {_JSON: {"schema": _ref("Hashes")}},
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
                "200": _answer("How many were removed", _ref("Deleted")),
                **_ERRORS,
                **missing,
            },
        }
    }


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": _ref(schema)}}}


def _intake_paths() -> dict[str, Any]:
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
    room = {**case_id, "name": "room"}
    missing = {"404": _answer("No such case for this client", _ref("Error"))}
    busy = {"409": _answer("The same item is being checked right now", _ref("Error"))}
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
                    "content": {_JSON: {"schema": _ref("Item")}, **item_upload},
                },
                "responses": {"200": _answer("The verdict", _ref("Verdict")), **_ERRORS, **busy},
            }
        },
        "/v1/requests": {
            "post": {
                "summary": "A deletion request or report about an item",
                "requestBody": _json_body("DeletionRequest"),
                "responses": {"200": _answer("Its case", _ref("RequestAnswer")), **_ERRORS},
            }
        },
        "/v1/cases/{case_id}": {
            "get": {
                "summary": "One of this client's cases, with its decisions and effects",
                "parameters": [case_id],
                "responses": {
                    "200": _answer("The case", _ref("CaseWithHistory")),
                    **_ERRORS,
                    **missing,
                },
            }
        },
        "/v1/rooms/{room}/settings": {
            "get": {
                "summary": "A room's settings (scope submit or banks)",
                "parameters": [room],
                "responses": {"200": _answer("Its settings", _ref("RoomSettings")), **_ERRORS},
            },
            "put": {
                "summary": "Change a room's settings (scope banks; audited)",
                "parameters": [room],
                "requestBody": _json_body("RoomSettingsChange"),
                "responses": {"200": _answer("Its settings", _ref("RoomSettings")), **_ERRORS},
            },
        },
        "/v1/cases/{case_id}/decision": {
            "post": {
                "summary": "Decide one of this client's cases (scope decide)",
                "parameters": [case_id],
                "requestBody": _json_body("DecisionRequest"),
                "responses": {"200": _answer("The case", _ref("Case")), **_ERRORS, **missing},
            }
        },
    }


_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}


def _object(properties: dict[str, Any], required: list[str], closed: bool = True) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {**schema, "additionalProperties": False} if closed else schema


_CASE_FIELDS = {
    "id": _STR,
    "kind": _STR,
    "state": _STR,
    "category": _STR,
    "opened_at": _STR,
    "deadline": _STR,
    "removed": {"type": "boolean"},
    "dry_run": {"type": "boolean"},
    "reasons": {"type": "array", "items": _STR},
    "decided_by": _STR,
    "decided_at": _OPT_STR,
}
_SETTING_FIELDS = {
    "mode": {"enum": ["enforce", "dry-run"]},
    "language": {"enum": ["ko", "en"]},
    "notice": {"type": "boolean"},
    "sanction": {"enum": ["none", "restrict", "ban"]},
    "block_first": {
        "type": "array",
        "items": {"enum": ["illegal_filming", "deepfake", "csam", "other"]},
    },
    "trusted_reporters": {"type": "array", "items": {"type": "string"}, "maxItems": 200},
}
_INTAKE_SCHEMAS: dict[str, Any] = {
    "RoomSettings": _object(_SETTING_FIELDS, list(_SETTING_FIELDS)),
    "RoomSettingsChange": _object(_SETTING_FIELDS, []),
    "BankCreate": _object(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 64},
            "enabled": {"type": "boolean"},
            "enabled_ratio": {"type": "number", "minimum": 0, "maximum": 1},
            "action": {"enum": ["delete", "review"]},
            "category": {"enum": ["illegal_filming", "deepfake", "csam", "other"]},
        },
        ["name"],
    ),
    "Banked": _object(
        {"id": {"type": ["integer", "null"]}, "signals": _ref("Hashes")}, ["id", "signals"]
    ),
    "Deleted": _object({"deleted": {"type": "integer"}}, ["deleted"]),
    "Item": _object(
        {
            "item_id": {"type": "string", "minLength": 1, "maxLength": 128},
            "room": {"type": "string", "minLength": 1, "maxLength": 128},
            "room_title": {"type": "string", "maxLength": 200},
            "uploader": {"type": "string", "minLength": 1, "maxLength": 128},
            "uploader_name": {"type": "string", "maxLength": 200},
            "text": {"type": "string", "maxLength": 20000},
            "links": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
            "hashes": {
                "type": "array",
                "maxItems": 20,
                "items": _object({"signal_type": _STR, "value": _STR}, ["signal_type", "value"]),
            },
            "file_key": {"type": "string", "maxLength": 128},
        },
        ["item_id", "room", "uploader"],
    ),
    "Verdict": _object(
        {
            "item_id": _STR,
            "verdict": {"enum": ["delete", "review", "allow"]},
            "dry_run": {"type": "boolean"},
            "duplicate": {"type": "boolean"},
            "matches": {"type": "array", "items": {"$ref": "#/components/schemas/ItemMatch"}},
            "reasons": {"type": "array", "items": _STR},
            "case": {"anyOf": [{"$ref": "#/components/schemas/Case"}, {"type": "null"}]},
        },
        ["item_id", "verdict", "dry_run", "duplicate", "matches", "reasons", "case"],
    ),
    "ItemMatch": _object(
        {
            "bank": _STR,
            "entry_id": {"type": "integer"},
            "signal_type": _STR,
            "distance": {"type": "integer"},
            "band": {"enum": ["act", "review"]},
            "category": _STR,
        },
        ["bank", "entry_id", "signal_type", "distance", "band", "category"],
    ),
    "Case": _object(_CASE_FIELDS, list(_CASE_FIELDS)),
    "CaseWithHistory": _object(
        {
            **_CASE_FIELDS,
            "history": _object(
                {
                    "decisions": {"type": "array", "items": {"type": "object"}},
                    "effects": {"type": "array", "items": {"type": "object"}},
                },
                ["decisions", "effects"],
            ),
        },
        [*_CASE_FIELDS, "history"],
    ),
    "DeletionRequest": _object(
        {
            "category": {"enum": ["illegal_filming", "deepfake", "csam", "other"]},
            "item_id": {"type": "string", "maxLength": 128},
            "room": {"type": "string", "maxLength": 128},
            "uploader": {"type": "string", "maxLength": 128},
            "url": {"type": "string", "maxLength": 2048},
            "reporter": {"type": "string", "maxLength": 128},
            "text": {"type": "string", "maxLength": 20000},
            "authority": {"type": "boolean"},
            "trusted": {"type": "boolean"},
            "request_id": {"type": "string", "maxLength": 128},
            "language": {"enum": ["ko", "en"]},
        },
        ["category"],
    ),
    "RequestAnswer": _object(
        {"case": {"$ref": "#/components/schemas/Case"}, "block": {"type": "boolean"}},
        ["case", "block"],
    ),
    "DecisionRequest": _object(
        {
            "decision": {"enum": ["confirm", "overturn", "escalate"]},
            "reviewer": {"type": "string", "minLength": 1, "maxLength": 128},
            "note": {"type": "string", "maxLength": 2000},
            "ban": {"type": "boolean"},
        },
        ["decision", "reviewer"],
    ),
}

_MATCH = {
    "type": "object",
    "properties": {"bank_content_id": {"type": "integer"}, "distance": {"type": "string"}},
    "required": ["bank_content_id", "distance"],
    "additionalProperties": False,
}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
        "additionalProperties": False,
    },
    "Hashes": {"type": "object", "additionalProperties": {"type": "string"}},
    "Match": _MATCH,
    "RawLookup": {
        "type": "object",
        "properties": {
            "matches": {
                "type": "array",
                "items": {"anyOf": [{"type": "integer"}, {"$ref": "#/components/schemas/Match"}]},
            }
        },
        "required": ["matches"],
        "additionalProperties": False,
    },
    "MatchesByBank": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
    },
    "MatchesBySignalType": {
        "type": "object",
        "additionalProperties": {"$ref": "#/components/schemas/MatchesByBank"},
    },
    "IndexStatus": {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "present": {"type": "boolean"},
                "built_to": {"type": "integer"},
                "size": {"type": "integer"},
            },
            "required": ["present", "built_to", "size"],
            "additionalProperties": False,
        },
    },
    "Bank": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "matching_enabled_ratio": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["name", "matching_enabled_ratio"],
        "additionalProperties": False,
    },
}
