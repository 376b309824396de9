"""What the administration pages share: the admin-only rule, reading forms and explaining refusals.

The pages themselves are in views_admin_staff.py (staff), views_admin_departments.py (departments) and
views_admin_access.py (invite codes and API tokens, the two one-time secrets).
"""

import functools
import re
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiMapping

from ..config import Settings
from ..domain import Role, ValidationFailed
from ..domain.contact import normalize_phone, regions_for
from ..i18n import N_
from ..inputs import whole_number
from ..labels import ROLE_NAMES
from .auth import Handler
from .format import Formatter
from .render import formatter, message_page, render, see_other
from .state import PREFIX, viewer_of

Form = MultiMapping[str | bytes | bytearray | FileField]  # what request.post() gives

ADMIN_PATH = f"{PREFIX}/admin"
STAFF_PATH = f"{ADMIN_PATH}/staff"
INVITES_PATH = f"{ADMIN_PATH}/invites"
DEPARTMENTS_PATH = f"{ADMIN_PATH}/departments"
TOKENS_PATH = f"{ADMIN_PATH}/tokens"
ESTATES_PATH = f"{ADMIN_PATH}/estates"
TABS = (
    (STAFF_PATH, N_("Staff")),
    (INVITES_PATH, N_("Invite codes")),
    (DEPARTMENTS_PATH, N_("Departments")),
    (TOKENS_PATH, N_("API tokens")),
    (ESTATES_PATH, N_("Estates")),
)

NAME_LENGTH = 100  # Staff.name, StaffInvite.name, Department.name, ApiToken.name
CODE_PATTERN = re.compile(r"[^\s/\\?#%]{1,32}")  # Department.code: it travels in links and filters
TELEGRAM_ID = re.compile(r"[1-9]\d{0,15}")

CHECK_INPUT = N_("Please check what you entered.")
FIELD_PROBLEMS = {
    "telegram_id": N_("Enter the person's Telegram id: digits only."),
    "name": N_("Please enter a name (at most 100 characters)."),
    "role": N_("Choose a role."),
    "department": N_("Choose an active department."),
    "phone": N_("Enter a phone number that can be dialled, or leave it empty."),
    "code": N_(
        "A department needs a code (at most 32 characters, no spaces) and a name (at most 100 characters)."
    ),
    "self": N_(
        "You cannot deactivate yourself or change your own role. Ask another administrator."
    ),
}
DONE = {
    "saved": N_("Saved."),
    "deactivated": N_("Deactivated. Their dashboard sessions have ended."),
    "department_deactivated": N_(
        "Department deactivated. Its cases keep it; new assignments cannot choose it."
    ),
    "revoked": N_("Token revoked. Programs using it are refused from now on."),
}


def admin_only(handler: Handler) -> Handler:
    """Only administrators see and use these pages; everyone else gets the friendly 403 page."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not viewer_of(request).at_least(Role.ADMIN):
            return message_page(
                request, 403, N_("Not for your role"), N_("Administration is for administrators.")
            )
        return await handler(request)

    return guarded


@admin_only
async def admin_home(request: web.Request) -> web.Response:
    return see_other(STAFF_PATH)


def field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def entered(form: Form) -> dict[str, str]:
    """The form as typed, to fill it in again after a refusal (never the CSRF token)."""
    return {
        key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"
    }


def name_of(form: Form) -> str:
    name = field(form, "name")
    if not name or len(name) > NAME_LENGTH:
        raise ValidationFailed("a name of 1–100 characters", field="name")
    return name


def telegram_id_of(form: Form) -> int:
    value = field(form, "telegram_id")
    number = whole_number(value, 16) if TELEGRAM_ID.fullmatch(value) else None
    if number is None:
        raise ValidationFailed("a Telegram id is a positive number", field="telegram_id")
    return number


def phone_of(form: Form, settings: Settings) -> str:
    """The staff member's phone in E.164; without + it is read in PHONE_REGION first (then CN, HK, TW, MO)."""
    value = field(form, "phone")
    if not value:
        return ""
    phone = normalize_phone(value, regions_for(settings.default_locale, settings.phone_region))
    if phone is None:
        raise ValidationFailed("not a phone number", field="phone")
    return phone


def department_code_of(form: Form) -> str | None:
    return field(form, "department") or None


def explain(error: ValidationFailed, fmt: Formatter) -> str:
    return fmt.t(FIELD_PROBLEMS.get(str(error.details.get("field", "")), CHECK_INPUT))


def id_of(request: web.Request, key: str) -> int:
    number = whole_number(request.match_info[key])
    if number is None:
        raise web.HTTPNotFound()
    return number


def role_options(fmt: Formatter) -> list[tuple[str, str]]:
    return [(role.value, fmt.t(label)) for role, label in ROLE_NAMES.items()]


def admin_page(
    request: web.Request,
    template: str,
    *,
    error: str | None = None,
    status: int = 200,
    **values: Any,
) -> web.Response:
    """An administration page with its tabs, a refusal (if any) and the message after a change."""
    fmt = formatter(request)
    done = DONE.get(request.query.get("done", "")) if status == 200 else None
    return render(
        request,
        template,
        status=status,
        tabs=[(path, fmt.t(label)) for path, label in TABS],
        error=error,
        done=fmt.t(done) if done else None,
        role_options=role_options(fmt),
        **values,
    )
