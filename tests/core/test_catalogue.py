"""The message catalogue is complete: every message in both languages with the same
fields, every key the code says exists, every key exists for a reason, and no
adapter speaks to a person outside it."""

import ast
import re
import string
from pathlib import Path

import pytest

from core.policy import LANGUAGES
from core.texts import DYNAMIC_KEYS, catalogue, say

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "bots" / "web" / "templates").glob("*.html"))
SOURCES = [
    p
    for folder in ("core", "adapters", "bots")
    for p in (ROOT / folder).rglob("*.py")
    if "__pycache__" not in p.parts
]
# The adapters that talk to people in chats; what they send must come from the catalogue.
SPEAKERS = [
    p for p in SOURCES if p.parts[-3:-1] in (("adapters", "telegram"), ("adapters", "discord"))
]
# Calls that put words in front of a person, and the arguments that carry them.
SPEAKING_CALLS = {"reply_text", "answer", "send_message", "send", "edit_message_text"}
WORDED_KEYWORDS = {"text", "content", "description", "label", "caption", "name"}
# A command's name is an identifier ("status"), unless it has a space ("Report message").
IDENTIFIER_KEYWORDS = {"name"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_message_is_in_both_languages_with_the_same_fields(key: str) -> None:
    entry = catalogue()[key]
    assert set(entry) == set(LANGUAGES), f"{key}: has {sorted(entry)}, needs {LANGUAGES}"
    assert all(entry[lang].strip() for lang in LANGUAGES), f"{key}: an empty message"
    assert fields(entry["ko"]) == fields(entry["en"]), f"{key}: the two differ in fields"


def test_every_key_the_code_asks_for_exists_and_every_key_is_asked_for() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in [*SOURCES, *TEMPLATES])
    asked = set(re.findall(r"""(?:\bt|say|localized|Said)\(\s*["']([a-z_]+)["']""", code))
    asked |= set(re.findall(r"""["'](right_[a-z_]+)["']""", code))
    asked -= set(DYNAMIC_KEYS)  # t("state_" + ...): a prefix, checked by its users' tests
    assert asked - set(catalogue()) == set(), "asked for but not in core/messages.toml"
    unused = {
        key
        for key in catalogue()
        if key not in asked and not key.startswith(DYNAMIC_KEYS) and f'"{key}"' not in code
    }
    assert unused == set(), "in core/messages.toml but never said"


def test_a_message_reads_in_the_language_asked_for() -> None:
    assert say("case_ref", "ko", case_id="AB12") == "사건 AB12"
    assert say("case_ref", "en", case_id="AB12") == "Case AB12"
    assert say("case_ref", "ja", case_id="AB12") == "Case AB12"  # not ours: English


def _worded(node: ast.expr) -> bool:
    """A literal a person would read: a string or f-string with two letters or more."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(re.findall(r"[A-Za-z\uac00-\ud7a3]", node.value)) >= 2
    if isinstance(node, ast.JoinedStr):
        return any(_worded(v) for v in node.values if isinstance(v, ast.Constant))
    return False


def _text(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else " "


def spoken_literals(source: str) -> list[int]:
    """Lines where a speaking call or a worded keyword is given a literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        args = list(node.args) if name in SPEAKING_CALLS else []
        args += [
            k.value
            for k in node.keywords
            if k.arg in WORDED_KEYWORDS
            and not (k.arg in IDENTIFIER_KEYWORDS and re.fullmatch(r"[\w-]+", _text(k.value)))
        ]
        found += [node.lineno for arg in args if _worded(arg)]
    return found


@pytest.mark.parametrize("path", SPEAKERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_adapters_say_nothing_outside_the_catalogue(path: Path) -> None:
    assert spoken_literals(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_literal_sent_to_a_person() -> None:
    """The lint above can fail: each way of writing words inline is caught."""
    assert spoken_literals('await m.reply_text("Only admins may do that.")') == [1]
    assert spoken_literals('await q.answer(f"Case {case.id}: done")') == [1]
    assert spoken_literals('Group(name="x", description="the settings")') == [1]
    assert spoken_literals('ContextMenu(name="Report message", callback=f)') == [1]
    assert spoken_literals('Group(name="blockfirst", description=localized("x"))') == []
    assert spoken_literals('await m.reply_text(say("admins_only", language))') == []
