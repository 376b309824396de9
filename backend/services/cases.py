"""The case service: the one door through which every case is created and changed.

Each public method runs in one transaction that writes the case, an append-only event and the outbox rows
the change causes. Rules come from backend.domain; time comes from the injected clock.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..clock import Clock
from ..config import Settings
from ..domain import (
    Action,
    ActorKind,
    Conflict,
    IllegalTransition,
    Kind,
    NotFound,
    Role,
    Severity,
    SeveritySignals,
    Status,
    ValidationFailed,
    automatic_severity,
    due_times,
    followup_due,
    format_case_number,
    is_business_time,
    next_status,
)
from ..domain.contact import building_of, normalize_phone, regions_for
from ..domain.errors import ClientKeyReused
from ..domain.permissions import check_permission
from ..logs import set_case
from ..models import Attachment, Case, CaseEvent, Complainant, Department, Staff, TriageCorrection
from .actors import Actor
from .clock_actions import ClockActions
from .departments import unknown_department
from .drafts import AttachmentDraft, CaseDraft
from .followup import FollowUp
from .outbox import Message, OutboxKind, enqueue, enqueue_many
from .sequence import next_sequence

log = logging.getLogger(__name__)

Classifier = Callable[[str], Any]
AfterHook = Callable[[BaseDBAsyncClient, "Case", datetime], Awaitable[None]]

# Events the tenant hears about in their own chat (docs/domain.md#messages-to-tenants).
TENANT_VISIBLE = {
    Action.CLAIM,
    Action.ASSIGN,
    Action.RESOLVE,
    Action.REOPEN,
    Action.INVALID,
    Action.CANCEL,
    Action.CLOSE,
}
# A human action that counts as the first feedback to the tenant.
FEEDBACK_ACTIONS = {Action.NOTE, Action.RESOLVE, Action.INVALID}
MAX_NOTE = 4000


@dataclass(frozen=True)
class Change:
    """What one transition did, for callers that render it (bot cards, API answers)."""

    case: Case
    action: Action
    from_status: Status
    event: CaseEvent


def default_classifier(text: str) -> Any:
    import nlp  # imported lazily: loading the dictionaries is paid once, on first use

    return nlp.classify(text)


class CaseService(ClockActions, FollowUp):
    """Every creation and change of a case. Scheduler-driven actions live in the mixins."""

    def __init__(
        self, settings: Settings, clock: Clock, classify: Classifier | None = None
    ) -> None:
        self.settings = settings
        self.policy = settings.policy
        self.clock = clock
        self.classify = classify or default_classifier

    # ---- creation -------------------------------------------------------------------------------

    async def submit(
        self, draft: CaseDraft, actor: Actor, *, require_same_body: bool = False
    ) -> Case:
        """Record a new case with its receipt; the same client_key returns the same case.

        A repeated client_key is recognised by the unique constraint (the transaction rolls back and the
        existing case is returned), so the usual first submit costs no extra lookup. With
        `require_same_body` (API clients) a repeat whose draft differs from the first one is refused
        with ClientKeyReused; the bot's own dialog keys keep returning the case they filed.
        """
        draft = draft.validated(self.policy, self.settings.phone_region)
        triage = draft.triage
        if draft.category is None or draft.kind is None or draft.severity is None:
            triage = triage or self._safe_classify(draft.description)
        try:
            return await self._create(draft, actor, triage)
        except IntegrityError:
            if (
                draft.client_key
            ):  # a retry (or a concurrent twin) of a submit that already went through
                existing = await Case.get_or_none(client_key=draft.client_key)
                if existing:
                    if require_same_body:
                        await self._check_same_body(existing, draft)
                    return existing
            raise

    @staticmethod
    async def _check_same_body(existing: Case, draft: CaseDraft) -> None:
        submitted = await CaseEvent.filter(case_id=existing.id, action=Action.SUBMIT.value).first()
        recorded = (submitted.data or {}).get("fingerprint") if submitted else None
        if recorded is not None and recorded != draft.fingerprint():
            raise ClientKeyReused(
                f"client_key {draft.client_key!r} was already used for case {existing.number} with a different "
                "body; use a new client_key for a new case",
                field="client_key",
                client_key=draft.client_key,
                case=existing.number,
            )

    def _safe_classify(self, text: str) -> Any:
        try:
            return self.classify(text)
        except Exception:  # triage is advice: a failure must never lose a complaint
            log.exception("triage failed; the case is filed as 'other'")
            return None

    async def _create(self, draft: CaseDraft, actor: Actor, triage: Any) -> Case:
        now = self.clock.now()
        tz = self.settings.timezone
        suggested_category = getattr(triage, "category", "") or ""
        if suggested_category and self.policy.category(suggested_category) is None:
            suggested_category = ""
        category = draft.category or suggested_category or "other"
        kind = draft.kind or _enum_or(Kind, getattr(triage, "kind", None), Kind.COMPLAINT)
        async with in_transaction() as conn:
            complainant, known = await self._upsert_complainant(conn, draft, now)
            repeat = known and await self._is_repeat(conn, complainant, category, now)
            severity = automatic_severity(
                draft.severity or Severity.GENERAL,
                SeveritySignals(
                    triage=_enum_or(Severity, getattr(triage, "severity", None), Severity.GENERAL),
                    repeat_within_window=repeat,
                ),
                collective_threshold=self.policy.collective_households,
                major_after_days=self.policy.major_after_days,
            )
            due = due_times(now, severity, self.policy, tz)
            sequence = await next_sequence(conn, now.astimezone(tz).date())
            case = await Case.create(
                using_db=conn,
                number=format_case_number(
                    self.settings.case_prefix, now.astimezone(tz).date(), sequence
                ),
                client_key=draft.client_key,
                kind=kind,
                category=category,
                category_suggested=suggested_category,
                severity=severity,
                status=Status.NEW,
                channel=draft.channel,
                description=draft.description,
                location=draft.location,
                unit=draft.unit,
                building=building_of(draft.unit),
                expectation=draft.expectation,
                subject=draft.subject,
                contact_name=draft.contact_name,
                contact_phone=draft.contact_phone,
                locale=draft.locale,
                complainant=complainant,
                off_hours=not is_business_time(now, self.policy.business_hours, tz),
                triage=_triage_record(triage),
                promised_assign_at=due.assign,
                promised_feedback_at=due.first_feedback,
                promised_resolve_at=due.resolve,
                assign_due_at=due.assign,
                feedback_due_at=due.first_feedback,
                resolve_due_at=due.resolve,
                hard_due_at=due.hard_limit,
                received_at=now,
                created_at=now,
                updated_at=now,
            )
            set_case(case.number)
            for item in draft.attachments:
                await Attachment.create(
                    using_db=conn,
                    case=case,
                    file_id=item.file_id,
                    file_unique_id=item.file_unique_id,
                    kind=item.kind,
                    caption=item.caption[:1024],
                    created_at=now,
                )
            await self._event(
                conn,
                case,
                actor,
                Action.SUBMIT,
                "",
                Status.NEW,
                now,
                data={
                    "repeat": repeat,
                    "severity": severity.value,
                    "channel": draft.channel.value,
                    "fingerprint": draft.fingerprint(),
                },
            )
            if suggested_category and draft.category and draft.category != suggested_category:
                # The tenant (or the agent on the phone) corrected the suggestion: training data.
                await TriageCorrection.create(
                    using_db=conn,
                    case=case,
                    text=case.description,
                    suggested=suggested_category,
                    corrected=draft.category,
                    actor_kind=actor.kind,
                    created_at=now,
                )
            await self._announce_new_case(conn, case, complainant, now, draft)
        return case

    async def _upsert_complainant(
        self, conn: BaseDBAsyncClient, draft: CaseDraft, now: datetime
    ) -> tuple[Complainant | None, bool]:
        """The complainant of the draft, and whether they were known before (only then can it be a repeat)."""
        if draft.telegram_id is None:
            if not (draft.contact_name or draft.contact_phone):
                return None, False
            created = await Complainant.create(
                using_db=conn,
                name=draft.contact_name,
                phone=draft.contact_phone,
                unit=draft.unit,
                locale=draft.locale,
                created_at=now,
                updated_at=now,
            )
            return created, False
        complainant = await Complainant.get_or_none(telegram_id=draft.telegram_id).using_db(conn)
        if complainant is None:
            created = await Complainant.create(
                using_db=conn,
                telegram_id=draft.telegram_id,
                name=draft.contact_name,
                phone=draft.contact_phone,
                unit=draft.unit,
                locale=draft.locale,
                created_at=now,
                updated_at=now,
            )
            return created, False
        # Remember the latest contact details so the next complaint can offer them again.
        latest = {
            "name": draft.contact_name,
            "phone": draft.contact_phone,
            "unit": draft.unit,
            "locale": draft.locale,
        }
        changed = [
            name for name, value in latest.items() if value and value != getattr(complainant, name)
        ]
        if changed:  # a returning tenant usually gives the same details: then nothing to write
            for name in changed:
                setattr(complainant, name, latest[name])
            complainant.updated_at = now
            await complainant.save(using_db=conn, update_fields=[*changed, "updated_at"])
        return complainant, True

    async def _is_repeat(
        self, conn: BaseDBAsyncClient, complainant: Complainant | None, category: str, now: datetime
    ) -> bool:
        if complainant is None:
            return False
        since = now - timedelta(days=self.policy.repeat_window_days)
        return (
            await Case.filter(
                complainant_id=complainant.id, category=category, received_at__gte=since
            )
            .using_db(conn)
            .exists()
        )

    async def _announce_new_case(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        complainant: Complainant | None,
        now: datetime,
        draft: CaseDraft,
    ) -> None:
        """The receipt, the staff card (and photo), alerts: queued in one INSERT."""
        messages: list[Message] = []
        if complainant and complainant.telegram_id:
            messages.append(
                Message(
                    complainant.telegram_id,
                    OutboxKind.RECEIPT,
                    {"number": case.number, "locale": case.locale},
                    f"receipt:{case.id}",
                )
            )
        if self.settings.staff_chat_id is not None:
            messages.append(
                Message(
                    self.settings.staff_chat_id,
                    OutboxKind.STAFF_CARD,
                    {"number": case.number},
                    f"card:{case.id}",
                )
            )
            if any(item.kind == "photo" for item in draft.attachments):
                messages.append(
                    Message(
                        self.settings.staff_chat_id,
                        OutboxKind.CARD_PHOTO,
                        {"number": case.number},
                        f"card-photo:{case.id}",
                    )
                )
        if case.severity is Severity.MAJOR:
            messages += await self._role_alerts(
                conn, case, Role.MANAGER, OutboxKind.MANAGER_ALERT, "major"
            )
        if case.off_hours:
            for officer in await Staff.filter(active=True, on_duty=True).using_db(conn):
                messages.append(
                    Message(
                        officer.telegram_id,
                        OutboxKind.DUTY_ALERT,
                        {"number": case.number},
                        f"duty:{case.id}:{officer.id}",
                    )
                )
        await enqueue_many(conn, messages, now=now, case_id=case.id)

    async def _alert_role(
        self, conn: BaseDBAsyncClient, case: Case, role: Role, kind: str, reason: str, now: datetime
    ) -> int:
        alerts = await self._role_alerts(conn, case, role, kind, reason)
        await enqueue_many(conn, alerts, now=now, case_id=case.id)
        return len(alerts)

    async def _role_alerts(
        self, conn: BaseDBAsyncClient, case: Case, role: Role, kind: str, reason: str
    ) -> list[Message]:
        recipients = await Staff.filter(active=True, role=role).using_db(conn)
        payload = {"number": case.number, "reason": reason, "level": case.escalation_level}
        return [Message(person.telegram_id, kind, payload) for person in recipients]

    # ---- transitions ----------------------------------------------------------------------------

    async def claim(self, ref: str | int, actor: Actor) -> Change:
        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.owner_id = actor.id
            self._mark_assigned(case, now)
            return {"owner": actor.name}

        return await self._transition(ref, Action.CLAIM, actor, apply=apply, conflict_if_owned=True)

    async def assign(
        self,
        ref: str | int,
        actor: Actor,
        *,
        staff_id: int | None = None,
        department_code: str | None = None,
        note: str = "",
    ) -> Change:
        if staff_id is None and department_code is None:
            raise ValidationFailed("name a staff member or a department", field="staff_id")
        owner = None
        department = None
        if staff_id is not None:
            owner = await Staff.get_or_none(id=staff_id, active=True)
            if owner is None:
                raise ValidationFailed("no active staff member with that id", field="staff_id")
        if department_code is not None:
            department = await Department.get_or_none(code=department_code, active=True)
            if department is None:
                raise await unknown_department(department_code, active_only=True)

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            data: dict[str, Any] = {}
            if owner is not None:
                case.owner_id = owner.id
                data["owner"] = owner.name
                if department is None and owner.department_id:
                    case.department_id = owner.department_id
            if department is not None:
                case.department_id = department.id
                data["department"] = department.name
            if case.owner_id is not None:
                self._mark_assigned(case, now)
            return data

        return await self._transition(ref, Action.ASSIGN, actor, note=note, apply=apply)

    @staticmethod
    def _mark_assigned(case: Case, now: datetime) -> None:
        case.assigned_at = case.assigned_at or now
        case.assign_due_at = None

    async def start(self, ref: str | int, actor: Actor, note: str = "") -> Change:
        return await self._transition(ref, Action.START, actor, note=note)

    async def add_note(
        self, ref: str | int, actor: Actor, note: str, *, to_tenant: bool = True
    ) -> Change:
        return await self._transition(
            ref, Action.NOTE, actor, note=_required(note, "note"), public=to_tenant
        )

    async def resolve(self, ref: str | int, actor: Actor, resolution: str) -> Change:
        resolution = _required(resolution, "resolution")

        def apply(case: Case, now: datetime) -> None:
            case.resolution = resolution
            case.resolved_at = now
            case.resolve_due_at = None
            case.hard_due_at = None
            case.followup_due_at = followup_due(now, case.severity, self.policy)
            case.survey_reminder_at = None
            case.survey_close_at = None

        return await self._transition(ref, Action.RESOLVE, actor, note=resolution, apply=apply)

    async def reopen(self, ref: str | int, actor: Actor, reason: str) -> Change:
        """The problem is not solved: back to work, one level up (docs/domain.md#reopen).

        A closed case loses its follow-up answer (solved, rating, comment): it no longer describes the case
        and must not count in statistics or exports; the reopen event keeps it. The next close asks again.
        """
        reason = _required(reason, "reason")

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            previous: dict[str, Any] = {}
            if (
                case.satisfaction is not None
                or case.satisfaction_comment
                or case.solved_confirmed is not None
            ):
                previous = {
                    "previous_satisfaction": case.satisfaction,
                    "previous_comment": case.satisfaction_comment,
                    "previous_solved": case.solved_confirmed,
                }
            case.satisfaction = None
            case.satisfaction_comment = ""
            case.solved_confirmed = None
            case.reopen_count += 1
            case.resolved_at = None
            case.closed_at = None
            case.close_reason = ""
            case.followup_due_at = case.survey_reminder_at = case.survey_close_at = None
            case.resolve_due_at = now + self.policy.sla[case.severity].resolve
            case.severity = automatic_severity(
                case.severity, SeveritySignals(previously_dissatisfied=True)
            )
            case.escalation_level = min(case.escalation_level + 1, self.policy.top_level)
            return {"level": case.escalation_level, "reopen_count": case.reopen_count, **previous}

        return await self._transition(
            ref,
            Action.REOPEN,
            actor,
            note=reason,
            apply=apply,
            then=self._level_notifier("reopened"),
        )

    async def close(
        self,
        ref: str | int,
        actor: Actor,
        *,
        reason: str = "confirmed",
        satisfaction: int | None = None,
        comment: str = "",
    ) -> Change:
        if reason not in ("confirmed", "no_response", "manual"):
            raise ValidationFailed(
                "reason must be confirmed, no_response or manual", field="reason"
            )
        if satisfaction is not None and not (
            isinstance(satisfaction, int) and 1 <= satisfaction <= 5
        ):
            raise ValidationFailed(
                "satisfaction must be a whole number from 1 to 5", field="satisfaction"
            )

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            case.closed_at = now
            case.close_reason = reason
            case.followup_due_at = case.survey_reminder_at = case.survey_close_at = None
            if reason == "confirmed":
                case.solved_confirmed = True
            if satisfaction is not None:
                case.satisfaction = satisfaction
                case.satisfaction_comment = comment.strip()[:MAX_NOTE]
            return {"reason": reason, "satisfaction": satisfaction}

        return await self._transition(ref, Action.CLOSE, actor, note=comment, apply=apply)

    async def mark_invalid(self, ref: str | int, actor: Actor, reason: str) -> Change:
        reason = _required(reason, "reason")

        def apply(case: Case, now: datetime) -> None:
            case.invalid_reason = reason
            case.closed_at = now
            _stop_clocks(case)

        return await self._transition(ref, Action.INVALID, actor, note=reason, apply=apply)

    async def cancel(self, ref: str | int, actor: Actor, reason: str = "") -> Change:
        def apply(case: Case, now: datetime) -> None:
            case.closed_at = now
            case.close_reason = "cancelled"
            _stop_clocks(case)

        return await self._transition(ref, Action.CANCEL, actor, note=reason.strip(), apply=apply)

    async def escalate(self, ref: str | int, actor: Actor, reason: str) -> Change:
        reason = _required(reason, "reason")

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            if case.escalation_level >= self.policy.top_level:
                raise IllegalTransition(
                    "the case is already at the highest escalation level", action="escalate"
                )
            case.escalation_level += 1
            return {"level": case.escalation_level}

        return await self._transition(
            ref,
            Action.ESCALATE,
            actor,
            note=reason,
            apply=apply,
            then=self._level_notifier("escalated"),
        )

    async def supplement(
        self,
        ref: str | int,
        actor: Actor,
        *,
        unit: str | None = None,
        location: str | None = None,
        contact_name: str | None = None,
        contact_phone: str | None = None,
        expectation: str | None = None,
        attachments: list[AttachmentDraft] | None = None,
    ) -> Change:
        """Details that arrive after the case was filed (an emergency is filed before they are asked).

        The phone is stored in E.164, read in the regions of the case's language (domain.contact.regions_for).
        """
        values = {
            "unit": unit,
            "location": location,
            "contact_name": contact_name,
            "expectation": expectation,
        }
        for name, value in values.items():
            if value is not None and len(value) > (MAX_NOTE if name == "expectation" else 200):
                raise ValidationFailed(f"{name} is too long", field=name)

        async def add_attachments(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            for item in attachments or []:
                await Attachment.create(
                    using_db=conn,
                    case=case,
                    file_id=item.file_id,
                    file_unique_id=item.file_unique_id,
                    kind=item.kind,
                    caption=item.caption[:1024],
                    created_at=now,
                )

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            changed = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
            if contact_phone is not None:
                phone = normalize_phone(
                    contact_phone, regions_for(case.locale, self.settings.phone_region)
                )
                if (
                    phone is None
                ):  # raised inside the transaction: nothing of the supplement is kept
                    raise ValidationFailed(
                        "contact_phone is not a valid phone number", field="contact_phone"
                    )
                changed["contact_phone"] = phone
            for name, value in changed.items():
                setattr(case, name, value)
            if "unit" in changed:
                case.building = building_of(changed["unit"])
            return {"fields": sorted(changed) + (["attachments"] if attachments else [])}

        return await self._transition(
            ref, Action.SUPPLEMENT, actor, apply=apply, public=False, then=add_attachments
        )

    async def change_category(
        self, ref: str | int, actor: Actor, category: str, reason: str
    ) -> Change:
        reason = _required(reason, "reason")
        if self.policy.category(category) is None:
            raise ValidationFailed(f"unknown category {category!r}", field="category")
        previous: dict[str, str] = {}

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            if case.category == category:
                raise ValidationFailed("the case already has that category", field="category")
            previous["category"] = case.category
            case.category = category
            return {"from": previous["category"], "to": category}

        change = await self._transition(ref, Action.RECATEGORIZE, actor, note=reason, apply=apply)
        await TriageCorrection.create(
            case=change.case,
            text=change.case.description,
            suggested=change.case.category_suggested or previous["category"],
            corrected=category,
            actor_kind=actor.kind,
            created_at=self.clock.now(),
        )
        return change

    async def change_severity(
        self, ref: str | int, actor: Actor, severity: Severity | str, reason: str
    ) -> Change:
        reason = _required(reason, "reason")
        try:
            target = Severity(severity)
        except ValueError:
            raise ValidationFailed(
                "severity must be general, important or major", field="severity"
            ) from None

        def apply(case: Case, now: datetime) -> dict[str, Any]:
            if case.severity == target:
                raise ValidationFailed("the case already has that severity", field="severity")
            before = case.severity
            case.severity = target
            if target.rank > before.rank and case.status.is_open:
                tighter = due_times(case.received_at, target, self.policy, self.settings.timezone)
                case.assign_due_at = _earlier(case.assign_due_at, tighter.assign)
                case.feedback_due_at = _earlier(case.feedback_due_at, tighter.first_feedback)
                case.resolve_due_at = _earlier(case.resolve_due_at, tighter.resolve)
                case.promised_assign_at = min(case.promised_assign_at, tighter.assign)
                case.promised_feedback_at = min(case.promised_feedback_at, tighter.first_feedback)
                case.promised_resolve_at = min(case.promised_resolve_at, tighter.resolve)
            return {"from": before.value, "to": target.value}

        async def alert_managers(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            if target is Severity.MAJOR:
                await self._alert_role(
                    conn, case, Role.MANAGER, OutboxKind.MANAGER_ALERT, "major", now
                )

        return await self._transition(
            ref, Action.CHANGE_SEVERITY, actor, note=reason, apply=apply, then=alert_managers
        )

    # ---- the door -------------------------------------------------------------------------------

    async def _transition(
        self,
        ref: str | int,
        action: Action,
        actor: Actor,
        *,
        note: str = "",
        public: bool | None = None,
        apply: Callable[[Case, datetime], dict[str, Any] | None] | None = None,
        conflict_if_owned: bool = False,
        then: AfterHook | None = None,
        guard: Callable[[Case, datetime], bool] | None = None,
    ) -> Change | None:
        if len(note) > MAX_NOTE:
            raise ValidationFailed(f"the text is longer than {MAX_NOTE} characters", field="note")
        async with in_transaction() as conn:
            case = await self._load_for_update(conn, ref, skip_locked=guard is not None)
            if case is None or (guard is not None and not guard(case, self.clock.now())):
                return None  # another instance is acting on it, or it is no longer due
            set_case(case.number)
            if conflict_if_owned and case.owner_id is not None:
                owner = await Staff.get_or_none(id=case.owner_id).using_db(conn)
                raise Conflict(
                    f"case {case.number} was already claimed by {owner.name if owner else 'someone'}",
                    owner=owner.name if owner else "",
                )
            check_permission(
                action,
                actor.kind,
                actor.role,
                owns_case=actor.kind is ActorKind.STAFF and case.owner_id == actor.id,
                case_has_other_owner=case.owner_id is not None,
                is_complainant=actor.kind is ActorKind.TENANT and case.complainant_id == actor.id,
                status=case.status,
            )
            before = case.status
            case.status = next_status(action, before)
            now = self.clock.now()
            data = (apply(case, now) if apply else None) or {}
            visible = action in TENANT_VISIBLE if public is None else public
            if (
                visible
                and actor.is_human
                and action in FEEDBACK_ACTIONS
                and case.first_feedback_at is None
            ):
                case.first_feedback_at = now
                case.feedback_due_at = None
            case.updated_at = now
            await case.save(using_db=conn)
            event = await self._event(
                conn,
                case,
                actor,
                action,
                before,
                case.status,
                now,
                note=note,
                public=visible,
                data=data,
            )
            # The tenant who acted is answered where they acted (the chat), not told again by the outbox.
            tell_tenant = visible and not (
                actor.kind is ActorKind.TENANT and case.complainant_id == actor.id
            )
            await self._notify_change(
                conn, case, action, note if visible else "", tell_tenant, now, data
            )
            if then is not None:
                await then(conn, case, now)
        return Change(case=case, action=action, from_status=before, event=event)

    async def _load_for_update(
        self, conn: BaseDBAsyncClient, ref: str | int, *, skip_locked: bool = False
    ) -> Case | None:
        """The case, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
        query = Case.select_for_update(skip_locked=skip_locked).using_db(conn)
        case = await (
            query.get_or_none(id=ref) if isinstance(ref, int) else query.get_or_none(number=ref)
        )
        if case is None and not skip_locked:
            raise NotFound(f"no case {ref}")
        return case

    async def _event(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        actor: Actor,
        action: Action,
        before: Status | str,
        after: Status,
        now: datetime,
        *,
        note: str = "",
        public: bool = False,
        data: dict[str, Any] | None = None,
    ) -> CaseEvent:
        return await CaseEvent.create(
            using_db=conn,
            case=case,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action.value,
            from_status=str(before),
            to_status=after.value,
            note=note,
            public=public,
            data=data or {},
        )

    async def _notify_change(
        self,
        conn: BaseDBAsyncClient,
        case: Case,
        action: Action,
        note: str,
        tell_tenant: bool,
        now: datetime,
        data: dict[str, Any],
    ) -> None:
        if tell_tenant and case.complainant_id:
            complainant = await Complainant.get_or_none(id=case.complainant_id).using_db(conn)
            if complainant and complainant.telegram_id:
                await enqueue(
                    conn,
                    chat_id=complainant.telegram_id,
                    kind=OutboxKind.TENANT_UPDATE,
                    now=now,
                    case_id=case.id,
                    payload={
                        "number": case.number,
                        "event": action.value,
                        "note": note,
                        "locale": complainant.locale,
                        **{k: v for k, v in data.items() if k == "owner"},
                    },
                )
        if self.settings.staff_chat_id is not None:
            await enqueue(
                conn,
                chat_id=self.settings.staff_chat_id,
                kind=OutboxKind.CARD_REFRESH,
                now=now,
                case_id=case.id,
                payload={"number": case.number},
            )
        if action in (Action.CLAIM, Action.ASSIGN) and "owner" in data and case.owner_id:
            owner = await Staff.get_or_none(id=case.owner_id).using_db(conn)
            if owner is not None:
                await enqueue(
                    conn,
                    chat_id=owner.telegram_id,
                    kind=OutboxKind.OWNER_BRIEF,
                    now=now,
                    case_id=case.id,
                    payload={"number": case.number, "locale": owner.locale},
                )

    def _level_notifier(self, reason: str) -> "AfterHook":
        """Tell the people of the case's (new) escalation level, in the same transaction."""

        async def notify(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
            role = self.policy.level_role(case.escalation_level)
            top = case.escalation_level >= self.policy.top_level
            kind = OutboxKind.MANAGER_ALERT if top else OutboxKind.ESCALATION
            await self._alert_role(conn, case, role, kind, reason, now)

        return notify


def _required(text: str, field: str) -> str:
    cleaned = (text or "").strip() if isinstance(text, str) else ""
    if not cleaned:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(cleaned) > MAX_NOTE:
        raise ValidationFailed(f"{field} is longer than {MAX_NOTE} characters", field=field)
    return cleaned


def _stop_clocks(case: Case) -> None:
    case.assign_due_at = case.feedback_due_at = case.resolve_due_at = case.hard_due_at = None
    case.followup_due_at = case.survey_reminder_at = case.survey_close_at = None


def _earlier(current: datetime | None, candidate: datetime) -> datetime | None:
    return None if current is None else min(current, candidate)


def _enum_or(enum: type, value: Any, default: Any) -> Any:
    try:
        return enum(value) if value is not None else default
    except ValueError:
        return default


def _triage_record(triage: Any) -> dict[str, Any]:
    """What the classifier said, kept with the case (it is training data later)."""
    if triage is None:
        return {}
    record: dict[str, Any] = {}
    for key in (
        "kind",
        "category",
        "severity",
        "confidence",
        "alternatives",
        "emergency",
        "collective",
        "triggers",
        "safety_check",
    ):
        value = getattr(triage, key, None)
        if value is not None:
            record[key] = list(value) if isinstance(value, tuple) else value
    evidence = getattr(triage, "evidence", None)
    if evidence is not None:
        record["evidence"] = (
            evidence if isinstance(evidence, dict) else getattr(evidence, "__dict__", str(evidence))
        )
    return record
