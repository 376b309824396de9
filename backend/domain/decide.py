"""The rules of every case command, as one pure step (docs/architecture.md#commands).

``decide(command, state, now, policy)`` reads a snapshot of the case (``CaseState``) and returns what
should happen (``Decision``): the new values of the case's fields, the event for its history and the
messages to send, by recipient role rather than chat id. It raises a DomainError when the command is
refused and returns None when there is nothing to do (a scheduled action no longer due, a repeat).
The service loads and locks the case, looks up what a rule needs from other tables, applies the
decision, persists it and queues the messages, all in one transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from .commands import (
    AddNote,
    AgeToMajor,
    AnswerSurvey,
    AnyCommand,
    Assign,
    Attachment,
    Cancel,
    ChangeCategory,
    ChangeSeverity,
    Claim,
    Close,
    CloseReason,
    CloseUnanswered,
    CommentSurvey,
    Escalate,
    EscalateMissedClock,
    FeedbackOverdue,
    JoinIncident,
    LeaveIncident,
    MarkInvalid,
    RemindSurvey,
    Reopen,
    Resolve,
    ResolveIncidentCase,
    SendSurvey,
    Start,
    Supplement,
)
from .contact import building_of, normalize_phone, regions_for
from .enums import Action, ActorKind, DueClock, Role, Severity, Status
from .errors import Conflict, IllegalTransition, ValidationFailed
from .messages import (
    CardRefresh,
    Escalation,
    FollowupCall,
    ManagerAlert,
    OutboxKind,
    OwnerBrief,
    Payload,
    Reminder,
    RoleAlert,
    StaffCard,
    Survey,
    SurveyReminder,
    TenantUpdate,
)
from .permissions import check_permission
from .policy import Policy
from .severity import SeveritySignals, automatic_severity
from .sla import DueTimes, due_times, followup_due
from .transitions import next_status

MAX_NOTE = 4000
MAX_SHORT = 200
MAX_COMMENT = 2000

# Events the tenant hears about in their own chat (docs/domain.md#messages-to-tenants).
TENANT_VISIBLE = frozenset(
    {
        Action.CLAIM,
        Action.ASSIGN,
        Action.RESOLVE,
        Action.REOPEN,
        Action.INVALID,
        Action.CANCEL,
        Action.CLOSE,
    }
)
# A human action that counts as the first feedback to the tenant.
FEEDBACK_ACTIONS = frozenset({Action.NOTE, Action.RESOLVE, Action.INVALID})
# The clocks a missed promise escalates on.
ESCALATING_CLOCKS = (DueClock.ASSIGN, DueClock.RESOLVE)
# The reasons a close may give (a cancel sets its own).
CLOSE_REASONS = (CloseReason.CONFIRMED, CloseReason.NO_RESPONSE, CloseReason.MANUAL)
# Every clock stopped: the case needs nothing more from anyone.
_STOPPED_CLOCKS: dict[str, Any] = {clock.column: None for clock in DueClock}


# ---- what the rules read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorFacts:
    """Who gives the command."""

    kind: ActorKind
    id: int | None = None
    name: str = ""
    role: Role | None = None

    @property
    def is_human(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.API)


@dataclass(frozen=True)
class StaffRef:
    """An active staff member a case is assigned to."""

    id: int
    name: str
    department_id: int | None = None


@dataclass(frozen=True)
class DepartmentRef:
    """An active department a case is assigned to."""

    id: int
    name: str


@dataclass(frozen=True)
class CaseState:
    """A snapshot of one case (fields named as the Case columns) and the facts a rule needs.

    The facts after ``actor`` are looked up by the service only for the commands that read them.
    """

    id: int
    number: str
    status: Status
    severity: Severity
    category: str
    category_suggested: str
    locale: str
    owner_id: int | None
    complainant_id: int | None
    incident_id: int | None
    escalation_level: int
    reopen_count: int
    received_at: datetime
    promised_assign_at: datetime
    promised_feedback_at: datetime
    promised_resolve_at: datetime
    assign_due_at: datetime | None
    feedback_due_at: datetime | None
    resolve_due_at: datetime | None
    hard_due_at: datetime | None
    followup_due_at: datetime | None
    survey_reminder_at: datetime | None
    survey_close_at: datetime | None
    assigned_at: datetime | None
    first_feedback_at: datetime | None
    satisfaction: int | None
    satisfaction_comment: str
    solved_confirmed: bool | None
    actor: ActorFacts
    timezone: tzinfo  # the deployment's local time (working days of the hard limit)
    phone_region: str  # the deployment's PHONE_REGION, to read a phone number given without +
    owner_name: str = ""  # Claim, FeedbackOverdue: the current owner's name
    tenant_has_chat: bool = False  # SendSurvey: the complainant can be asked in a chat
    assign_to_staff: StaffRef | None = None  # Assign: the staff member named by staff_id
    assign_to_department: DepartmentRef | None = None  # Assign: the one named by department_code
    has_staff_card: bool = (
        False  # LeaveIncident: the case already has its own card in the staff group
    )

    def due(self, clock: DueClock) -> datetime | None:
        """When `clock` runs out (None: it is stopped)."""
        return {
            DueClock.ASSIGN: self.assign_due_at,
            DueClock.FEEDBACK: self.feedback_due_at,
            DueClock.RESOLVE: self.resolve_due_at,
            DueClock.HARD: self.hard_due_at,
            DueClock.FOLLOWUP: self.followup_due_at,
            DueClock.SURVEY_REMINDER: self.survey_reminder_at,
            DueClock.SURVEY_CLOSE: self.survey_close_at,
        }[clock]

    @property
    def actor_is_complainant(self) -> bool:
        return self.actor.kind is ActorKind.TENANT and self.complainant_id == self.actor.id


# ---- what the rules decide -------------------------------------------------------------------------


class To(StrEnum):
    """Who a message is for; the service finds the chats (and adds the locale of one person)."""

    TENANT = "tenant"  # the complainant's chat, with their locale; nothing when they have none
    STAFF_CHAT = "staff_chat"  # the staff group, when one is configured
    OWNER = "owner"  # the owner's private chat, with their locale
    OWNER_OR_STAFF_CHAT = "owner_or_staff_chat"  # the owner, else the staff group
    ROLE = "role"  # every active staff member of `role`
    ROLE_OR_STAFF_CHAT = "role_or_staff_chat"  # every active staff member of `role`, else the group


@dataclass(frozen=True)
class Notice:
    """One message to send because of the decision (its kind is its payload's, see domain.messages)."""

    to: To
    payload: Payload
    role: Role | None = None  # for To.ROLE and To.ROLE_OR_STAFF_CHAT
    dedupe_key: str | None = None

    @property
    def kind(self) -> OutboxKind:
        return self.payload.kind


@dataclass(frozen=True)
class Event:
    """The entry in the case's history."""

    action: Action
    from_status: Status
    to_status: Status
    note: str = ""
    public: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Correction:
    """A staff correction of the category: training data for the classifier."""

    suggested: str
    corrected: str


@dataclass(frozen=True)
class Decision:
    """What a command does: the case's new field values, its event, messages and records to add."""

    changes: dict[str, Any]
    event: Event
    notices: tuple[Notice, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    correction: Correction | None = None


# ---- the step --------------------------------------------------------------------------------------


def decide(command: AnyCommand, state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    """What `command` does to the case in `state` at `now`; None when there is nothing to do."""
    match command:
        case Claim():
            return _claim(state, now, policy)
        case Assign():
            return _assign(command, state, now, policy)
        case Start():
            return _Step(Action.START, state, now, policy, note=command.note).done()
        case AddNote():
            note = _required(command.note, "note")
            return _Step(
                Action.NOTE, state, now, policy, note=note, public=command.to_tenant
            ).done()
        case Resolve():
            return _resolve(command, state, now, policy)
        case Reopen():
            return _reopen(_required(command.reason, "reason"), state, now, policy)
        case Close():
            return _close(command, state, now, policy)
        case MarkInvalid():
            return _mark_invalid(command, state, now, policy)
        case Cancel():
            return _cancel(command, state, now, policy)
        case Escalate():
            return _escalate(command, state, now, policy)
        case ChangeCategory():
            return _change_category(command, state, now, policy)
        case ChangeSeverity():
            return _change_severity(command, state, now, policy)
        case Supplement():
            return _supplement(command, state, now, policy)
        case AnswerSurvey():
            return _answer_survey(command, state, now, policy)
        case CommentSurvey():
            return _comment_survey(command, state, now, policy)
        case EscalateMissedClock():
            return _escalate_missed_clock(command, state, now, policy)
        case FeedbackOverdue():
            return _feedback_overdue(state, now, policy)
        case AgeToMajor():
            return _age_to_major(state, now, policy)
        case JoinIncident():
            return _join_incident(command, state, now, policy)
        case LeaveIncident():
            return _leave_incident(command, state, now, policy)
        case ResolveIncidentCase():
            return _resolve_incident_case(command, state, now, policy)
        case SendSurvey():
            return _send_survey(state, now, policy)
        case RemindSurvey():
            return _remind_survey(state, now, policy)
        case CloseUnanswered():
            return _close_unanswered(state, now, policy)
    raise ValidationFailed(f"unknown command {type(command).__name__}")


class _Step:
    """One transition being decided: permission, next status, field changes, the common rules."""

    def __init__(
        self,
        action: Action,
        state: CaseState,
        now: datetime,
        policy: Policy,
        *,
        note: str = "",
        public: bool | None = None,
    ) -> None:
        if len(note) > MAX_NOTE:
            raise ValidationFailed(f"the text is longer than {MAX_NOTE} characters", field="note")
        actor = state.actor
        check_permission(
            action,
            actor.kind,
            actor.role,
            owns_case=actor.kind is ActorKind.STAFF and state.owner_id == actor.id,
            case_has_other_owner=state.owner_id is not None,
            is_complainant=state.actor_is_complainant,
            status=state.status,
        )
        self.action, self.state, self.now, self.policy = action, state, now, policy
        self.note = note
        self.to_status = next_status(action, state.status)
        self.public = action in TENANT_VISIBLE if public is None else public
        self.changes: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.notices: list[Notice] = []

    def set(self, **changes: Any) -> None:
        self.changes.update(changes)

    def value(self, name: str) -> Any:
        """A field's value as decided so far."""
        return self.changes[name] if name in self.changes else getattr(self.state, name)

    def alert_role(self, role: Role, alert: type[RoleAlert], reason: str) -> None:
        level = self.value("escalation_level")
        payload = alert(number=self.state.number, reason=reason, level=level)
        self.notices.append(Notice(To.ROLE, payload, role=role))

    def alert_level(self, reason: str) -> None:
        """Tell the people of the case's (new) escalation level."""
        level = self.value("escalation_level")
        top = level >= self.policy.top_level
        alert = ManagerAlert if top else Escalation
        self.alert_role(self.policy.level_role(level), alert, reason)

    def done(
        self, *, attachments: tuple[Attachment, ...] = (), correction: Correction | None = None
    ) -> Decision:
        """The decision, with the rules every transition shares."""
        state, now = self.state, self.now
        if (
            self.public
            and state.actor.is_human
            and self.action in FEEDBACK_ACTIONS
            and state.first_feedback_at is None
        ):
            self.set(first_feedback_at=now, feedback_due_at=None)
        changes = {"status": self.to_status, **self.changes}
        common: list[Notice] = []
        # The tenant who acted is answered where they acted (the chat), not told again by the outbox.
        if self.public and not state.actor_is_complainant:
            update = TenantUpdate(
                number=state.number,
                event=self.action.value,
                note=self.note,
                owner=self.data.get("owner"),
            )
            common.append(Notice(To.TENANT, update))
        common.append(Notice(To.STAFF_CHAT, CardRefresh(number=state.number)))
        if (
            self.action in (Action.CLAIM, Action.ASSIGN)
            and "owner" in self.data
            and self.value("owner_id") is not None
        ):
            common.append(Notice(To.OWNER, OwnerBrief(number=state.number)))
        event = Event(
            self.action, state.status, self.to_status, self.note, self.public, dict(self.data)
        )
        notices = tuple(common + self.notices)
        return Decision(changes, event, notices, attachments, correction)


# ---- people's commands -----------------------------------------------------------------------------


def _claim(state: CaseState, now: datetime, policy: Policy) -> Decision:
    if state.owner_id is not None:
        owner = state.owner_name or "someone"
        raise Conflict(
            f"case {state.number} was already claimed by {owner}", owner=state.owner_name
        )
    step = _Step(Action.CLAIM, state, now, policy)
    step.set(owner_id=state.actor.id)
    _mark_assigned(step)
    step.data["owner"] = state.actor.name
    return step.done()


def _assign(command: Assign, state: CaseState, now: datetime, policy: Policy) -> Decision:
    if command.staff_id is None and command.department_code is None:
        raise ValidationFailed("name a staff member or a department", field="staff_id")
    step = _Step(Action.ASSIGN, state, now, policy, note=command.note)
    owner, department = state.assign_to_staff, state.assign_to_department
    if owner is not None:
        step.set(owner_id=owner.id)
        step.data["owner"] = owner.name
        if department is None and owner.department_id:
            step.set(department_id=owner.department_id)
    if department is not None:
        step.set(department_id=department.id)
        step.data["department"] = department.name
    if step.value("owner_id") is not None:
        _mark_assigned(step)
    return step.done()


def _mark_assigned(step: _Step) -> None:
    step.set(assigned_at=step.state.assigned_at or step.now, assign_due_at=None)


def _resolve(command: Resolve, state: CaseState, now: datetime, policy: Policy) -> Decision:
    resolution = _required(command.resolution, "resolution")
    step = _Step(Action.RESOLVE, state, now, policy, note=resolution)
    step.set(
        resolution=resolution,
        resolved_at=now,
        resolve_due_at=None,
        hard_due_at=None,
        followup_due_at=followup_due(now, state.severity, policy),
        survey_reminder_at=None,
        survey_close_at=None,
    )
    return step.done()


def _reopen(reason: str, state: CaseState, now: datetime, policy: Policy) -> Decision:
    """The problem is not solved: back to work, one level up (docs/domain.md#reopen).

    A closed case loses its follow-up answer (solved, rating, comment): it no longer describes the case
    and must not count in statistics or exports; the event keeps it. The next close asks again.
    """
    step = _Step(Action.REOPEN, state, now, policy, note=reason)
    if (
        state.satisfaction is not None
        or state.satisfaction_comment
        or state.solved_confirmed is not None
    ):
        step.data.update(
            previous_satisfaction=state.satisfaction,
            previous_comment=state.satisfaction_comment,
            previous_solved=state.solved_confirmed,
        )
    level = min(state.escalation_level + 1, policy.top_level)
    step.set(
        satisfaction=None,
        satisfaction_comment="",
        solved_confirmed=None,
        reopen_count=state.reopen_count + 1,
        resolved_at=None,
        closed_at=None,
        close_reason="",
        followup_due_at=None,
        survey_reminder_at=None,
        survey_close_at=None,
        resolve_due_at=now + policy.sla[state.severity].resolve,
        severity=automatic_severity(state.severity, SeveritySignals(previously_dissatisfied=True)),
        escalation_level=level,
    )
    step.data = {"level": level, "reopen_count": state.reopen_count + 1, **step.data}
    step.alert_level("reopened")
    return step.done()


def _close(command: Close, state: CaseState, now: datetime, policy: Policy) -> Decision:
    if command.reason not in CLOSE_REASONS:
        raise ValidationFailed("reason must be confirmed, no_response or manual", field="reason")
    reason = CloseReason(command.reason)
    satisfaction = command.satisfaction
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        raise ValidationFailed(
            "satisfaction must be a whole number from 1 to 5", field="satisfaction"
        )
    step = _Step(Action.CLOSE, state, now, policy, note=command.comment)
    step.set(
        closed_at=now,
        close_reason=reason.value,
        followup_due_at=None,
        survey_reminder_at=None,
        survey_close_at=None,
    )
    if reason is CloseReason.CONFIRMED:
        step.set(solved_confirmed=True)
    if satisfaction is not None:
        step.set(satisfaction=satisfaction, satisfaction_comment=command.comment.strip()[:MAX_NOTE])
    step.data.update(reason=reason.value, satisfaction=satisfaction)
    return step.done()


def _mark_invalid(
    command: MarkInvalid, state: CaseState, now: datetime, policy: Policy
) -> Decision:
    reason = _required(command.reason, "reason")
    step = _Step(Action.INVALID, state, now, policy, note=reason)
    step.set(invalid_reason=reason, closed_at=now, **_STOPPED_CLOCKS)
    return step.done()


def _cancel(command: Cancel, state: CaseState, now: datetime, policy: Policy) -> Decision:
    step = _Step(Action.CANCEL, state, now, policy, note=command.reason.strip())
    step.set(closed_at=now, close_reason=CloseReason.CANCELLED.value, **_STOPPED_CLOCKS)
    return step.done()


def _escalate(command: Escalate, state: CaseState, now: datetime, policy: Policy) -> Decision:
    step = _Step(Action.ESCALATE, state, now, policy, note=_required(command.reason, "reason"))
    if state.escalation_level >= policy.top_level:
        raise IllegalTransition(
            "the case is already at the highest escalation level", action="escalate"
        )
    step.set(escalation_level=state.escalation_level + 1)
    step.data["level"] = state.escalation_level + 1
    step.alert_level("escalated")
    return step.done()


def _supplement(command: Supplement, state: CaseState, now: datetime, policy: Policy) -> Decision:
    """Details that arrive after the case was filed; the phone is stored in E.164, read in the
    regions of the case's language (domain.contact.regions_for)."""
    values = {
        "unit": command.unit,
        "location": command.location,
        "contact_name": command.contact_name,
        "expectation": command.expectation,
    }
    for name, value in values.items():
        if value is not None and len(value) > (MAX_NOTE if name == "expectation" else MAX_SHORT):
            raise ValidationFailed(f"{name} is too long", field=name)
    step = _Step(Action.SUPPLEMENT, state, now, policy, public=False)
    changed = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    if command.contact_phone is not None:
        phone = normalize_phone(
            command.contact_phone, regions_for(state.locale, state.phone_region)
        )
        if phone is None:
            raise ValidationFailed(
                "contact_phone is not a valid phone number", field="contact_phone"
            )
        changed["contact_phone"] = phone
    step.set(**changed)
    if "unit" in changed:
        step.set(building=building_of(changed["unit"]))
    step.data["fields"] = sorted(changed) + (["attachments"] if command.attachments else [])
    return step.done(attachments=command.attachments)


def _change_category(
    command: ChangeCategory, state: CaseState, now: datetime, policy: Policy
) -> Decision:
    reason = _required(command.reason, "reason")
    category = command.category
    if policy.category(category) is None:
        raise ValidationFailed(f"unknown category {category!r}", field="category")
    step = _Step(Action.RECATEGORIZE, state, now, policy, note=reason)
    if state.category == category:
        raise ValidationFailed("the case already has that category", field="category")
    step.set(category=category)
    step.data.update({"from": state.category, "to": category})
    correction = Correction(state.category_suggested or state.category, category)
    return step.done(correction=correction)


def _change_severity(
    command: ChangeSeverity, state: CaseState, now: datetime, policy: Policy
) -> Decision:
    reason = _required(command.reason, "reason")
    try:
        target = Severity(command.severity)
    except ValueError:
        raise ValidationFailed(
            "severity must be general, important or major", field="severity"
        ) from None
    step = _Step(Action.CHANGE_SEVERITY, state, now, policy, note=reason)
    if state.severity == target:
        raise ValidationFailed("the case already has that severity", field="severity")
    step.set(severity=target)
    if target.rank > state.severity.rank and step.to_status.is_open:
        step.set(
            **_tightened_clocks(state, due_times(state.received_at, target, policy, state.timezone))
        )
    step.data.update({"from": state.severity.value, "to": target.value})
    if target is Severity.MAJOR:
        step.alert_role(Role.MANAGER, ManagerAlert, "major")
    return step.done()


def _tightened_clocks(state: CaseState, tighter: DueTimes) -> dict[str, Any]:
    """The promises and running clocks under a higher severity: earlier, never later.

    A stopped clock stays stopped; the hard limit does not depend on severity.
    """
    promised = DueTimes(
        assign=state.promised_assign_at,
        first_feedback=state.promised_feedback_at,
        resolve=state.promised_resolve_at,
        hard_limit=tighter.hard_limit,
    ).tightened(tighter)
    running = DueTimes(
        assign=state.assign_due_at or tighter.assign,
        first_feedback=state.feedback_due_at or tighter.first_feedback,
        resolve=state.resolve_due_at or tighter.resolve,
        hard_limit=tighter.hard_limit,
    ).tightened(tighter)
    return {
        "promised_assign_at": promised.assign,
        "promised_feedback_at": promised.first_feedback,
        "promised_resolve_at": promised.resolve,
        "assign_due_at": running.assign if state.assign_due_at else None,
        "feedback_due_at": running.first_feedback if state.feedback_due_at else None,
        "resolve_due_at": running.resolve if state.resolve_due_at else None,
    }


# ---- the tenant's survey answers -------------------------------------------------------------------


def _answer_survey(
    command: AnswerSurvey, state: CaseState, now: datetime, policy: Policy
) -> Decision:
    if not command.solved:
        return _reopen("the tenant says the problem is not solved", state, now, policy)
    satisfaction = command.satisfaction
    if satisfaction is None or not 1 <= satisfaction <= 5:
        raise ValidationFailed(
            "satisfaction must be a whole number from 1 to 5", field="satisfaction"
        )
    close = Close(ref=command.ref, reason=CloseReason.CONFIRMED, satisfaction=satisfaction)
    return _close(close, state, now, policy)


def _comment_survey(
    command: CommentSurvey, state: CaseState, now: datetime, policy: Policy
) -> Decision | None:
    comment = (command.comment or "").strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"a comment has 1–{MAX_COMMENT} characters", field="comment")
    if state.satisfaction_comment == comment:
        return None  # an update handled twice: the comment is kept once
    step = _Step(Action.COMMENT, state, now, policy, note=comment, public=False)
    step.set(satisfaction_comment=comment)
    return step.done()


# ---- the scheduler's actions (each acts once per due clock: it re-checks the clock) ---------------


def _open_and_due(clock: DueClock) -> Callable[[CaseState, datetime], bool]:
    def check(state: CaseState, now: datetime) -> bool:
        due = state.due(clock)
        return state.status.is_open and due is not None and due <= now

    return check


def _resolved_and_due(clock: DueClock) -> Callable[[CaseState, datetime], bool]:
    def check(state: CaseState, now: datetime) -> bool:
        due = state.due(clock)
        return state.status is Status.RESOLVED and due is not None and due <= now

    return check


def _escalate_missed_clock(
    command: EscalateMissedClock, state: CaseState, now: datetime, policy: Policy
) -> Decision | None:
    """A promise was missed: one level up and tell that level (docs/domain.md#escalation).

    The clock is re-armed so that a second miss escalates again, up to the top level.
    """
    clock = command.clock
    if clock not in ESCALATING_CLOCKS:
        raise ValidationFailed(f"the {clock.value} clock does not escalate", field="clock")
    missed = state.due(clock)
    if missed is None or not _open_and_due(clock)(state, now):
        return None
    step = _Step(Action.ESCALATE, state, now, policy, note=f"{clock.value} clock missed")
    top = policy.top_level
    level = min(state.escalation_level + 1, top)
    clocks = policy.sla[state.severity]
    duration = clocks.assign if clock is DueClock.ASSIGN else clocks.resolve
    # Re-armed while there is a level left to tell; at the top the manager already knows.
    step.set(escalation_level=level, **{clock.column: now + duration if level < top else None})
    step.data.update(level=level, clock=clock.value, missed=missed.isoformat())
    step.alert_level(f"{clock.value}_overdue")
    return step.done()


def _feedback_overdue(state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    """Nobody has written to the tenant in time: an honest automatic note, and a reminder to the owner."""
    if not _open_and_due(DueClock.FEEDBACK)(state, now) or state.first_feedback_at is not None:
        return None
    note = "automatic progress note: no feedback in time"
    step = _Step(Action.NOTE, state, now, policy, note=note, public=False)
    step.set(feedback_due_at=None)  # the automatic note is sent once; the owner is reminded once
    step.data["auto"] = True
    progress = TenantUpdate(
        number=state.number,
        event="auto_progress",
        owner=state.owner_name,
        expected=state.promised_resolve_at,
    )
    step.notices.append(Notice(To.TENANT, progress))
    reminder = Reminder(number=state.number, reason="feedback_overdue")
    step.notices.append(Notice(To.OWNER_OR_STAFF_CHAT, reminder))
    return step.done()


def _age_to_major(state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    """Still unresolved after `major_after_days`: major (docs/domain.md#unresolved-for-too-long)."""
    days = policy.major_after_days
    if not (
        state.status.is_open
        and state.severity is not Severity.MAJOR
        and now - state.received_at >= timedelta(days=days)
    ):
        return None
    step = _Step(Action.CHANGE_SEVERITY, state, now, policy, note=f"unresolved after {days} days")
    severity = automatic_severity(
        state.severity,
        SeveritySignals(days_unresolved=(now - state.received_at).days),
        major_after_days=days,
    )
    step.set(severity=severity)
    step.data.update(
        {"from": state.severity.value, "to": severity.value, "reason": "unresolved_30_days"}
    )
    step.alert_role(Role.MANAGER, ManagerAlert, "unresolved_long")
    return step.done()


def _join_incident(
    command: JoinIncident, state: CaseState, now: datetime, policy: Policy
) -> Decision | None:
    """A collective complaint: the case joins the incident and becomes major."""
    if not state.status.is_open or state.incident_id is not None:
        return None
    households = command.households
    note = f"collective complaint: {households} households"
    step = _Step(Action.CHANGE_SEVERITY, state, now, policy, note=note)
    severity = automatic_severity(
        state.severity,
        SeveritySignals(collective_households=households),
        collective_threshold=policy.collective_households,
    )
    step.set(incident_id=command.incident_id, severity=severity)
    step.data.update(
        {
            "incident": command.incident_id,
            "households": households,
            "from": state.severity.value,
            "to": severity.value,
        }
    )
    if command.alert_managers:
        step.alert_role(Role.MANAGER, ManagerAlert, "collective")
    return step.done()


def _leave_incident(
    command: LeaveIncident, state: CaseState, now: datetime, policy: Policy
) -> Decision | None:
    """Staff take the case out of its incident; it is handled on its own from now on, with its own card."""
    if state.incident_id is None or state.incident_id != command.incident_id:
        return None  # not (or no longer) in that incident: a repeated click
    note = f"removed from incident {command.incident_id}"
    step = _Step(Action.NOTE, state, now, policy, note=note, public=False)
    step.set(incident_id=None)
    step.data.update({"incident": command.incident_id, "left": True})
    if not state.has_staff_card:
        card = StaffCard(number=state.number)
        step.notices.append(Notice(To.STAFF_CHAT, card, dedupe_key=f"card:{state.id}"))
    return step.done()


def _resolve_incident_case(
    command: ResolveIncidentCase, state: CaseState, now: datetime, policy: Policy
) -> Decision | None:
    """One case of a resolved incident: resolved with the incident's text, its follow-up survey started.

    A case nobody took yet is resolved from "new" by the staff member who resolved the incident (they
    become its owner): the incident was handled as a whole.
    """
    resolution = _required(command.resolution, "resolution")
    if not state.status.is_open or state.incident_id != command.incident_id:
        return None  # resolved, closed or taken out of the incident meanwhile
    taken = state
    if state.status is Status.NEW:
        owner = state.actor.id if state.actor.kind is ActorKind.STAFF else None
        taken = replace(state, status=Status.ASSIGNED, owner_id=owner or state.owner_id)
    decision = _resolve(Resolve(ref=state.id, resolution=resolution), taken, now, policy)
    changes = dict(decision.changes)
    if taken is not state:
        if taken.owner_id is not None:
            changes.update(owner_id=taken.owner_id)
        changes.update(assigned_at=now, assign_due_at=None)
    data = {**decision.event.data, "incident": command.incident_id}
    event = replace(decision.event, from_status=state.status, data=data)
    return replace(decision, changes=changes, event=event)


def _send_survey(state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    """Ask the tenant whether the problem is solved; a tenant without a chat gets a phone call."""
    if not _resolved_and_due(DueClock.FOLLOWUP)(state, now):
        return None
    step = _Step(Action.NOTE, state, now, policy, note="follow-up survey sent", public=False)
    step.set(followup_due_at=None)
    step.data["survey"] = "sent"
    if state.tenant_has_chat:
        step.set(
            survey_reminder_at=now + policy.survey_reminder_after,
            survey_close_at=now + policy.survey_close_after,
        )
        key = f"survey:{state.id}:{state.reopen_count}"
        step.notices.append(Notice(To.TENANT, Survey(number=state.number), dedupe_key=key))
    else:  # the follow-up is a phone call by the role the policy names for this severity
        step.set(survey_reminder_at=None, survey_close_at=None)
        role = policy.sla[state.severity].followup_by
        step.notices.append(
            Notice(To.ROLE_OR_STAFF_CHAT, FollowupCall(number=state.number), role=role)
        )
    return step.done()


def _remind_survey(state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    if not _resolved_and_due(DueClock.SURVEY_REMINDER)(state, now):
        return None
    step = _Step(Action.NOTE, state, now, policy, note="follow-up survey reminder", public=False)
    step.set(survey_reminder_at=None)
    step.data["survey"] = "reminded"
    key = f"survey-reminder:{state.id}:{state.reopen_count}"
    step.notices.append(Notice(To.TENANT, SurveyReminder(number=state.number), dedupe_key=key))
    return step.done()


def _close_unanswered(state: CaseState, now: datetime, policy: Policy) -> Decision | None:
    """No answer after the reminder: closed as "no response" (docs/domain.md#follow-up-survey-after-resolution)."""
    if not _resolved_and_due(DueClock.SURVEY_CLOSE)(state, now):
        return None
    note = "no answer to the follow-up survey"
    step = _Step(Action.CLOSE, state, now, policy, note=note)
    step.set(
        closed_at=now,
        close_reason=CloseReason.NO_RESPONSE.value,
        followup_due_at=None,
        survey_reminder_at=None,
        survey_close_at=None,
    )
    step.data["reason"] = CloseReason.NO_RESPONSE.value
    return step.done()


# ---- input text ------------------------------------------------------------------------------------


def _required(text: object, name: str) -> str:
    """A text a person must give, stripped; ValidationFailed when missing or too long."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise ValidationFailed(f"{name} is required", field=name)
    if len(cleaned) > MAX_NOTE:
        raise ValidationFailed(f"{name} is longer than {MAX_NOTE} characters", field=name)
    return cleaned
