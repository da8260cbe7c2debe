import io
import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.banks import Entry
from core.errors import InputError
from core.formats import (
    MAX_LINE,
    BadRow,
    ListFormat,
    Skipped,
    detect_format,
    read_hash_list,
    write_hash_list,
)

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"


def read(text: str, fmt: ListFormat, **kwargs: str) -> list[object]:
    return list(read_hash_list(io.BytesIO(text.encode()), fmt, **kwargs))


def test_pytx_csv() -> None:
    text = (
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ.upper()},StopNCII,POSITIVE_CLASS,ncii adult\n"
        f"md5,{MD5},StopNCII,INVESTIGATION_SEED,\n"
        f"pdq,{PDQ[:-1]}0,Test,NEGATIVE_CLASS,\n"
    )
    rows = read(text, ListFormat.PYTX_CSV)
    assert rows[0] == Entry(
        "pdq", PDQ, source="StopNCII", tags=("category:POSITIVE_CLASS", "ncii", "adult")
    )
    assert rows[1] == Entry("md5", MD5, source="StopNCII", tags=("category:INVESTIGATION_SEED",))
    assert isinstance(rows[2], Skipped)
    assert rows[2].line == 4


def test_pytx_csv_needs_its_header() -> None:
    with pytest.raises(InputError, match="line 1: expected the header"):
        read(f"pdq,{PDQ},x,y,z\n", ListFormat.PYTX_CSV)


def test_hma_csv() -> None:
    text = (
        f'{PDQ},12345,2020-07-31T18:47:45+00:00,"tag1 tag2"\n'
        f"{PDQ[:-1]}1,99,1596221265\n"
        f"{PDQ[:-1]}2\n"
        f"{PDQ[:-1]}3,1,yesterday,\n"
    )
    rows = read(text, ListFormat.HMA_CSV, source="hma")
    stamp = datetime(2020, 7, 31, 18, 47, 45, tzinfo=UTC)
    assert rows[0] == Entry("pdq", PDQ, "hma", "12345", tags=("tag1", "tag2"), added_at=stamp)
    assert rows[1] == Entry(
        "pdq", PDQ[:-1] + "1", "hma", "99", added_at=datetime.fromtimestamp(1596221265, UTC)
    )
    assert rows[2] == Entry("pdq", PDQ[:-1] + "2", "hma")
    assert rows[3] == BadRow(4, "added_on 'yesterday' is not a date or Unix time")


def test_hma_csv_with_another_type() -> None:
    assert read(f"{MD5},1\n", ListFormat.HMA_CSV, signal_type="md5") == [
        Entry("md5", MD5, external_id="1")
    ]


def test_plain_lines() -> None:
    text = f"# a comment\npdq {PDQ}\n\n{MD5}\nmd5 {MD5} extra\n"
    rows = read(text, ListFormat.LINES)
    assert rows == [
        Entry("pdq", PDQ),
        BadRow(4, "bare value without a signal type (give --type)"),
        BadRow(5, "expected '[allow] <signal_type> <value>'"),
    ]
    assert read(f"{MD5}\n", ListFormat.LINES, signal_type="md5") == [Entry("md5", MD5)]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"pdq {'0' * 64}", "all zeros"),
        (f"pdq {PDQ[:-2]}", "64 hex digits, got 62"),
        (f"pdq {PDQ[:-1]}g", "hexadecimal"),
        (f"tlsh {PDQ}", "unknown signal type 'tlsh'"),
    ],
)
def test_bad_rows_name_their_line_and_reason(line: str, reason: str) -> None:
    rows = read(f"md5 {MD5}\n{line}\n", ListFormat.LINES)
    assert isinstance(rows[1], BadRow)
    assert rows[1].line == 2
    assert reason in rows[1].reason


