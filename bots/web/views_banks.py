"""Banks: counts, enable/disable, create, import a list (the CLI's bad-row report), export;
a bank's page lists its readable rules (text and links), adds and removes text
rules, and tries a text against every rule.

Every change is audited with the account's name. When this process also runs
the bots, their matcher follows the change at once; other processes follow the
store's bank change log within seconds.
"""

from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bots.web.context import Ctx, view
from bots.web.params import parse_number
from core.accounts import Permission
from core.audit import AuditRecord
from core.bank_lists import add_on_purpose, export_chunks, import_rows
from core.banks import Bank, Entry, EntryStatus, check_bank_name
from core.errors import InputError, Said
from core.formats import ListFormat, parse_format, read_hash_list, resolve_format
from core.matching.loader import load_matcher
from core.matching.text_rules import TextPlace, check_text
from core.model import CATEGORIES, BankAction, Match
from core.signals import SIGNAL_TYPES, LinkSignalType, get_signal_type
from core.signals.text import TextPattern, TextPhrase, TextWord
from core.text_normal import read

__all__ = ["routes"]

_MEDIA_TYPES = {
    "lines": "text/plain",
    "pytx-csv": "text/csv",
    "hma-csv": "text/csv",
    "rules-csv": "text/csv",
}
_TEXT_TYPES = (TextPhrase.name, TextWord.name, TextPattern.name)
_LINK_TYPES = frozenset(n for n, t in SIGNAL_TYPES.items() if issubclass(t, LinkSignalType))
_PAGE = 100
_TOP = 20  # entries by matches on a bank's page
_MAX_TRY = 4096  # characters of a text tried against the rules (a Telegram message)


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


@view()
async def bank_page(ctx: Ctx) -> Response:
    """A bank: its entries by type, its readable rules a page at a time, and, with
    ``try``, what a text would match."""
    name = ctx.request.path_params["name"]
    bank = await ctx.store.get_bank(name)
    params = ctx.request.query_params
    after = parse_number(params.get("after"), "after", 0, 0, 2**62)
    counts = await ctx.store.type_counts(name)
    readable = [t for t in counts if t in _TEXT_TYPES or t in _LINK_TYPES]
    rules = await ctx.store.entry_page(name, readable, after=after, limit=_PAGE) if readable else []
    tried = params.get("try", "")[:_MAX_TRY]
    return ctx.render(
        "bank.html",
        bank=bank,
        counts=counts,
        stats=await ctx.store.entry_stats(name, limit=_TOP),
        shadow=await ctx.store.shadow_outcomes(name),
        rules=rules,
        next_after=rules[-1].id if len(rules) == _PAGE else None,
        text_types=_TEXT_TYPES,
        formats=[f.value for f in ListFormat],
        tried=tried,
        reading=read(tried) if tried else None,
        matches=await _tried(ctx, tried) if tried else [],
    )


async def _tried(ctx: Ctx, text: str) -> list[Match]:
    """Every rule of every enabled bank ``text`` matches, as a message's text would."""
    matcher = await load_matcher(ctx.store, _TEXT_TYPES)
    return list(check_text(matcher, [(TextPlace.TEXT, text)]))


@view(Permission.MANAGE_BANKS)
async def add_text_rule(ctx: Ctx) -> Response:
    """Add one text rule (a phrase, whole words or a pattern; block or allow), audited."""
    name = ctx.request.path_params["name"]
    await ctx.store.get_bank(name)
    kind = ctx.field("type", TextPhrase.name)
    if kind not in _TEXT_TYPES:
        raise InputError(f"type: expected one of {', '.join(_TEXT_TYPES)}")
    value = get_signal_type(kind).canonical(ctx.field("rule")[:1000])
    entry = Entry(
        kind, value, source="dashboard", added_by=ctx.me.actor,
        note=ctx.field("note").strip()[:500], allow=ctx.field("allow") == "1",
    )  # fmt: skip
    done = await add_on_purpose(ctx.store, name, [entry], ctx.me.actor)
    await _changed(ctx, "entries_added", name, done.reason)
    flash = ctx.say("web_rule_added", rule=value, added=done.result.added + done.restored)
    return ctx.redirect(f"/banks/{name}", flash)


