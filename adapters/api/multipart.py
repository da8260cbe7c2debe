"""One uploaded file from a multipart/form-data body, in memory only.

Starlette's form parser spools a file part over 1 MiB to a temporary file;
blockfirst never writes media to disk, so uploads are read here instead, with
python-multipart's streaming parser, into memory bounded by the body limit.
"""

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from core.errors import InputError

__all__ = ["Form", "Upload", "read_form", "read_upload"]

_MAX_FIELD = 256 * 1024  # a form field that is not a file (an item's JSON)


@dataclass(slots=True)
class Upload:
    name: str = ""  # the form field's name: HMA's content type, photo or video
    data: bytearray = field(default_factory=bytearray)
    file: bool = False


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, str]
    files: list[Upload]


async def read_upload(request: Request) -> Upload:
    """The one file part of the request: its field name and bytes."""
    files = (await read_form(request)).files
    if not files:
        raise InputError("Missing multipart/form-data file upload")
    if len(files) > 1:
        raise InputError("Only one file allowed per request")
    return files[0]


async def read_form(request: Request) -> Form:
    """Every part of a multipart body: text fields (each bounded) and files."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InputError("expected a multipart/form-data upload")
    parts: list[Upload] = []
    header: dict[str, bytearray] = {"name": bytearray(), "value": bytearray()}
    headers: dict[bytes, bytes] = {}

    def on_part_begin() -> None:
        headers.clear()
        parts.append(Upload())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        headers[bytes(header["name"]).lower()] = bytes(header["value"])
        header["name"], header["value"] = bytearray(), bytearray()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        parts[-1].name = disposition.get(b"name", b"").decode("utf-8", "replace")
        parts[-1].file = b"filename" in disposition

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = parts[-1]
        part.data += data[start:end]
        if not part.file and len(part.data) > _MAX_FIELD:
            raise InputError(f"form field {part.name[:40]!r} is over {_MAX_FIELD} bytes")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ValueError as exc:  # python-multipart's errors derive from it
        raise InputError(f"malformed multipart body: {exc}") from exc
    fields = {p.name: p.data.decode("utf-8", "replace") for p in parts if not p.file}
    return Form(fields, [p for p in parts if p.file])
