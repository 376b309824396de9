"""JSON shapes of the API. Phone numbers are masked unless the reader may see them whole."""

from datetime import datetime
from typing import Any

from ..domain.contact import mask_phone
from ..models import Case, CaseEvent

DUE_FIELDS = (
    "assign_due_at",
    "feedback_due_at",
    "resolve_due_at",
    "hard_due_at",
    "followup_due_at",
)
PROMISE_FIELDS = ("promised_assign_at", "promised_feedback_at", "promised_resolve_at")
MILESTONES = ("received_at", "assigned_at", "first_feedback_at", "resolved_at", "closed_at")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def case_json(case: Case, now: datetime, *, full_phone: bool = False) -> dict[str, Any]:
    overdue = case.status.is_open and any(
        (due := getattr(case, name)) is not None and due < now for name in DUE_FIELDS[:4]
    )
    return {
        "number": case.number,
        "kind": case.kind.value,
        "category": case.category,
        "category_suggested": case.category_suggested,
        "severity": case.severity.value,
        "status": case.status.value,
        "channel": case.channel.value,
        "description": case.description,
        "location": case.location,
        "unit": case.unit,
        "expectation": case.expectation,
        "subject": case.subject,
        "contact_name": case.contact_name,
        "contact_phone": case.contact_phone if full_phone else mask_phone(case.contact_phone),
        "owner_id": case.owner_id,
        "department_id": case.department_id,
        "escalation_level": case.escalation_level,
        "reopen_count": case.reopen_count,
        "off_hours": case.off_hours,
        "estate_id": case.estate_id,
        "resident_verified": case.resident_verified,
        "overdue": overdue,
        "resolution": case.resolution,
        "invalid_reason": case.invalid_reason,
        "close_reason": case.close_reason,
        "satisfaction": case.satisfaction,
        "due": {name.removesuffix("_due_at"): iso(getattr(case, name)) for name in DUE_FIELDS},
        "promised": {
            name.removeprefix("promised_").removesuffix("_at"): iso(getattr(case, name))
            for name in PROMISE_FIELDS
        },
        **{name: iso(getattr(case, name)) for name in MILESTONES},
        "updated_at": iso(case.updated_at),
    }


def event_json(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": iso(event.at),
        "actor": {"kind": event.actor_kind.value, "name": event.actor_name},
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "note": event.note,
        "public": event.public,
        "data": event.data,
    }
