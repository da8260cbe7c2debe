"""Hash-list import and export, streamed a line at a time.

- ``pytx-csv``: python-threatexchange's ``tx dataset --csv``, with the header
  ``signal_type,signal_str,collab,category,tags`` (tags space-separated). The
  collab becomes the entry's source, the category a ``category:NAME`` tag; a
  ``NEGATIVE_CLASS`` row (the list says: false positive or test data) is
  skipped, never banked.
- ``hma-csv``: HMA's headerless ``hash,indicator_id,added_on,"tag tag"``, PDQ
  unless another type is given.
- ``lines``: ``<signal_type> <hash>`` per line, or a bare hash with a type
  given; ``#`` starts a comment line.
- ``rules-csv``: a header naming the columns ``type`` and ``value``, and, if
  wanted, ``note`` and ``allow`` (``yes``/``1``/``true``/``allow``: an allow
  rule), in any order: a list kept in a spreadsheet (links, text rules).

Readers take bytes and yield an ``Entry`` per good row and a ``BadRow`` (line
number and why) per bad one, a line that is not UTF-8 included; a byte-order
mark, CRLF line ends, blank lines and trailing blanks are fine. Lines are read
with a length bound, so a hostile file cannot make one huge allocation.
"""

import csv
import enum
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol, TextIO

from core.banks import Entry
from core.errors import InputError
from core.signals import get_signal_type

__all__ = [
    "MAX_LINE",
    "BadRow",
    "ByteLines",
    "ListFormat",
    "Skipped",
    "detect_format",
    "parse_format",
    "read_hash_list",
    "resolve_format",
    "spreadsheet_safe",
    "write_hash_list",
]

MAX_LINE = 1024 * 1024  # a 10-minute vPDQ list is ~45 KiB
_MAX_NOTE = 500
_PYTX_HEADER = ["signal_type", "signal_str", "collab", "category", "tags"]
_RULES_HEADER = ["type", "value", "note", "allow"]
_RULES_NEEDED = {"type", "value"}
_YES = {"1", "yes", "true", "allow", "y"}
_CATEGORY = "category:"
_NEGATIVE = "NEGATIVE_CLASS"


class ByteLines(Protocol):
    """What the readers need of a stream: a file opened 'rb', stdin's buffer, BytesIO."""

    def readline(self, size: int = -1, /) -> bytes: ...


