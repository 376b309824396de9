"""The outbox's messages: one kind per message and one payload dataclass per kind.

The services write a payload with `to_json()` into `OutboxMessage.payload`; delivery (bot/delivery.py)
reads it back with `from_json()`. Reading is lenient, so rows written before a field existed still load:
unknown keys are ignored and a missing optional field takes its default.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self


class OutboxKind(StrEnum):
    """What a message is; the value is stored in `OutboxMessage.kind`."""

    RECEIPT = "receipt"  # tenant: case number and promised feedback time
    TENANT_UPDATE = "tenant_update"  # tenant: assigned, note, resolved, reopened, invalid, …
    STAFF_CARD = (
        "staff_card"  # staff group: the case card (rendered from the database at send time)
    )
    CARD_REFRESH = "card_refresh"  # staff group: edit the card in place
    CARD_PHOTO = "card_photo"  # staff group: the first photo, under the card, with the count
    MANAGER_ALERT = (
        "manager_alert"  # a manager, privately: major case or escalation to the top level
    )
    ESCALATION = "escalation"  # staff of the new level, privately
    DUTY_ALERT = "duty_alert"  # duty officer, privately: a case arrived outside business hours
    OWNER_BRIEF = "owner_brief"  # the new owner, privately: full phone number and history
    REMINDER = "reminder"  # the owner (or the staff group): a promise is due
    SURVEY = "survey"  # tenant: is it solved? (回访)
    SURVEY_REMINDER = "survey_reminder"  # tenant: the one reminder of an unanswered survey
    FOLLOWUP_CALL = "followup_call"  # staff: call a tenant who has no chat for the follow-up
    REPORT = "report"  # a manager: the monthly report
    SATISFACTION_SURVEY = "satisfaction_survey"  # tenant: the twice-yearly satisfaction question
    DIALOG_EXPIRED = "dialog_expired"  # tenant: an unfinished dialog was put aside
    INCIDENT_CARD = "incident_card"  # staff group: the one card of an incident
    INCIDENT_REFRESH = (
        "incident_refresh"  # staff group: edit the incident card in place (coalesced)
    )


@dataclass(frozen=True, kw_only=True)
class Payload:
    """What one message carries; `kind` says which message it is."""

    kind: ClassVar[OutboxKind]
    # How a field's JSON value becomes the field's value, where it is not the JSON value itself.
    decoders: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    def to_json(self) -> dict[str, Any]:
        """The stored form: every field that is set (None is left out), times in ISO 8601."""
        result: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                result[item.name] = value.isoformat() if isinstance(value, datetime) else value
        return result

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The payload of a stored row; keys this payload does not know are ignored."""
        values = {}
        for item in fields(cls):
            if item.name in data:
                value = data[item.name]
                decode = cls.decoders.get(item.name)
                values[item.name] = decode(value) if decode and value is not None else value
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class ToPerson(Payload):
    """A message to one person, written in their language (the service fills `locale` in; None:
    the deployment's default language)."""

    locale: str | None = None


@dataclass(frozen=True, kw_only=True)
class Receipt(ToPerson):
    kind = OutboxKind.RECEIPT
    number: str


@dataclass(frozen=True, kw_only=True)
class TenantUpdate(ToPerson):
    """`event` is the action (or "auto_progress"); `expected` is when the case should be resolved."""

    kind = OutboxKind.TENANT_UPDATE
    decoders = {"expected": datetime.fromisoformat}
    number: str
    event: str
    note: str = ""
    owner: str | None = None
    expected: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class StaffCard(Payload):
    kind = OutboxKind.STAFF_CARD
    number: str


@dataclass(frozen=True, kw_only=True)
class CardRefresh(Payload):
    kind = OutboxKind.CARD_REFRESH
    number: str


@dataclass(frozen=True, kw_only=True)
class CardPhoto(Payload):
    kind = OutboxKind.CARD_PHOTO
    number: str


@dataclass(frozen=True, kw_only=True)
class RoleAlert(Payload):
    """Why the people of a role are told about a case, and its escalation level."""

    number: str
    reason: str
    level: int


@dataclass(frozen=True, kw_only=True)
class ManagerAlert(RoleAlert):
    kind = OutboxKind.MANAGER_ALERT


@dataclass(frozen=True, kw_only=True)
class Escalation(RoleAlert):
    kind = OutboxKind.ESCALATION


@dataclass(frozen=True, kw_only=True)
class DutyAlert(Payload):
    kind = OutboxKind.DUTY_ALERT
    number: str


@dataclass(frozen=True, kw_only=True)
class OwnerBrief(ToPerson):
    kind = OutboxKind.OWNER_BRIEF
    number: str


@dataclass(frozen=True, kw_only=True)
class StaffNotice(Payload):
    """Staff are asked to do something about a case."""

    number: str


@dataclass(frozen=True, kw_only=True)
class Reminder(StaffNotice):
    kind = OutboxKind.REMINDER
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class FollowupCall(StaffNotice):
    kind = OutboxKind.FOLLOWUP_CALL


@dataclass(frozen=True, kw_only=True)
class SurveyQuestion(ToPerson):
    """The tenant is asked whether their case is solved."""

    number: str


@dataclass(frozen=True, kw_only=True)
class Survey(SurveyQuestion):
    kind = OutboxKind.SURVEY


@dataclass(frozen=True, kw_only=True)
class SurveyReminder(SurveyQuestion):
    kind = OutboxKind.SURVEY_REMINDER


@dataclass(frozen=True, kw_only=True)
class Report(ToPerson):
    """`month` is "YYYY-MM"; `part` is "summary" (a text) or "file" (the workbook)."""

    kind = OutboxKind.REPORT
    month: str
    part: str


@dataclass(frozen=True, kw_only=True)
class SatisfactionSurvey(ToPerson):
    kind = OutboxKind.SATISFACTION_SURVEY
    survey_id: int


@dataclass(frozen=True, kw_only=True)
class DialogExpired(ToPerson):
    kind = OutboxKind.DIALOG_EXPIRED


@dataclass(frozen=True, kw_only=True)
class IncidentCard(Payload):
    kind = OutboxKind.INCIDENT_CARD
    incident_id: int


@dataclass(frozen=True, kw_only=True)
class IncidentRefresh(Payload):
    kind = OutboxKind.INCIDENT_REFRESH
    incident_id: int


PAYLOADS: Mapping[OutboxKind, type[Payload]] = {
    cls.kind: cls
    for cls in (
        Receipt,
        TenantUpdate,
        StaffCard,
        CardRefresh,
        CardPhoto,
        ManagerAlert,
        Escalation,
        DutyAlert,
        OwnerBrief,
        Reminder,
        Survey,
        SurveyReminder,
        FollowupCall,
        Report,
        SatisfactionSurvey,
        DialogExpired,
        IncidentCard,
        IncidentRefresh,
    )
}


def load_payload(kind: str, data: Mapping[str, Any]) -> Payload:
    """The typed payload of a stored row of `kind` (ValueError: not a kind)."""
    return PAYLOADS[OutboxKind(kind)].from_json(data)
