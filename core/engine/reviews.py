"""Reviews: decisions and deadline alerts.

A decision is recorded, audited and its effects queued in one transaction,
then performed (if this process has the platform); a confirmed case's signals
join the local bank of its category so re-uploads are blocked.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from core.audit import AuditRecord
from core.bank_lists import entries_for_media
from core.banks import Bank
from core.cases import Case, apply_decision, due_alerts
from core.effects import decision_effects, replies, restore_copies
from core.engine.chat_settings import ChatSettingsCache
from core.engine.outbox import Outbox
from core.engine.parts import EngineParts
from core.errors import AuthorisationError, InputError, Said
from core.ids import new_id
from core.model import (
    Action,
    Band,
    BankAction,
    CaseKind,
    CaseState,
    Decision,
    Effect,
    MediaSignals,
    Message,
)
from core.texts import alert_text, restore_caption, say
from core.writes import Audit, JudgeEntries, Op, RecordDecision, UpdateCase

__all__ = ["RefusalThrottle", "Reviews"]

_OPEN_STATES = (CaseState.OPEN, CaseState.ESCALATED)


class RefusalThrottle:
    """Audits a refused decision at most once per person per ``window``, counting the
    rest into the next entry: anyone can press a card's buttons, and a script pressing
    them must not flood the audit log."""

    def __init__(self, window: timedelta = timedelta(minutes=10), cap: int = 10_000) -> None:
        self._window = window
        self._cap = cap
        self._last: dict[str, tuple[datetime, int]] = {}

    def admit(self, who: str, now: datetime) -> int | None:
        """Refusals of ``who`` not audited since the last entry, if one is due now."""
        last = self._last.get(who)
        if last is not None and now - last[0] < self._window:
            self._last[who] = (last[0], last[1] + 1)
            return None
        if len(self._last) >= self._cap:
            self._last = {k: v for k, v in self._last.items() if now - v[0] < self._window}
        self._last[who] = (now, 0)
        return last[1] if last is not None else 0


class Reviews:
    def __init__(self, parts: EngineParts, outbox: Outbox, settings: ChatSettingsCache) -> None:
        self._store = parts.store
        self._clock = parts.clock
        self._commit = parts.commit
        self._matcher = parts.matcher
        self._config = parts.config
        self._outbox = outbox
        self._settings = settings
        self._refusals = RefusalThrottle()

    async def on_decision(
        self,
        case_id: str,
        decision: Decision,
        reviewer: str,
        *,
        note: str = "",
        ban: bool = False,
        vouched: bool = False,
        fine: bool = False,
    ) -> Case:
        """Decide a case. ``vouched``: the adapter checked the reviewer by other means
        (a Discord reviewer role) and the allowlist does not apply. Deciding an appeal
        decides the case it contests in the same write: upheld confirms it (if still
        open), reversed overturns it even if it was final; the objector is told.
        ``fine`` (with an overturn): the image is fine, and its hashes become allow
        entries of the banks that matched it."""
        case = await self._store.get_case(case_id)
        if fine and (decision is not Decision.OVERTURN or not case.signals or not case.matches):
            raise InputError(
                f"case {case_id}: only an overturned match of an image can mark it fine",
                said=Said("fine_needs_image", {"case_id": case_id}),
            )
        contested = None
        if case.appeal is not None:
            contested = await self._store.get_case(case.appeal.case_id)
            if contested.decided_by:  # decided since the objection: its maker is out too
                case = replace(case, appeal=replace(case.appeal, contested_by=contested.decided_by))
        allowed = self._config.reviewers | await self._store.reviewers()
        if vouched:
            allowed |= {reviewer}
        now = self._clock.now()
        try:
            decided, changed = apply_decision(case, decision, reviewer, allowed, now, note=note)
        except AuthorisationError as exc:
            unaudited = self._refusals.admit(reviewer, now)
            if unaudited is not None:
                more = f" ({unaudited} more refused since the last entry)" if unaudited else ""
                why = f"{exc}{more}"
                refusal = _decision_record(case, decision, reviewer, why, "decision_refused")
                await self._commit.submit([Audit(refusal)])
            raise
        if not changed:
            return case
        if decision is Decision.ESCALATE and case.removed:
            # Hard to judge: it stays blocked as a temporary measure, whose end is when
            # the decision is due (alerts at 50, 80 and 100 % remind the reviewers).
            until = now + self._config.deadlines.temporary_measure
            decided = replace(decided, deadline=until, alerts_sent=0)
        ops, effects = await self._decided(
            case, decided, decision, reviewer=reviewer, note=note, ban=ban, now=now
        )
        confirmed = [] if case.appeal else [decided]  # an appeal's are its contested case's
        if contested is not None and decision is not Decision.ESCALATE:
            more_ops, more_effects, carried = await self._carry_over(
                decided, contested, decision, reviewer=reviewer, allowed=allowed, now=now
            )
            ops += more_ops
            effects += more_effects
            confirmed += carried
        await self._commit.submit([*ops, *self._outbox.enqueue(effects)])
        if fine:
            await self.allow_signals(decided, reviewer)
        if decision is Decision.CONFIRM:
            for case_confirmed in confirmed:
                await self._bank_signals(case_confirmed, reviewer)
        await self._outbox.perform(effects)
        return decided

    async def _decided(
        self,
        case: Case,
        decided: Case,
        decision: Decision,
        *,
        reviewer: str,
        note: str,
        ban: bool,
        now: datetime,
    ) -> tuple[list[Op], list[Effect]]:
        """The writes and effects of one decision: the case's new state, the decision
        and its audit entry; the restore, sanctions and card; the reporters told."""
        history = await self._store.case_history(case.id)
        caption = ""
        if decided.message is not None and decided.kind is not CaseKind.APPEAL:
            caption = await self._caption(decided.message)
        ban = ban and decided.kind is not CaseKind.APPEAL  # an appeal acts through its case
        effects = decision_effects(decided, decision, ban, history["effects"], now, caption=caption)
        if decision is Decision.OVERTURN and decided.copies > 1:  # every copy comes back
            copies = [(m, await self._caption(m)) for m in await self._store.case_copies(case.id)]
            effects = restore_copies(decided, copies, history["effects"], now) + effects
        if decided.state in (CaseState.CONFIRMED, CaseState.OVERTURNED):
            reporters = [(r["reporter"], r["language"]) for r in history["reports"]]
            state = decided.state.value
            outcome = lambda lang: say(f"outcome_{state}", lang, case_id=case.id)  # noqa: E731
            effects += replies(decided, reporters, outcome, now)
        fields: tuple[tuple[str, object], ...] = (
            ("state", decided.state),
            ("decided_by", reviewer),
            ("decided_at", now),
            ("note", decided.note),
        )
        why = note or "decided"
        if decided.deadline != case.deadline:  # a temporary measure began (on_decision)
            fields += (("deadline", decided.deadline), ("alerts_sent", 0))
            why = f"temporary measure until {decided.deadline.isoformat()}"
            why += f": {note}" if note else ""
        ops: list[Op] = [
            UpdateCase(case.id, fields),
            RecordDecision(case.id, decision, reviewer, now, note),
            Audit(_decision_record(case, decision, reviewer, why)),
            *self._judged(case, decided),
        ]
        return ops, effects

    async def _caption(self, message: Message) -> str:
        """What a restored message says of where it came from, in its chat's language."""
        chat = message.chat
        language = (await self._settings.get(chat.platform, chat.settings_id)).language
        return restore_caption(message, language, self._config.zone)

    def _judged(self, case: Case, decided: Case) -> list[Op]:
        """What a decision says of the bank entries behind the case: a confirmation
        vouches for all its matches' entries; an overturned removal counts against
        the entries that removed it (disabled after ``dispute_after`` in a row)."""
        if decided.kind is CaseKind.APPEAL or not decided.matches:
            return []
        if decided.state is CaseState.CONFIRMED and case.state is not CaseState.CONFIRMED:
            entries = [(m.bank, m.entry_id) for m in decided.matches]
            confirmed = True
        elif decided.state is CaseState.OVERTURNED and case.removed:
            entries = [(m.bank, m.entry_id) for m in decided.matches if m.band is Band.ACT]
            confirmed = False
        else:
            return []
        after = self._config.dispute_after
        return [JudgeEntries(tuple(entries), confirmed, after, case.id)] if entries else []

    async def _carry_over(
        self,
        appeal: Case,
        contested: Case,
        decision: Decision,
        *,
        reviewer: str,
        allowed: frozenset[str],
        now: datetime,
    ) -> tuple[list[Op], list[Effect], list[Case]]:
        """An appeal's outcome on the case it contests, and the objector told why."""
        assert appeal.appeal is not None
        ops: list[Op] = []
        effects: list[Effect] = []
        confirmed: list[Case] = []
        why = appeal.note or "-"
        carried = decision is Decision.OVERTURN or contested.is_open
        if carried:
            note = f"appeal {appeal.id}: {why}"
            decided, changed = apply_decision(
                contested, decision, reviewer, allowed, now, note=note, overrule=True
            )
            if changed:
                more_ops, more_effects = await self._decided(
                    contested, decided, decision, reviewer=reviewer, note=note, ban=False, now=now
                )
                ops += more_ops
                effects += more_effects
                confirmed.append(decided)
        key = "appeal_reversed" if decision is Decision.OVERTURN else "appeal_upheld"
        told = lambda lang: say(key, lang, case_id=contested.id, reasons=why)  # noqa: E731
        effects += replies(appeal, [(appeal.appeal.objector, appeal.appeal.language)], told, now)
        return ops, effects, confirmed

    async def allow_signals(self, case: Case, reviewer: str) -> int:
        """'This image is fine': the case's image hashes become allow entries of each
        bank that matched it (hashes only, never the image), audited; how many."""
        media = MediaSignals(case.signals)
        added = 0
        for name in sorted({m.bank for m in case.matches}):
            entries = entries_for_media(
                media, source=f"case:{case.id}", added_by=reviewer, allow=True,
                note="a reviewer found this image fine",
            )  # fmt: skip
            keys = [(e.signal_type, e.value) for e in entries]
            before = {row[0] for row in await self._store.entry_ids(name, keys)}
            result = await self._store.add_entries(name, entries)
            added += result.added
            # (A hash the bank holds already, the very one that matched say, stays as
            # it is: the image's other hashes as allow entries clear the item anyway.)
            found = await self._store.entry_ids(name, keys)
            self._matcher.add(name, [(*row, True) for row in found if row[0] not in before])
            record = AuditRecord(
                kind="entries_added", bank=name, actor=reviewer, case_id=case.id,
                reason=f"this image is fine: {result.added} allow entries from case {case.id}",
            )  # fmt: skip
            await self._commit.submit([Audit(record)])
        return added

    async def _bank_signals(self, case: Case, reviewer: str) -> None:
        """Confirmed: the message's signals join the local bank of its category
        (``confirmed-deepfake``, ...), so re-uploads are blocked."""
        name = f"{self._config.confirmed_bank}-{case.category}"
        try:
            bank = await self._store.get_bank(name)
        except InputError:
            description = f"signals of confirmed {case.category} cases"
            # The deployment's own judgments: never quarantined for matching widely
            # (an outbreak of a confirmed picture is exactly what it is for).
            bank = await self._store.create_bank(
                Bank(name, BankAction.DELETE, description, category=case.category, flood=None)
            )
        media = MediaSignals(case.signals)
        entries = entries_for_media(media, source=f"case:{case.id}", added_by=reviewer)
        await self._store.add_entries(name, entries)
        self._matcher.set_bank(bank)
        self._matcher.add(
            name,
            [
                (*found, False)
                for found in await self._store.entry_ids(
                    name, [(e.signal_type, e.value) for e in entries]
                )
            ],
        )

    async def sweep_deadlines(self) -> int:
        """Alert reviewers at 50, 80 and 100 % of each open case's deadline, once each."""
        now = self._clock.now()
        sent = 0
        for case in await self._store.list_cases(_OPEN_STATES):
            levels = due_alerts(case, now)
            if not levels:
                continue
            text = alert_text(self._config.language, case, levels[-1], self._config.zone)
            effect = Effect(new_id(16), Action.ALERT, case.platform, case.id, now, text=text)
            record = AuditRecord(
                kind="deadline_alert", platform=case.platform, reason=text, case_id=case.id
            )
            alerts = case.alerts_sent + len(levels)
            await self._commit.submit(
                [
                    UpdateCase(case.id, (("alerts_sent", alerts),)),
                    *self._outbox.enqueue([effect]),
                    Audit(record),
                ]
            )
            await self._outbox.perform([effect])
            sent += 1
        return sent


def _decision_record(
    case: Case, decision: Decision, reviewer: str, reason: str, kind: str = "decision"
) -> AuditRecord:
    return AuditRecord(
        kind=kind,
        platform=case.platform,
        action=decision.value,
        actor=reviewer,
        reason=reason,
        case_id=case.id,
    )
