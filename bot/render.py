"""Sentences about cases, in the reader's language. Everything tenant-written is HTML-escaped."""

from datetime import tzinfo

from backend.config import Settings
from backend.domain import Policy
from backend.i18n import N_, _
from backend.labels import category_name, staff_status_name, tenant_status_name
from backend.models import Case

from .text import esc

# The last line of a message that was too long, saying where the rest is (see bot.text).
MORE_IN_DASHBOARD = N_("… more in the dashboard: {url}")
MORE_BY_STATUS = N_("… the full text: /status {number}")
MORE_KEPT = N_("… the rest is kept with your case; please ask us if you need it.")
DASHBOARD = "/dashboard"


def dashboard_url(settings: Settings, path: str = "") -> str:
    """The dashboard page at `path` (``/cases/NUMBER``, ``/reports``…)."""
    return f"{settings.base_url.rstrip('/')}{DASHBOARD}{path}"


def more_in_dashboard(settings: Settings, locale: str, path: str = "") -> str:
    """For staff: the rest is in the dashboard, at `path` (HTML)."""
    return _(MORE_IN_DASHBOARD, locale, url=esc(dashboard_url(settings, path)))


def more_by_status(number: str, locale: str) -> str:
    """For a tenant: /status shows the full text of their case (HTML)."""
    return _(MORE_BY_STATUS, locale, number=esc(number))


def case_line(
    case: Case, policy: Policy, locale: str, tz: tzinfo, *, for_staff: bool = False
) -> str:
    """One line of a list of cases; staff read a status in the dashboard's words, a tenant in theirs."""
    from .timefmt import local_time

    return _(
        "{number} · {category} · {status} · updated {when}",
        locale,
        number=case.number,
        category=category_name(policy, case.category, locale),
        status=(staff_status_name if for_staff else tenant_status_name)(case.status, locale),
        when=local_time(case.updated_at, tz, locale),
    )
