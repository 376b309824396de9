"""Persistence (Tortoise ORM). Only services import this module; rules live in backend.domain.

Each foreign key is followed by its column's annotation (`owner_id: int | None`): Tortoise creates that
attribute itself, the annotation only lets a type checker see it (it adds no field or column).
"""

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from .domain.enums import ActorKind, Channel, Kind, ResidentRole, Role, Severity, Status


class Estate(Model):
    """One estate (小区, 大厦, 商场) with its own office: staff group, duty phone, hours (docs/domain.md#estates).

    Empty settings fall back to the deployment's (STAFF_CHAT_ID, DUTY_PHONE, TIMEZONE, the policy's
    business hours): a single-estate deployment has one estate and keeps its configuration.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # the deep link's start parameter
    name = fields.CharField(max_length=100)
    address = fields.CharField(max_length=200, default="")
    timezone = fields.CharField(max_length=64, default="")
    duty_phone = fields.CharField(max_length=32, default="")
    staff_chat_id = fields.BigIntField(null=True)
    # {"start": "08:30", "end": "18:00", "days": [...], "holidays": [...]}; {} = the policy's
    business_hours: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "estate"


class Resident(Model):
    """One person of the resident register: who lives (or keeps a shop) in which unit."""

    id = fields.IntField(primary_key=True)
    estate: fields.ForeignKeyRelation[Estate] = fields.ForeignKeyField(
        "models.Estate", on_delete=fields.CASCADE, related_name="residents"
    )
    estate_id: int
    building = fields.CharField(max_length=32)
    unit = fields.CharField(max_length=64)
    name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=32, default="")  # E.164 or ""
    role = fields.CharEnumField(ResidentRole, max_length=16)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "resident"
        unique_together = (("estate", "building", "unit", "name"),)
        indexes = (Index(fields=("phone",), name="resident_phone"),)


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=100)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "department"


class Staff(Model):
    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(unique=True)
    name = fields.CharField(max_length=100)
    role = fields.CharEnumField(Role, max_length=16)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", null=True, on_delete=fields.SET_NULL, related_name="staff"
    )
    department_id: int | None
    phone = fields.CharField(max_length=32, default="")
    locale = fields.CharField(max_length=8, default="zh_CN")
    on_duty = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    estates: fields.ReverseRelation["StaffEstate"]  # created by StaffEstate.staff

    class Meta:
        table = "staff"


class StaffEstate(Model):
    """A staff member works for an estate (agents and supervisors see only their estates).

    A manager or admin without any estate is head office and sees all (docs/domain.md#estates).
    """

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", on_delete=fields.CASCADE, related_name="estates"
    )
    staff_id: int
    estate: fields.ForeignKeyRelation[Estate] = fields.ForeignKeyField(
        "models.Estate", on_delete=fields.CASCADE, related_name="staff"
    )
    estate_id: int

    class Meta:
        table = "staff_estate"
        unique_together = (("staff", "estate"),)


class StaffInvite(Model):
    """A one-time code an admin hands to a new colleague, who sends it to the bot to register."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    role = fields.CharEnumField(Role, max_length=16)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", null=True, on_delete=fields.SET_NULL, related_name="invites"
    )
    department_id: int | None
    # The estates the colleague will work for ([]: none named, see docs/domain.md#estates).
    estate_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by = fields.BigIntField(null=True)

    class Meta:
        table = "staff_invite"


class Complainant(Model):
    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(unique=True, null=True)
    name = fields.CharField(max_length=100, default="")
    phone = fields.CharField(max_length=32, default="")
    unit = fields.CharField(max_length=64, default="")
    locale = fields.CharField(max_length=8, default="zh_CN")
    # The estate the tenant chose (/start CODE, or from the list): their cases go to its office.
    estate: fields.ForeignKeyNullableRelation[Estate] = fields.ForeignKeyField(
        "models.Estate", null=True, on_delete=fields.SET_NULL, related_name="complainants"
    )
    estate_id: int | None
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "complainant"
        # the front desk finds a caller by phone (docs/domain.md#channels)
        indexes = (Index(fields=("phone",), name="complainant_phone"),)


class IncidentStatus(StrEnum):
    """Where an incident is: the system proposes it, staff confirm it, resolving it resolves its cases."""

    PROPOSED = "proposed"  # opened by the system, not yet confirmed by a staff member
    CONFIRMED = "confirmed"
    RESOLVED = "resolved"


