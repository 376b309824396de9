"""Names of the case vocabulary for people, shared by the bot, reports and the dashboard."""

from .domain import Kind, Severity
from .i18n import N_, _

KIND_NAMES = {
    Kind.COMPLAINT: N_("Complaint"),
    Kind.REPAIR: N_("Repair request"),
    Kind.INQUIRY: N_("Inquiry"),
    Kind.SUGGESTION: N_("Suggestion"),
}
SEVERITY_NAMES = {
    Severity.GENERAL: N_("general"),
    Severity.IMPORTANT: N_("important"),
    Severity.MAJOR: N_("major"),
}


def kind_name(kind: Kind | str, locale: str) -> str:
    return _(KIND_NAMES.get(Kind(kind), KIND_NAMES[Kind.COMPLAINT]), locale)


def severity_name(severity: Severity | str, locale: str) -> str:
    return _(SEVERITY_NAMES[Severity(severity)], locale)