@pytest.mark.parametrize("fmt", list(ListFormat))
def test_bom_crlf_and_trailing_blanks(fmt: ListFormat) -> None:
    body = {
        ListFormat.PYTX_CSV: (
            f"signal_type,signal_str,collab,category,tags\r\npdq,{PDQ},c,POSITIVE_CLASS,t  \r\n"
        ),
        ListFormat.HMA_CSV: f"{PDQ},1,,t \r\n  \r\n",
        ListFormat.LINES: f"pdq {PDQ}   \r\n\r\n",
        ListFormat.RULES_CSV: f"type,value\r\npdq,{PDQ}  \r\n\r\n",
    }[fmt]
    rows = read("\ufeff" + body, fmt)
    assert len(rows) == 1
    assert isinstance(rows[0], Entry)
    assert rows[0].value == PDQ


def test_an_overlong_line_is_one_bad_row_and_reading_goes_on() -> None:
    rows = read(f"pdq {'a' * (MAX_LINE * 3)}\nmd5 {MD5}\n", ListFormat.LINES)
    assert rows == [BadRow(1, f"line longer than {MAX_LINE} bytes"), Entry("md5", MD5)]


def test_a_non_utf8_line_is_a_bad_row() -> None:
    data = b"md5 " + MD5.encode() + b"\n\xff\xfe\nmd5 " + MD5.encode() + b"\n"
    rows = list(read_hash_list(io.BytesIO(data), ListFormat.LINES))
    assert rows == [
        Entry("md5", MD5),
        BadRow(2, "not UTF-8 text (invalid start byte)"),
        Entry("md5", MD5),
    ]


def test_reading_streams_without_holding_the_file() -> None:
    class Endless(io.RawIOBase):
        calls = 0

        def readline(self, size: int | None = -1) -> bytes:
            self.calls += 1
            return f"md5 {MD5}\n".encode()

    stream = Endless()
    rows = read_hash_list(stream, ListFormat.LINES)  # type: ignore[arg-type]
    assert len(list(itertools.islice(rows, 5000))) == 5000
    assert stream.calls == 5000


@pytest.mark.parametrize(
    ("first", "fmt"),
    [
        ("\ufeffsignal_type,signal_str,collab,category,tags", ListFormat.PYTX_CSV),
        (f"{PDQ},1,2020-01-01,", ListFormat.HMA_CSV),
        (f"pdq {PDQ}", ListFormat.LINES),
        ("", ListFormat.LINES),
    ],
)
def test_detect_format(first: str, fmt: ListFormat) -> None:
    assert detect_format(first) is fmt


ENTRIES = [
    Entry(
        "pdq",
        PDQ,
        "StopNCII",
        "ext-1",
        tags=("category:POSITIVE_CLASS", "ncii"),
        added_at=datetime(2026, 1, 2, tzinfo=UTC),
    ),
    Entry(
        "md5", MD5, "StopNCII", "ext-2", tags=("ncii",), added_at=datetime(2026, 1, 3, tzinfo=UTC)
    ),
]


def test_pytx_round_trip_keeps_type_value_collab_category_and_tags() -> None:
    out = io.StringIO()
    write_hash_list(ENTRIES, ListFormat.PYTX_CSV, out)
    rows = read(out.getvalue(), ListFormat.PYTX_CSV)
    assert rows == [
        Entry("pdq", PDQ, "StopNCII", tags=("category:POSITIVE_CLASS", "ncii")),
        # no category recorded: pytx needs one, and a banked hash is a positive
        Entry("md5", MD5, "StopNCII", tags=("category:POSITIVE_CLASS", "ncii")),
    ]


def test_hma_round_trip_keeps_id_date_and_tags() -> None:
    out = io.StringIO()
    assert write_hash_list(ENTRIES, ListFormat.HMA_CSV, out) == 1  # PDQ only
    (row,) = read(out.getvalue(), ListFormat.HMA_CSV)
    assert row == Entry(
        "pdq", PDQ, external_id="ext-1", tags=ENTRIES[0].tags, added_at=ENTRIES[0].added_at
    )


def test_lines_round_trip() -> None:
    out = io.StringIO()
    write_hash_list(ENTRIES, ListFormat.LINES, out)
    assert read(out.getvalue(), ListFormat.LINES) == [Entry("pdq", PDQ), Entry("md5", MD5)]


