"""Sentences about cases, in the reader's language. Everything tenant-written is HTML-escaped."""

import html
from datetime import tzinfo

from backend.domain import Policy, Status
from backend.i18n import N_, _
from backend.labels import severity_name
from backend.models import Case

STATUS_NAMES = {
    Status.NEW: N_("Received"),
    Status.ASSIGNED: N_("Assigned"),
    Status.IN_PROGRESS: N_("Being handled"),
    Status.RESOLVED: N_("Resolved, awaiting your confirmation"),
    Status.CLOSED: N_("Closed"),
    Status.INVALID: N_("Not accepted"),
    Status.CANCELLED: N_("Cancelled"),
}


def esc(text: str) -> str:
    return html.escape(text or "", quote=False)


def category_name(policy: Policy, code: str, locale: str) -> str:
    category = policy.category(code)
    return category.name(locale) if category else code


def status_name(status: Status | str, locale: str) -> str:
    return _(STATUS_NAMES[Status(status)], locale)


def triage_label(policy: Policy, category: str, severity: str, locale: str) -> str:
    """'Facilities · general' in the reader's language."""
    return f"{category_name(policy, category, locale)} · {severity_name(severity, locale)}"


def case_line(case: Case, policy: Policy, locale: str, tz: tzinfo) -> str:
    from .timefmt import local_time

    return _(
        "{number} · {category} · {status} · updated {when}", locale,
        number=case.number, category=category_name(policy, case.category, locale),
        status=status_name(case.status, locale), when=local_time(case.updated_at, tz, locale),
    )