class ListFormat(enum.Enum):
    PYTX_CSV = "pytx-csv"
    HMA_CSV = "hma-csv"
    LINES = "lines"
    RULES_CSV = "rules-csv"


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A well-formed row deliberately not imported (e.g. marked a false positive)."""

    line: int
    reason: str


Row = Entry | BadRow | Skipped
_RowReader = Callable[[int, str, str | None, str], Row]  # (line number, text, type, source)


def read_hash_list(
    stream: ByteLines,
    fmt: ListFormat,
    *,
    signal_type: str | None = None,
    source: str = "",
    types: Collection[str] | None = None,
) -> Iterator[Row]:
    """Parse ``stream`` row by row. ``signal_type`` types bare values (lines, hma-csv);
    ``types``, if given, are the only signal types accepted (others are bad rows)."""
    default_type = get_signal_type(signal_type).name if signal_type else None
    parse: _RowReader | None = {
        ListFormat.PYTX_CSV: _pytx_row,
        ListFormat.HMA_CSV: _hma_row,
        ListFormat.LINES: _plain_row,
    }.get(fmt)
    header_pending = fmt in (ListFormat.PYTX_CSV, ListFormat.RULES_CSV)
    for number, text in _bounded_lines(stream):
        if isinstance(text, BadRow):
            yield text
        elif not text.strip() or (fmt is ListFormat.LINES and text.lstrip().startswith("#")):
            continue
        elif header_pending:
            header = [f.strip().lower() for f in _csv_fields(text) or []]
            if fmt is ListFormat.RULES_CSV:
                parse = _rules_reader(number, header)
            elif header != _PYTX_HEADER:
                raise InputError(f"line {number}: expected the header {','.join(_PYTX_HEADER)}")
            header_pending = False
        else:
            assert parse is not None
            row = parse(number, text, default_type, source)
            if types is not None and isinstance(row, Entry) and row.signal_type not in types:
                row = BadRow(number, f"{row.signal_type} does not belong in this list")
            yield row


def _bounded_lines(stream: ByteLines) -> Iterator[tuple[int, str | BadRow]]:
    """``(number, text)`` per line, without line end or BOM, or why the line is unreadable."""
    number = 0
    while line := stream.readline(MAX_LINE + 1):
        number += 1
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            yield number, BadRow(number, f"line longer than {MAX_LINE} bytes")
            continue
        try:
            yield number, line.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, BadRow(number, f"not UTF-8 text ({exc.reason})")


def _pytx_row(number: int, text: str, _type: str | None, _source: str) -> Row:
    fields = _csv_fields(text)
    if fields is None or len(fields) != len(_PYTX_HEADER):
        return BadRow(number, f"expected {len(_PYTX_HEADER)} comma-separated fields")
    type_name, value, collab, category, tags = (f.strip() for f in fields)
    if category.upper() == _NEGATIVE:
        return Skipped(number, "category NEGATIVE_CLASS (a false positive or test data)")
    all_tags = (f"{_CATEGORY}{category}",) if category else ()
    return _entry(number, type_name, value, collab, tags=all_tags + tuple(tags.split()))


def _hma_row(number: int, text: str, signal_type: str | None, source: str) -> Row:
    fields = _csv_fields(text)
    if fields is None or not 1 <= len(fields) <= 4:
        return BadRow(number, "expected hash,indicator_id,added_on,tags")
    value, external_id, added_on, tags = (*(f.strip() for f in fields), "", "", "")[:4]
    try:
        added_at = _timestamp(added_on)
    except (ValueError, OverflowError, OSError):  # a date past year 9999, say
        return BadRow(number, f"added_on {added_on[:40]!r} is not a date or Unix time")
    return _entry(
        number,
        signal_type or "pdq",
        value,
        source,
        external_id=external_id,
        tags=tuple(tags.split()),
        added_at=added_at,
    )


def _plain_row(number: int, text: str, signal_type: str | None, source: str) -> Row:
    """``[allow] <signal_type> <value>``, or ``[allow] <value>`` with a type given.
    A value may contain spaces only after a type (a vPDQ list is JSON, a text rule a
    phrase); with ``--type text`` a whole line is one phrase."""
    text = text.strip()
    allow = text.startswith("allow ")
    body = text.removeprefix("allow ").strip()
    words = body.split(None, 1)
    if signal_type == TEXT and words and words[0] != TEXT:
        row = _entry(number, TEXT, body, source)
    elif len(words) == 2 and (" " not in words[1] or words[1].startswith("[") or words[0] == TEXT):
        row = _entry(number, words[0], words[1], source)
    elif len(words) == 1 and signal_type:
        row = _entry(number, signal_type, words[0], source)
    elif len(words) == 1:
        return BadRow(number, "bare value without a signal type (give --type)")
    else:
        return BadRow(number, "expected '[allow] <signal_type> <value>'")
    return replace(row, allow=True) if allow and isinstance(row, Entry) else row


TEXT = "text"  # the text rules' signal type, whose values are phrases


def _rules_reader(number: int, header: list[str]) -> _RowReader:
    """A row reader for a rules-csv file whose header (line ``number``) is ``header``."""
    missing = _RULES_NEEDED - set(header)
    unknown = set(header) - set(_RULES_HEADER)
    if missing or unknown or len(set(header)) != len(header):
        raise InputError(
            f"line {number}: expected a header naming the columns type and value, and "
            f"if wanted note and allow (got {','.join(header)[:120]!r})"
        )
    column = {name: header.index(name) for name in header}

    def row(number: int, text: str, signal_type: str | None, source: str) -> Row:
        fields = _csv_fields(text)
        if fields is None or len(fields) != len(header):
            return BadRow(number, f"expected {len(header)} comma-separated fields")
        cell = {name: fields[i].strip() for name, i in column.items()}
        type_name = cell["type"] or signal_type or ""
        entry = _entry(number, type_name, cell["value"], source, note=cell.get("note", ""))
        allow = cell.get("allow", "").lower() in _YES
        return replace(entry, allow=True) if allow and isinstance(entry, Entry) else entry

    return row


def _entry(
    number: int,
    type_name: str,
    value: str,
    source: str = "",
    *,
    external_id: str = "",
    tags: tuple[str, ...] = (),
    added_at: datetime | None = None,
    note: str = "",
) -> Entry | BadRow:
    try:
        signal_type = get_signal_type(type_name)
        canonical = signal_type.canonical(value)
    except InputError as exc:
        return BadRow(number, str(exc))
    return Entry(
        signal_type.name, canonical, source, external_id,
        note=note[:_MAX_NOTE], tags=tags, added_at=added_at,
    )  # fmt: skip


def _csv_fields(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text], strict=True))
    except (csv.Error, StopIteration):
        return None


def _timestamp(text: str) -> datetime | None:
    if not text:
        return None
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), UTC)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def detect_format(first_line: str, *, rules: bool = False) -> ListFormat:
    """Guess a list's format from its first line: a header, commas, or neither.
    ``rules``: a list of rules (links, text), whose lines may hold commas."""
    text = first_line.removeprefix("\ufeff").strip()
    header = [f.strip().lower() for f in _csv_fields(text) or []]
    if header == _PYTX_HEADER:
        return ListFormat.PYTX_CSV
    if _RULES_NEEDED <= set(header) <= set(_RULES_HEADER):
        return ListFormat.RULES_CSV
    return ListFormat.HMA_CSV if "," in text and not rules else ListFormat.LINES


def parse_format(text: str) -> ListFormat:
    try:
        return ListFormat(text)
    except ValueError as exc:
        known = ", ".join(f.value for f in ListFormat)
        raise InputError(f"format {text[:40]!r}: expected one of {known}") from exc


def resolve_format(fmt: str, stream: ByteLines, *, rules: bool = False) -> ListFormat:
    """The asked-for format; 'auto' looks at the first line without consuming it
    (``rules``: as ``detect_format``)."""
    if fmt != "auto":
        return parse_format(fmt)
    seekable = getattr(stream, "seekable", lambda: False)()
    if seekable:
        first = stream.readline(4096)
        stream.seek(0)  # type: ignore[attr-defined]
    else:  # a pipe: standard input is a BufferedReader, which can peek
        first = getattr(stream, "peek", lambda _size: b"")(4096).split(b"\n", 1)[0]
    return detect_format(first.decode("utf-8", errors="replace"), rules=rules)


def write_hash_list(
    entries: Iterable[Entry],
    fmt: ListFormat,
    out: TextIO,
    *,
    signal_type: str | None = None,
    header: bool = True,
) -> int:
    """Write ``entries`` (only ``signal_type``'s, if given; hma-csv: PDQ by default).

    ``header=False`` continues a pytx-csv export written in several calls.
    """
    if fmt is ListFormat.HMA_CSV:
        signal_type = signal_type or "pdq"
    wanted = get_signal_type(signal_type).name if signal_type else None
    writer = csv.writer(out, lineterminator="\n")
    if fmt in (ListFormat.PYTX_CSV, ListFormat.RULES_CSV) and header:
        writer.writerow(_PYTX_HEADER if fmt is ListFormat.PYTX_CSV else _RULES_HEADER)
    written = 0
    for entry in entries:
        if wanted and entry.signal_type != wanted:
            continue
        if fmt is ListFormat.LINES:
            out.write(f"{'allow ' if entry.allow else ''}{entry.signal_type} {entry.value}\n")
        else:
            writer.writerow(_csv_row(entry, fmt))
        written += 1
    return written


def _csv_row(entry: Entry, fmt: ListFormat) -> list[str]:
    """A row; the free-text fields (source, category, tags, ids from a third party's
    list) are made safe to open in a spreadsheet."""
    categories = [t.removeprefix(_CATEGORY) for t in entry.tags if t.startswith(_CATEGORY)]
    tags = spreadsheet_safe(" ".join(t for t in entry.tags if not t.startswith(_CATEGORY)))
    if fmt is ListFormat.RULES_CSV:
        return [entry.signal_type, entry.value, spreadsheet_safe(entry.note), _yes(entry.allow)]
    if fmt is ListFormat.PYTX_CSV:
        category = spreadsheet_safe(categories[0]) if categories else "POSITIVE_CLASS"
        return [entry.signal_type, entry.value, spreadsheet_safe(entry.source), category, tags]
    added = entry.added_at.isoformat() if entry.added_at else ""
    safe_tags = spreadsheet_safe(" ".join(entry.tags))
    return [entry.value, spreadsheet_safe(entry.external_id), added, safe_tags]


def _yes(allow: bool) -> str:
    return "yes" if allow else ""


# A cell a spreadsheet would run as a formula (CSV injection): =, +, -, @, tab, CR,
# and their full-width forms, which some spreadsheets accept too.
_FORMULA = tuple("=+-@\t\r＝＋－＠")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA) else cell
