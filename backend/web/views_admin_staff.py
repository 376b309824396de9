"""Administration: the staff list; add a staff member, change a role or department, deactivate.

Every change is a call to backend.services.staff; deactivating also ends the person's dashboard sessions.
An administrator can neither deactivate themselves nor change their own role (no locking oneself out).
"""

from dataclasses import dataclass

from aiohttp import web

from ..domain import ValidationFailed
from ..domain.contact import mask_phone
from ..models import Staff
from ..services.staff import add_staff, deactivate_staff, update_staff
from ..services.staff_queries import (
    active_department_choices,
    staff_by_id,
    staff_with_departments,
)
from .admin import (
    STAFF_PATH,
    admin_only,
    admin_page,
    department_code_of,
    entered,
    explain,
    field,
    id_of,
    name_of,
    phone_of,
    telegram_id_of,
)
from .format import Formatter
from .render import formatter, see_other
from .state import ctx_of, viewer_of


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    telegram_id: int
    role: str
    role_code: str
    department: str
    department_code: str
    phone: str
    active: bool
    on_duty: bool
    is_me: bool


def _row(person: Staff, fmt: Formatter, my_id: int) -> StaffRow:
    department = person.department
    return StaffRow(
        id=person.id,
        name=person.name,
        telegram_id=person.telegram_id,
        role=fmt.role(person.role),
        role_code=str(person.role),
        department=department.name if department else "",
        department_code=department.code if department else "",
        phone=mask_phone(person.phone),
        active=person.active,
        on_duty=person.on_duty,
        is_me=person.id == my_id,
    )


async def render_staff(
    request: web.Request,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    fmt = formatter(request)
    people = await staff_with_departments()
    departments = await active_department_choices()
    return admin_page(
        request,
        "admin_staff.html",
        title=fmt.t("Staff"),
        error=error,
        status=status,
        rows=[_row(p, fmt, viewer_of(request).staff.id) for p in people],
        department_options=departments,
        active_codes={code for code, _ in departments},
        typed=typed or {},
        path=STAFF_PATH,
    )


@admin_only
async def staff_page(request: web.Request) -> web.Response:
    return await render_staff(request)


async def _refusal(
    request: web.Request, error: ValidationFailed, typed: dict[str, str] | None = None
) -> web.Response:
    return await render_staff(
        request, error=explain(error, formatter(request)), status=400, typed=typed
    )


@admin_only
async def staff_add(request: web.Request) -> web.Response:
    form = await request.post()
    viewer = viewer_of(request)
    try:
        telegram_id = telegram_id_of(form)
        if (
            telegram_id == viewer.staff.telegram_id
        ):  # adding oneself again would change one's own role
            raise ValidationFailed("that is you", field="self")
        await add_staff(
            telegram_id,
            name_of(form),
            field(form, "role"),
            ctx_of(request).clock.now(),
            department_code=department_code_of(form),
            phone=phone_of(form, ctx_of(request).settings),
        )
    except ValidationFailed as error:
        return await _refusal(request, error, entered(form))
    return see_other(f"{STAFF_PATH}?done=saved")


async def _person(request: web.Request) -> Staff:
    person = await staff_by_id(id_of(request, "staff_id"))
    if person is None:
        raise web.HTTPNotFound()
    return person


@admin_only
async def staff_update(request: web.Request) -> web.Response:
    person = await _person(request)
    form = await request.post()
    try:
        if person.id == viewer_of(request).staff.id and field(form, "role") != str(person.role):
            raise ValidationFailed("an administrator cannot change their own role", field="self")
        await update_staff(
            person.id, role=field(form, "role"), department_code=department_code_of(form)
        )
    except ValidationFailed as error:
        return await _refusal(request, error)
    return see_other(f"{STAFF_PATH}?done=saved")


@admin_only
async def staff_deactivate(request: web.Request) -> web.Response:
    person = await _person(request)
    if person.id == viewer_of(request).staff.id:
        return await _refusal(
            request, ValidationFailed("an administrator cannot deactivate themselves", field="self")
        )
    await deactivate_staff(person.telegram_id, ctx_of(request).clock.now())
    return see_other(f"{STAFF_PATH}?done=deactivated")
