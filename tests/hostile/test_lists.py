"""Hostile hash lists: whatever bytes a list holds, each line is an entry, a skipped
row or a bad row naming its line; nothing else escapes and nothing is unbounded."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.banks import Entry
from core.formats import MAX_LINE, BadRow, ListFormat, Skipped, read_hash_list

PDQ = "f" * 64
HEADER = b"signal_type,signal_str,collab,category,tags\n"


def _rows(data: bytes, fmt: ListFormat, signal_type: str | None = None) -> list[object]:
    return list(read_hash_list(io.BytesIO(data), fmt, signal_type=signal_type))


@pytest.mark.parametrize(
    ("data", "fmt", "reason"),
    [
        (b"pdq " + b"f" * (MAX_LINE + 10) + b"\n", ListFormat.LINES, "line longer than"),
        (b"pdq \xff\xfe" + PDQ.encode() + b"\n", ListFormat.LINES, "not UTF-8"),
        (b"pdq " + PDQ.encode() + b"\x00\n", ListFormat.LINES, "hex"),
        (PDQ.encode() + b",1,99999999999999999999,t\n", ListFormat.HMA_CSV, "Unix time"),
        (PDQ.encode() + b",1,9999-99-99,t\n", ListFormat.HMA_CSV, "not a date"),
        (b"vpdq " + b"[" * 100_000 + b"\n", ListFormat.LINES, "vpdq"),
        (b"vpdq " + json.dumps(["x"] * 5).encode() + b"\n", ListFormat.LINES, "vpdq"),
        (HEADER + b'pdq,"' + b"a" * 200_000 + b'",c,x,t\n', ListFormat.PYTX_CSV, "fields"),
        (HEADER + b'pdq,"unterminated,c,x,t\n', ListFormat.PYTX_CSV, "fields"),
        (b"nosuchtype abc\n", ListFormat.LINES, "unknown signal type"),
    ],
    ids=[
        "long-line",
        "not-utf8",
        "nul",
        "huge-unix-time",
        "bad-date",
        "json-nesting-bomb",
        "vpdq-garbage",
        "huge-csv-field",
        "unterminated-quote",
        "unknown-type",
    ],
)
def test_a_hostile_row_is_a_bad_row_naming_its_line(
    data: bytes, fmt: ListFormat, reason: str
) -> None:
    rows = _rows(data, fmt, "pdq" if fmt is ListFormat.HMA_CSV else None)
    bad = [r for r in rows if isinstance(r, BadRow)]
    assert len(bad) == 1, rows
    assert bad[0].line == (2 if fmt is ListFormat.PYTX_CSV else 1)
    assert reason in bad[0].reason


def test_good_rows_around_bad_ones_still_import() -> None:
    data = b"\xef\xbb\xbfpdq " + PDQ.encode() + b"\r\n\xff\n\n# note\npdq " + b"e" * 64 + b"\n"
    rows = _rows(data, ListFormat.LINES)
    assert [type(r) for r in rows] == [Entry, BadRow, Entry]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(list(ListFormat)),
    lines=st.lists(st.binary(max_size=300) | st.text(max_size=300).map(str.encode), max_size=12),
)
def test_any_bytes_give_only_rows_or_one_clear_error(fmt: ListFormat, lines: list[bytes]) -> None:
    header = {ListFormat.PYTX_CSV: HEADER, ListFormat.RULES_CSV: b"type,value,note\n"}
    data = header.get(fmt, b"") + b"\n".join(lines)
    rows = _rows(data, fmt, "pdq")
    assert all(isinstance(r, Entry | BadRow | Skipped) for r in rows)
