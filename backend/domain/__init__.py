"""Pure domain rules of a case: no ORM, no Telegram, no I/O (except reading the policy file)."""

from .enums import Action, ActorKind, Channel, Kind, Role, Severity, Status
from .errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from .numbering import format_case_number, normalize_case_number
from .policy import Category, Policy, PolicyError, load_policy
from .severity import SeveritySignals, automatic_severity, higher
from .sla import DueTimes, add_working_days, due_times, followup_due, is_business_time
from .transitions import TRANSITIONS, allowed_actions, next_status

__all__ = [
    "Action",
    "ActorKind",
    "Category",
    "Channel",
    "Conflict",
    "DomainError",
    "DueTimes",
    "IllegalTransition",
    "Kind",
    "NotFound",
    "PermissionDenied",
    "Policy",
    "PolicyError",
    "Role",
    "Severity",
    "SeveritySignals",
    "Status",
    "TRANSITIONS",
    "ValidationFailed",
    "add_working_days",
    "allowed_actions",
    "automatic_severity",
    "due_times",
    "followup_due",
    "format_case_number",
    "higher",
    "is_business_time",
    "load_policy",
    "next_status",
    "normalize_case_number",
]