class Incident(Model):
    """Several cases about one problem (a collective complaint): one staff card, one note to all."""

    id = fields.IntField(primary_key=True)
    category = fields.CharField(max_length=32)
    estate: fields.ForeignKeyNullableRelation[Estate] = fields.ForeignKeyField(
        "models.Estate", null=True, on_delete=fields.SET_NULL, related_name="incidents"
    )
    estate_id: int | None
    building = fields.CharField(max_length=32)
    created_at = fields.DatetimeField()
    status = fields.CharEnumField(IncidentStatus, max_length=16, default=IncidentStatus.PROPOSED)
    # The jieba keywords of its cases' descriptions: a new case joins when its wording shares one.
    keywords: fields.JSONField[list[str]] = fields.JSONField(default=list)
    latest_at = fields.DatetimeField(null=True)  # when the latest case joined
    # A refresh of the incident card is queued and not yet rendered: joins meanwhile queue nothing.
    refresh_queued = fields.BooleanField(default=False)
    confirmed_by = fields.CharField(max_length=100, default="")
    resolved_at = fields.DatetimeField(null=True)
    resolution = fields.TextField(default="")

    class Meta:
        table = "incident"
        indexes = (
            Index(fields=("building", "category", "created_at"), name="incident_building_category"),
            Index(fields=("status", "created_at"), name="incident_status_created"),
        )


class IncidentNote(Model):
    """An entry in an incident's timeline: a note sent to all its tenants, its resolution, a case added.

    The key makes a repeated send (a double click, the same update twice) do nothing the second time.
    """

    id = fields.IntField(primary_key=True)
    incident: fields.ForeignKeyRelation[Incident] = fields.ForeignKeyField(
        "models.Incident", on_delete=fields.CASCADE, related_name="notes"
    )
    incident_id: int
    key = fields.CharField(max_length=80, unique=True)
    kind = fields.CharField(max_length=16, default="note")  # note, resolve, confirm, add, remove
    text = fields.TextField(default="")
    actor_name = fields.CharField(max_length=100, default="")
    cases = fields.IntField(default=0)  # how many cases it reached
    at = fields.DatetimeField()

    class Meta:
        table = "incident_note"
        indexes = (Index(fields=("incident_id", "at"), name="incident_note_incident_at"),)