@view(Permission.MANAGE_BANKS)
async def entry_standing(ctx: Ctx) -> Response:
    """Trust a quarantined entry again, or dispute it (disabled: a re-import skips it)."""
    name = ctx.request.path_params["name"]
    entry_id = parse_number(ctx.request.path_params["entry"], "entry", 0, 1, 2**62)
    if ctx.request.url.path.endswith("/trust"):
        entry = await ctx.store.set_entry_standing(name, entry_id, True, ctx.me.actor)
        rule = f"{entry.signal_type}:{entry.value[:80]}"
        await _changed(ctx, "entry_trusted", name, f"entry {entry_id} {rule}")
        return ctx.redirect(f"/banks/{name}", ctx.say("web_entry_trusted", entry=entry_id))
    entry, _ = await ctx.store.dispute_entry(name, entry_id, ctx.me.actor)
    reason = ctx.field("reason").strip()[:200] or "disputed"
    rule = f"{entry.signal_type}:{entry.value[:80]}"
    await _changed(ctx, "entry_disputed", name, f"entry {entry_id} {rule}: {reason}")
    return ctx.redirect(f"/banks/{name}", ctx.say("web_entry_disputed", entry=entry_id))


@view(Permission.MANAGE_BANKS)
async def remove_rule(ctx: Ctx) -> Response:
    """Remove one rule (tombstoned: an import does not bring it back), audited."""
    name = ctx.request.path_params["name"]
    kind = ctx.field("type")
    if kind not in _TEXT_TYPES and kind not in _LINK_TYPES:
        raise InputError(f"type: {kind[:40]!r} is not a rule this page removes")
    value = ctx.field("value")[:2000]
    removed = await ctx.store.set_entry_status(
        name, kind, [value], EntryStatus.REMOVED, ctx.me.actor
    )
    await _changed(ctx, "entries_status", name, f"removed: {kind}:{value[:200]}")
    return ctx.redirect(f"/banks/{name}", ctx.say("web_rule_removed", rule=value, removed=removed))


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


# A bank's switches, by the last part of their path: what each sets, what its
# audit entry and message call it, and where the admin goes back to.
_SWITCHES = {
    "enable": ("enabled", True, "enabled", "/banks"),
    "disable": ("enabled", False, "disabled", "/banks"),
    "shadow": ("shadow", True, "shadow", "/banks/{name}"),  # records, acts on nothing
    "live": ("shadow", False, "live", "/banks/{name}"),
}


@view(Permission.MANAGE_BANKS)
async def switch_bank(ctx: Ctx) -> Response:
    name = ctx.request.path_params["name"]
    setting, value, verb, back = _SWITCHES[ctx.request.url.path.rsplit("/", 1)[1]]
    await ctx.store.get_bank(name)
    if setting == "enabled":
        await ctx.store.set_bank_enabled(name, value)
    else:
        await ctx.store.set_bank_shadow(name, value)
    await _changed(ctx, f"bank_{verb}", name, verb)
    return ctx.redirect(back.format(name=name), ctx.say(f"web_bank_{verb}", name=name))


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
    rules = signal_type in _TEXT_TYPES or signal_type in _LINK_TYPES
    rows = read_hash_list(
        stream,
        resolve_format(ctx.field("format", "auto"), stream, rules=rules),
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
    Route("/banks/{name:str}", bank_page),
    Route("/banks/{name:str}/rules", add_text_rule, methods=["POST"]),
    Route("/banks/{name:str}/rules/remove", remove_rule, methods=["POST"]),
    Route("/banks/{name:str}/entries/{entry:str}/trust", entry_standing, methods=["POST"]),
    Route("/banks/{name:str}/entries/{entry:str}/dispute", entry_standing, methods=["POST"]),
    Route("/banks/{name:str}/import", import_list, methods=["POST"]),
    *(
        Route(f"/banks/{{name:str}}/{switch}", switch_bank, methods=["POST"])
        for switch in _SWITCHES
    ),
    Route("/banks/{name:str}/export", export_list),
]
