"""The review queue and the case page: every fact, never the media."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.discord.translate import message_link as discord_link
from adapters.telegram.translate import message_link as telegram_link
from bots.web.context import Ctx, safe_next, view
from bots.web.params import parse_number
from core.accounts import Permission
from core.audit import AuditFilter, AuditRecord
from core.cases import Case, CaseFilter, case_facts
from core.errors import InputError, Said
from core.model import CaseState, Decision
from core.policy import LANGUAGES
from core.texts import refusal

__all__ = ["routes"]

_LINKS: dict[str, Callable[[str, str, str], str | None]] = {
    "telegram": telegram_link,
    "discord": discord_link,
}
_OPEN = (CaseState.OPEN, CaseState.ESCALATED)
_MAX_NOTE = 2000
_MAX_PAGE = 200
_MAX_BULK = 500
# What a form's button asks for: the decision and whether to ban the sender too.
_CHOICES = {
    "confirm": (Decision.CONFIRM, False),
    "ban": (Decision.CONFIRM, True),
    "overturn": (Decision.OVERTURN, False),
    "fine": (Decision.OVERTURN, False),  # and its hashes become allow entries
    "escalate": (Decision.ESCALATE, False),
}


def _filter(ctx: Ctx) -> tuple[CaseFilter, dict[str, str]]:
    """The queue's filter from the query string (unknown values are input errors)."""
    params = ctx.request.query_params
    try:
        states = tuple(CaseState(s) for s in params.getlist("state") if s) or _OPEN
    except ValueError as exc:
        raise InputError(f"state: {exc}") from exc
    text = {k: params.get(k, "").strip()[:200] for k in ("platform", "chat", "bank", "category")}
    overdue = params.get("overdue") == "1"
    where = CaseFilter(
        states=states,
        overdue_at=ctx.now if overdue else None,
        **text,  # type: ignore[arg-type]
    )
    shown = {**text, "overdue": "1" if overdue else ""}
    return where, {k: v for k, v in shown.items() if v}


