"""Banks: counts, enable/disable, create, import a list (the CLI's bad-row report), export.

Every change is audited with the account's name. When this process also runs
the bots, their matcher follows the change at once; other processes follow the
store's bank change log within seconds.
"""

from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bots.web.context import Ctx, view
from core.accounts import Permission
from core.audit import AuditRecord
from core.bank_lists import export_chunks, import_rows
from core.banks import Bank, check_bank_name
from core.errors import InputError, Said
from core.formats import ListFormat, parse_format, read_hash_list, resolve_format
from core.model import CATEGORIES, BankAction

__all__ = ["routes"]

_MEDIA_TYPES = {"lines": "text/plain", "pytx-csv": "text/csv", "hma-csv": "text/csv"}


@view()
async def banks_page(ctx: Ctx) -> Response:
    summaries = await ctx.store.list_banks()
    return ctx.render(
        "banks.html",
        banks=summaries,
        formats=[f.value for f in ListFormat],
        categories=CATEGORIES,
        actions=[a.value for a in BankAction],
    )


async def _changed(ctx: Ctx, kind: str, bank: str, reason: str) -> None:
    """Audit a bank change, and apply it to this process's bots now, if any."""
    record = AuditRecord(kind=kind, bank=bank, actor=ctx.me.actor, reason=reason)
    live = ctx.state.live
    await live.moderator.note(record)
    if live.hosts_bots:
        await live.moderator.follow_banks()


@view(Permission.MANAGE_BANKS)
async def create_bank(ctx: Ctx) -> Response:
    name = check_bank_name(ctx.field("name").strip())
    try:
        action = BankAction(ctx.field("action", "delete"))
    except ValueError as exc:
        raise InputError(f"action: {exc}") from exc
    bank = Bank(
        name, action, ctx.field("description")[:500], category=ctx.field("category", "other")
    )
    await ctx.store.create_bank(bank)
    await _changed(ctx, "bank_created", name, f"{action.value}, {bank.category}")
    return ctx.redirect("/banks", ctx.say("web_bank_created", name=name))


@view(Permission.MANAGE_BANKS)
async def toggle_bank(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    enabled = ctx.request.url.path.endswith("/enable")
    await ctx.store.get_bank(name)
    await ctx.store.set_bank_enabled(name, enabled)
    verb = "enabled" if enabled else "disabled"
    await _changed(ctx, f"bank_{verb}", name, verb)
    return ctx.redirect("/banks", ctx.say(f"web_bank_{verb}", name=name))


@view(Permission.MANAGE_BANKS)
async def import_list(ctx: Ctx) -> Response:
    """Import an uploaded list into the bank in one transaction; show the report."""
    name = ctx.request.path_params["name"]
    await ctx.store.get_bank(name)
    assert ctx.form is not None
    upload = ctx.form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InputError("file: choose a hash list to upload", said=Said("web_choose_file"))
    signal_type = ctx.field("type").strip() or None
    source = ctx.field("source").strip()[:200] or upload.filename[:200]
    stream = upload.file
    rows = read_hash_list(
        stream,
        resolve_format(ctx.field("format", "auto"), stream),
        signal_type=signal_type,
        source=source,
    )
    strict = ctx.field("strict") == "1"
    report = await import_rows(ctx.store, name, rows, strict=strict, added_by=ctx.me.actor)
    await _changed(ctx, "bank_import", name, f"{upload.filename[:200]}: {report.summary()}")
    return ctx.render("imported.html", bank=name, filename=upload.filename, report=report)


@view()
async def export_list(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    fmt = parse_format(ctx.request.query_params.get("format", "lines"))
    signal_type = ctx.request.query_params.get("type") or None
    chunks = export_chunks(ctx.store, name, fmt, signal_type=signal_type)
    first = await anext(chunks)  # a missing bank fails here, before the response starts

    async def body() -> AsyncIterator[str]:
        yield first
        async for chunk in chunks:
            yield chunk

    extension = "txt" if fmt is ListFormat.LINES else "csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt.value}.{extension}"'}
    return StreamingResponse(body(), media_type=_MEDIA_TYPES[fmt.value], headers=headers)


routes = [
    Route("/banks", banks_page),
    Route("/banks/new", create_bank, methods=["POST"]),
    Route("/banks/{name:str}/import", import_list, methods=["POST"]),
    Route("/banks/{name:str}/enable", toggle_bank, methods=["POST"]),
    Route("/banks/{name:str}/disable", toggle_bank, methods=["POST"]),
    Route("/banks/{name:str}/export", export_list),
]
