"""The JSON schemas of the API's bodies and answers, for its OpenAPI document."""

from typing import Any

from core.matching.text_rules import TextPlace

__all__ = ["SCHEMAS", "STRING", "ref"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}


def _object(properties: dict[str, Any], required: list[str], closed: bool = True) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {**schema, "additionalProperties": False} if closed else schema


_CASE_FIELDS = {
    "id": STRING,
    "kind": STRING,
    "state": STRING,
    "category": STRING,
    "opened_at": STRING,
    "deadline": STRING,
    "removed": {"type": "boolean"},
    "dry_run": {"type": "boolean"},
    "reasons": {"type": "array", "items": STRING},
    "decided_by": STRING,
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
        {"id": {"type": ["integer", "null"]}, "signals": ref("Hashes")}, ["id", "signals"]
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
            "file_names": {
                "type": "array",
                "items": {"type": "string", "maxLength": 255},
                "maxItems": 20,
                "description": "The names of the item's files, read by text rules",
            },
            "hashes": {
                "type": "array",
                "maxItems": 20,
                "items": _object(
                    {"signal_type": STRING, "value": STRING}, ["signal_type", "value"]
                ),
            },
            "file_key": {"type": "string", "maxLength": 128},
        },
        ["item_id", "room", "uploader"],
    ),
    "Verdict": _object(
        {
            "item_id": STRING,
            "verdict": {"enum": ["delete", "review", "allow"]},
            "dry_run": {"type": "boolean"},
            "duplicate": {"type": "boolean"},
            "matches": {"type": "array", "items": {"$ref": "#/components/schemas/ItemMatch"}},
            "reasons": {"type": "array", "items": STRING},
            "case": {"anyOf": [{"$ref": "#/components/schemas/Case"}, {"type": "null"}]},
        },
        ["item_id", "verdict", "dry_run", "duplicate", "matches", "reasons", "case"],
    ),
    "ItemMatch": _object(
        {
            "bank": STRING,
            "entry_id": {"type": "integer"},
            "signal_type": STRING,
            "distance": {"type": "integer"},
            "band": {"enum": ["act", "review"]},
            "category": STRING,
            "words": {"type": "string", "description": "A text rule's: the words that matched"},
            "place": {
                "enum": [p.value for p in TextPlace],
                "description": "A text rule's: where the words were",
            },
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
    "ObjectionRequest": _object(
        {
            "objector": {"type": "string", "minLength": 1, "maxLength": 128},
            "text": {"type": "string", "minLength": 1, "maxLength": 2000},
            "language": {"enum": ["ko", "en"]},
        },
        ["objector", "text"],
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


SCHEMAS: dict[str, Any] = {**_SCHEMAS, **_INTAKE_SCHEMAS}