@view()
async def queue(ctx: Ctx) -> Response:
    where, shown = _filter(ctx)
    params = ctx.request.query_params
    per = parse_number(params.get("per"), "per", ctx.state.settings.page_size, 1, _MAX_PAGE)
    page = parse_number(params.get("page"), "page", 1, 1, 10**9)
    by_copies = params.get("sort") == "copies"
    cases, total = await ctx.store.page_cases(
        where, offset=(page - 1) * per, limit=per, by_copies=by_copies
    )
    overdue = (await ctx.store.page_cases(CaseFilter(states=_OPEN, overdue_at=ctx.now), limit=0))[1]
    query = [("state", s.value) for s in where.states] + list(shown.items()) + [("per", str(per))]
    query += [("sort", "copies")] if by_copies else []
    pages = max(1, -(-total // per))
    banks = await ctx.store.bank_names()
    return ctx.render(
        "queue.html",
        cases=cases,
        total=total,
        overdue=overdue,
        page=page,
        pages=pages,
        query=urlencode(query),
        here=ctx.request.url.path + "?" + urlencode([*query, ("page", str(page))]),
        shown=shown,
        states=[s.value for s in where.states],
        all_states=[s.value for s in CaseState],
        banks=banks,
        by_copies=by_copies,
    )


def _facts(case: Case) -> dict[str, Any]:
    message = case.message
    link = None
    if message is not None and message.chat.platform in _LINKS:
        chat = message.chat
        link = _LINKS[chat.platform](chat.id, message.message_id, chat.community)
    return {"message": message, "link": link}


async def _case_page(ctx: Ctx, case: Case) -> dict[str, Any]:
    history = await ctx.store.case_history(case.id)
    audit = await ctx.store.audit_page(AuditFilter(case_id=case.id), limit=1000)
    return {
        "case": case,
        "copies": await ctx.store.case_copies(case.id) if case.copies > 1 else [],
        "history": history,
        "audit": list(reversed(audit)),
        **_facts(case),
    }


@view()
async def case_page(ctx: Ctx) -> Response:
    case = await ctx.store.get_case(ctx.request.path_params["case_id"])
    return ctx.render("case.html", **await _case_page(ctx, case))


@view()
async def case_export(ctx: Ctx) -> Response:
    """The case's facts as JSON: the review request an escalation hands on."""
    case = await ctx.store.get_case(ctx.request.path_params["case_id"])
    facts = await _case_page(ctx, case)
    message = case.message
    body = {
        **case_facts(case),
        "target": case.target,
        "link": facts["link"],
        "sender": {"id": message.sender.id, "kind": message.sender.kind.value} if message else None,
        "signals": [f"{s.signal_type}:{s.value}" for s in case.signals],
        "matches": [
            {
                "bank": m.bank,
                "signal_type": m.signal_type,
                "distance": m.distance,
                "band": m.band.value,
                "category": m.category,
            }
            for m in case.matches
        ],
        "reasons": list(case.reasons),
        "history": facts["history"],
        "audit": [e.hash for e in facts["audit"]],
    }
    headers = {"Content-Disposition": f'attachment; filename="case-{case.id}.json"'}
    return JSONResponse(_jsonable(body), headers=headers)


@view()
async def review_request(ctx: Ctx) -> Response:
    """The review request an escalation hands to the Commission, made to print: the
    facts and nothing more (never media), in the reader's language or ``?lang=``."""
    case = await ctx.store.get_case(ctx.request.path_params["case_id"])
    facts = await _case_page(ctx, case)
    blocked = [
        e["finished_at"]
        for e in facts["history"]["effects"]
        if e["kind"] == "delete" and e["state"] == "done"
    ]
    sources = {}
    for bank in {m.bank for m in case.matches}:
        try:
            sources[bank] = (await ctx.store.get_bank(bank)).description
        except InputError:
            sources[bank] = ""  # removed since
    asked = ctx.request.query_params.get("lang", "")
    language = asked if asked in LANGUAGES else ctx.language
    return ctx.render(
        "review_request.html",
        language=language,
        other="en" if language == "ko" else "ko",
        blocked_at=min(blocked) if blocked else None,
        sources=sources,
        head=await ctx.store.audit_head(),
        **facts,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def _decide(ctx: Ctx, case_id: str, choice: str, note: str) -> Case:
    if choice not in _CHOICES:
        raise InputError(f"decision: {choice[:40]!r} is not one of {', '.join(_CHOICES)}")
    decision, ban = _CHOICES[choice]
    return await ctx.state.live.moderator.on_decision(
        case_id, decision, ctx.me.actor, note=note, ban=ban, vouched=True, fine=choice == "fine"
    )


@view(Permission.DECIDE)
async def decide(ctx: Ctx) -> Response:
    case_id = ctx.request.path_params["case_id"]
    case = await _decide(ctx, case_id, ctx.field("decision"), ctx.field("note")[:_MAX_NOTE])
    back = safe_next(ctx.field("next"), f"/cases/{case.id}")
    state = ctx.say(f"state_{case.state.value}")
    return ctx.redirect(back, ctx.say("web_case_now", case_id=case.id, state=state))


@view(Permission.DECIDE)
async def bulk(ctx: Ctx) -> Response:
    """One decision for every ticked case of a queue page; each is decided on its own."""
    assert ctx.form is not None
    ids = [i for i in ctx.form.getlist("case") if isinstance(i, str)][:_MAX_BULK]
    choice, note = ctx.field("decision"), ctx.field("note")[:_MAX_NOTE]
    done, failed = 0, []
    for case_id in ids:
        try:
            await _decide(ctx, case_id, choice, note)
            done += 1
        except InputError as exc:
            failed.append(f"{case_id}: {refusal(exc, ctx.language)}")
    decision = ctx.say(f"button_{choice}") if choice in _CHOICES else choice[:40]
    text = ctx.say("web_bulk_done", done=done, count=len(ids), decision=decision)
    text += "".join(f" {f}" for f in failed[:5])
    return ctx.redirect(
        safe_next(ctx.field("next"), "/"), text if ids else ctx.say("web_none_ticked")
    )


@view(Permission.DECIDE)
async def add_note(ctx: Ctx) -> Response:
    case = await ctx.store.get_case(ctx.request.path_params["case_id"])
    text = ctx.field("note").strip()[:_MAX_NOTE]
    if not text:
        raise InputError("note: empty", said=Said("web_note_empty"))
    record = AuditRecord(
        kind="case_note", platform=case.platform, actor=ctx.me.actor, reason=text, case_id=case.id
    )
    await ctx.state.live.moderator.note(record)
    return ctx.redirect(f"/cases/{case.id}", ctx.say("web_note_added"))


routes = [
    Route("/", queue),
    Route("/cases/bulk", bulk, methods=["POST"]),
    Route("/cases/{case_id:str}", case_page),
    Route("/cases/{case_id:str}/export.json", case_export),
    Route("/cases/{case_id:str}/review-request", review_request),
    Route("/cases/{case_id:str}/decide", decide, methods=["POST"]),
    Route("/cases/{case_id:str}/note", add_note, methods=["POST"]),
]