def test_export_of_one_type_only() -> None:
    out = io.StringIO()
    assert write_hash_list(ENTRIES, ListFormat.LINES, out, signal_type="md5") == 1
    assert out.getvalue() == f"md5 {MD5}\n"


def test_pytx_export_in_pieces_writes_one_header() -> None:
    out = io.StringIO()
    write_hash_list(ENTRIES[:1], ListFormat.PYTX_CSV, out)
    write_hash_list(ENTRIES[1:], ListFormat.PYTX_CSV, out, header=False)
    assert out.getvalue().count("signal_type,signal_str") == 1
    assert len(out.getvalue().splitlines()) == 3


def test_allow_rules_in_plain_lines_round_trip() -> None:
    rows = read(
        "allow domain Example.COM\ndomain evil.example\nallow t.me/+AbC1\n",
        ListFormat.LINES,
        signal_type="tg_invite",
    )
    assert rows == [
        Entry("domain", "example.com", allow=True),
        Entry("domain", "evil.example"),
        Entry("tg_invite", "AbC1", allow=True),
    ]
    out = io.StringIO()
    write_hash_list(rows, ListFormat.LINES, out)  # type: ignore[arg-type]
    assert out.getvalue() == "allow domain example.com\ndomain evil.example\nallow tg_invite AbC1\n"


def test_a_rules_csv_names_its_columns_in_any_order_with_notes_and_allow_rules() -> None:
    body = (
        "Value,Type,Note,Allow\n"
        '"딥페이크, 판매",text,seen in a selling channel,\n'
        "딥페이크 예방 교육,text,prevention education,yes\n"
        "cam,text_word,,\n"
        "example.com,domain,=HYPERLINK(1),no\n"
        "bad,nonsense,,\n"
        "too,many,fields,here,now\n"
    )
    rows = read(body, ListFormat.RULES_CSV)
    assert rows[:4] == [
        Entry("text", "딥페이크판매", note="seen in a selling channel"),
        Entry("text", "딥페이크예방교육", note="prevention education", allow=True),
        Entry("text_word", "cam"),
        Entry("domain", "example.com", note="=HYPERLINK(1)"),
    ]
    assert isinstance(rows[4], BadRow)
    assert (rows[4].line, rows[4].reason[:30]) == (6, "unknown signal type 'nonsense'")
    assert rows[5] == BadRow(7, "expected 4 comma-separated fields")


@pytest.mark.parametrize("header", ["value,note", "type,value,colour", "type,type,value", "", "a"])
def test_a_rules_csv_without_its_columns_is_refused_at_its_header(header: str) -> None:
    with pytest.raises(InputError, match="line 1: expected a header naming the columns"):
        read(f"{header or ','}\ntext,hello\n", ListFormat.RULES_CSV)


def test_rules_lists_are_read_as_lines_even_with_commas_unless_headed() -> None:
    assert detect_format("팝니다, 연락주세요") is ListFormat.HMA_CSV
    assert detect_format("팝니다, 연락주세요", rules=True) is ListFormat.LINES
    assert detect_format("\ufefftype,value,note", rules=True) is ListFormat.RULES_CSV
    assert detect_format("TYPE , VALUE") is ListFormat.RULES_CSV


def test_a_rules_csv_export_reads_back_the_same_and_is_safe_in_a_spreadsheet() -> None:
    entries = [
        Entry("text", "딥페이크판매", note="=cmd|' /C calc'!A0"),
        Entry("text_re", "딥.{0,2}페이크", allow=True),
    ]
    out = io.StringIO()
    assert write_hash_list(entries, ListFormat.RULES_CSV, out) == 2
    assert out.getvalue().splitlines()[0] == "type,value,note,allow"
    assert "'=cmd" in out.getvalue()
    back = read(out.getvalue(), ListFormat.RULES_CSV)
    assert back == [replace(entries[0], note="'=cmd|' /C calc'!A0"), entries[1]]