class Case(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    client_key = fields.CharField(max_length=80, unique=True, null=True)
    kind = fields.CharEnumField(Kind, max_length=16)
    category = fields.CharField(max_length=32)
    category_suggested = fields.CharField(max_length=32, default="")
    severity = fields.CharEnumField(Severity, max_length=16)
    status = fields.CharEnumField(Status, max_length=16, default=Status.NEW)
    channel = fields.CharEnumField(Channel, max_length=16, default=Channel.CHAT)
    description = fields.TextField()
    location = fields.CharField(max_length=200, default="")
    unit = fields.CharField(max_length=64, default="")
    building = fields.CharField(max_length=32, default="")
    expectation = fields.TextField(default="")
    subject = fields.CharField(max_length=200, default="")  # person or department complained about
    contact_name = fields.CharField(max_length=100, default="")
    contact_phone = fields.CharField(max_length=32, default="")
    locale = fields.CharField(max_length=8, default="zh_CN")
    complainant: fields.ForeignKeyNullableRelation[Complainant] = fields.ForeignKeyField(
        "models.Complainant", null=True, on_delete=fields.SET_NULL, related_name="cases"
    )
    complainant_id: int | None
    estate: fields.ForeignKeyNullableRelation[Estate] = fields.ForeignKeyField(
        "models.Estate", null=True, on_delete=fields.SET_NULL, related_name="cases"
    )
    estate_id: int | None
    # The phone the case came with is in the estate's resident register (unit and name from there).
    resident_verified = fields.BooleanField(default=False)
    owner: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", null=True, on_delete=fields.SET_NULL, related_name="owned_cases"
    )
    owner_id: int | None
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", null=True, on_delete=fields.SET_NULL, related_name="cases"
    )
    department_id: int | None
    incident: fields.ForeignKeyNullableRelation[Incident] = fields.ForeignKeyField(
        "models.Incident", null=True, on_delete=fields.SET_NULL, related_name="cases"
    )
    incident_id: int | None
    staff_thread_id = fields.BigIntField(
        null=True
    )  # the case's own topic when the staff group is a forum
    escalation_level = fields.SmallIntField(default=1)
    reopen_count = fields.SmallIntField(default=0)
    off_hours = fields.BooleanField(default=False)
    triage: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    resolution = fields.TextField(default="")
    invalid_reason = fields.TextField(default="")
    close_reason = fields.CharField(max_length=32, default="")
    # Promises (UTC) as told to the tenant; kept for SLA compliance, only ever tightened.
    promised_assign_at = fields.DatetimeField()
    promised_feedback_at = fields.DatetimeField()
    promised_resolve_at = fields.DatetimeField()
    # Action clocks (UTC) for the scheduler. A clock is due while set and in the past; acting on it
    # clears or moves it.
    assign_due_at = fields.DatetimeField(null=True)
    feedback_due_at = fields.DatetimeField(null=True)
    resolve_due_at = fields.DatetimeField(null=True)
    hard_due_at = fields.DatetimeField(null=True)
    followup_due_at = fields.DatetimeField(null=True)
    survey_reminder_at = fields.DatetimeField(null=True)
    survey_close_at = fields.DatetimeField(null=True)
    # Milestones (UTC)
    received_at = fields.DatetimeField()
    assigned_at = fields.DatetimeField(null=True)
    first_feedback_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # Follow-up
    solved_confirmed = fields.BooleanField(null=True)
    satisfaction = fields.SmallIntField(null=True)
    satisfaction_comment = fields.TextField(default="")
    anonymized_at = fields.DatetimeField(
        null=True
    )  # personal data removed after the retention period
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "case"
        indexes = (
            Index(fields=("status", "assign_due_at"), name="case_status_assign_due"),
            Index(fields=("status", "feedback_due_at"), name="case_status_feedback_due"),
            Index(fields=("status", "resolve_due_at"), name="case_status_resolve_due"),
            Index(fields=("status", "hard_due_at"), name="case_status_hard_due"),
            Index(fields=("status", "followup_due_at"), name="case_status_followup_due"),
            Index(fields=("status", "survey_reminder_at"), name="case_status_survey_reminder"),
            Index(fields=("status", "survey_close_at"), name="case_status_survey_close"),
            Index(fields=("status", "received_at"), name="case_status_received"),
            Index(fields=("category", "received_at"), name="case_category_received"),
            Index(fields=("severity", "status"), name="case_severity_status"),
            Index(
                fields=("category", "severity", "received_at"),
                name="case_category_severity_received",
            ),
            Index(fields=("department_id", "status"), name="case_department_status"),
            Index(fields=("owner_id", "status"), name="case_owner_status"),
            Index(fields=("complainant_id", "received_at"), name="case_complainant_received"),
            Index(fields=("received_at",), name="case_received"),
            Index(fields=("anonymized_at", "closed_at"), name="case_retention"),
            Index(fields=("incident_id", "received_at"), name="case_incident_received"),
            Index(fields=("estate_id", "status"), name="case_estate_status"),
        )


class CaseEvent(Model):
    """Append-only audit record: who did what to a case, when, from which status to which."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", on_delete=fields.CASCADE, related_name="events"
    )
    case_id: int
    at = fields.DatetimeField()
    actor_kind = fields.CharEnumField(ActorKind, max_length=16)
    actor_id = fields.BigIntField(null=True)
    actor_name = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=32)
    from_status = fields.CharField(max_length=16, default="")
    to_status = fields.CharField(max_length=16, default="")
    note = fields.TextField(default="")
    public = fields.BooleanField(default=False)  # shown to the tenant
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "case_event"
        indexes = (Index(fields=("case_id", "at"), name="case_event_case_at"),)


class Attachment(Model):
    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", on_delete=fields.CASCADE, related_name="attachments"
    )
    case_id: int
    file_id = fields.CharField(max_length=255)
    file_unique_id = fields.CharField(max_length=64, default="")
    kind = fields.CharField(max_length=16)  # photo, document, video
    caption = fields.CharField(max_length=1024, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "attachment"


class OutboxMessage(Model):
    """A message to deliver. Written in the same transaction as the change that caused it."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyNullableRelation[Case] = fields.ForeignKeyField(
        "models.Case", null=True, on_delete=fields.CASCADE, related_name="outbox"
    )
    case_id: int | None
    chat_id = fields.BigIntField()
    kind = fields.CharField(max_length=32)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=120, unique=True, null=True)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    telegram_message_id = fields.BigIntField(
        null=True
    )  # what was sent, so a card can be edited later
    created_at = fields.DatetimeField()

    class Meta:
        table = "outbox_message"
        indexes = (Index(fields=("sent_at", "next_attempt_at"), name="outbox_pending"),)


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    role = fields.CharEnumField(Role, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    # The estates the token may see and act on ([]: every estate, as before estates existed).
    estate_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class TriageCorrection(Model):
    """A category a human chose instead of the suggested one: training data for `qingchu nlp retrain`."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyNullableRelation[Case] = fields.ForeignKeyField(
        "models.Case", null=True, on_delete=fields.SET_NULL, related_name="corrections"
    )
    case_id: int | None
    text = fields.TextField()
    suggested = fields.CharField(max_length=32)
    corrected = fields.CharField(max_length=32)
    actor_kind = fields.CharEnumField(ActorKind, max_length=16)
    created_at = fields.DatetimeField()

    class Meta:
        table = "triage_correction"


class CaseCounter(Model):
    """The last case sequence number handed out per local day."""

    day = fields.CharField(max_length=8, primary_key=True)
    last_sequence = fields.IntField(default=0)

    class Meta:
        table = "case_counter"


class Dialog(Model):
    """Where a person is in a guided chat dialog. In the database so any instance and a restart can
    continue it."""

    key = fields.CharField(max_length=48, primary_key=True)  # "<chat id>:<user id>"
    chat_id = fields.BigIntField()
    user_id = fields.BigIntField()
    flow = fields.CharField(max_length=32)
    state = fields.CharField(max_length=32)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "dialog"
        indexes = (Index(fields=("updated_at",), name="dialog_updated"),)


class InboxUpdate(Model):
    """Telegram updates already taken: a redelivered update is recognised and handled once.

    In webhook mode the update itself is kept (payload) until an instance has processed it, so answering
    Telegram 200 never loses an update, whichever instance crashes.
    """

    update_id = fields.BigIntField(primary_key=True, generated=False)
    chat_id = fields.BigIntField(null=True)
    received_at = fields.DatetimeField()
    payload: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)
    # A private chat over the flood limit: its update is kept (payload) and handled once this time comes.
    held_until = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_update"
        indexes = (
            Index(fields=("received_at",), name="inbox_update_received"),
            Index(fields=("chat_id", "received_at"), name="inbox_update_chat_received"),
            Index(fields=("processed_at", "update_id"), name="inbox_update_pending"),
        )


class SatisfactionSurvey(Model):
    """The twice-yearly satisfaction survey (domain.md, "Follow-up and satisfaction")."""

    id = fields.IntField(primary_key=True)
    period = fields.CharField(max_length=7, unique=True)  # "2027-01"
    sent_at = fields.DatetimeField()
    recipients = fields.IntField(default=0)

    class Meta:
        table = "satisfaction_survey"


class SurveyAnswer(Model):
    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[SatisfactionSurvey] = fields.ForeignKeyField(
        "models.SatisfactionSurvey", on_delete=fields.CASCADE, related_name="answers"
    )
    survey_id: int
    complainant: fields.ForeignKeyNullableRelation[Complainant] = fields.ForeignKeyField(
        "models.Complainant", null=True, on_delete=fields.SET_NULL, related_name="survey_answers"
    )
    complainant_id: int | None
    category = fields.CharField(
        max_length=32, default=""
    )  # of the tenant's latest case, "" when none
    score = fields.SmallIntField(null=True)
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey_answer"
        unique_together = (("survey", "complainant"),)


class SignInLink(Model):
    """A one-time dashboard sign-in link (stored hashed, valid for minutes)."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", on_delete=fields.CASCADE, related_name="sign_in_links"
    )
    staff_id: int
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_link"


class WebSession(Model):
    """A dashboard session: the cookie holds the token, the database its hash and its CSRF secret."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", on_delete=fields.CASCADE, related_name="web_sessions"
    )
    staff_id: int
    locale = fields.CharField(max_length=8, default="zh_CN")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_session"
        indexes = (Index(fields=("staff_id", "ended_at"), name="web_session_staff"),)


class SendSlot(Model):
    """One Bot API send, counted by every instance: the shared ledger of Telegram's sending limits.

    It counts while the call is in flight (done_at empty) and for a window after the call returned.
    """

    id = fields.BigIntField(primary_key=True)
    chat_id = fields.BigIntField()
    taken_at = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "send_slot"
        indexes = (
            Index(fields=("taken_at",), name="send_slot_taken"),
            Index(fields=("chat_id", "taken_at"), name="send_slot_chat_taken"),
            Index(fields=("done_at",), name="send_slot_done"),
        )


class Lease(Model):
    """A named role only one process may hold at a time (e.g. polling Telegram), renewed while alive."""

    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=200)
    taken_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "lease"
