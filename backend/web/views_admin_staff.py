"""Administration: the staff list; add a staff member, change a role, department or estates, deactivate.

Every change is a call to backend.services.staff; deactivating also ends the person's dashboard sessions.
An administrator can neither deactivate themselves nor change their own role (no locking oneself out).
With more than one estate each form names the estates a person works for (checkboxes "estate", by id);
the list shows what each person actually sees, by the rule of backend.domain.permissions.estate_scope.
"""

from dataclasses import dataclass

from aiohttp import web

from ..domain import Role, ValidationFailed
from ..domain.contact import mask_phone
from ..domain.permissions import estate_scope
from ..i18n import N_
from ..inputs import whole_number
from ..models import Estate, Staff
from ..services.estates import estate_memberships, estates, set_staff_estates
from ..services.staff import add_staff, deactivate_staff, update_staff
from ..services.staff_queries import (
    active_department_choices,
    staff_by_id,
    staff_with_departments,
)
from .admin import (
    STAFF_PATH,
    Form,
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

ESTATE_PROBLEM = N_("Choose estates from the list.")
ALL_ESTATES = N_("All estates")
HEAD_OFFICE = N_("All estates (head office)")


def estates_seen(
    role: Role, member_of: list[int], names: dict[int, str]
) -> tuple[str | None, list[str]]:
    """What a person sees, for the list: (a sentence, or None, and the names of their estates).

    Named estates: those. Nobody named: head office (managers, admins) or, with one estate, everything;
    an agent or supervisor named for none among several estates sees nothing: ("", []) shown as "—".
    """
    scope = estate_scope(role, frozenset(member_of), len(names))
    if scope is None:
        head_office = role.at_least(Role.MANAGER) and len(names) > 1
        return (HEAD_OFFICE if head_office else ALL_ESTATES), []
    return None, [names.get(estate_id, f"#{estate_id}") for estate_id in sorted(scope)]


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
    estate_ids: list[int]
    estates_label: str


def _row(
    person: Staff,
    fmt: Formatter,
    my_id: int,
    member_of: list[int],
    names: dict[int, str],
) -> StaffRow:
    department = person.department
    sentence, seen = estates_seen(Role(person.role), member_of, names)
    label = fmt.t(sentence) if sentence else ", ".join(seen)
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
        estate_ids=member_of,
        estates_label=label or "—",
    )


def _estate_name(estate: Estate) -> str:
    return f"{estate.code} · {estate.name}"


def estate_ids_of(form: Form, known: list[Estate]) -> list[int]:
    """The estates ticked on the form; ValidationFailed(field="estate") for one that is not in the list."""
    ids: set[int] = set()
    known_ids = {estate.id for estate in known}
    for value in form.getall("estate", []):
        estate_id = whole_number(value) if isinstance(value, str) else None
        if estate_id is None or estate_id not in known_ids:
            raise ValidationFailed("unknown estate", field="estate")
        ids.add(estate_id)
    return sorted(ids)


def _ticked(form: Form) -> list[str]:
    """The estate boxes as sent, to tick them again after a refusal."""
    return [value for value in form.getall("estate", []) if isinstance(value, str)]


async def render_staff(
    request: web.Request,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
    ticked: list[str] | None = None,
    errors: dict[str, str] | None = None,
    editing: int | None = None,
) -> web.Response:
    """The page; after a refusal `typed`/`ticked` refill the form that was sent (`editing`: a member's
    edit form, else the add form) and `errors` are shown beside its fields."""
    fmt = formatter(request)
    people = await staff_with_departments()
    departments = await active_department_choices()
    every_estate = await estates()
    names = {estate.id: _estate_name(estate) for estate in every_estate}
    memberships = await estate_memberships()
    my_id = viewer_of(request).staff.id
    return admin_page(
        request,
        "admin_staff.html",
        title=fmt.t("Staff"),
        error=error,
        status=status,
        rows=[_row(p, fmt, my_id, memberships.get(p.id, []), names) for p in people],
        department_options=departments,
        active_codes={code for code, _ in departments},
        estate_options=[(str(e.id), _estate_name(e)) for e in every_estate]
        if len(every_estate) > 1
        else [],
        typed=typed or {},
        ticked=ticked or [],
        errors={name: fmt.t(text) for name, text in (errors or {}).items()},
        editing=editing,
        path=STAFF_PATH,
    )


@admin_only
async def staff_page(request: web.Request) -> web.Response:
    return await render_staff(request)


async def _refusal(
    request: web.Request,
    error: ValidationFailed,
    form: Form | None = None,
    editing: int | None = None,
) -> web.Response:
    if error.details.get("field") == "estate":
        message, errors = ESTATE_PROBLEM, {"estate": ESTATE_PROBLEM}
        explained = formatter(request).t(message)
    else:
        explained, errors = explain(error, formatter(request)), {}
    return await render_staff(
        request,
        error=explained,
        status=400,
        typed=entered(form) if form is not None else None,
        ticked=_ticked(form) if form is not None else None,
        errors=errors,
        editing=editing,
    )


async def _chosen_estates(form: Form) -> tuple[list[Estate], list[int] | None]:
    """Every estate, and the ids ticked (None: a single estate, no boxes shown: memberships stay)."""
    every_estate = await estates()
    if len(every_estate) <= 1:
        return every_estate, None
    return every_estate, estate_ids_of(form, every_estate)


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
        every_estate, estate_ids = await _chosen_estates(form)
        codes = {estate.id: estate.code for estate in every_estate}
        await add_staff(
            telegram_id,
            name_of(form),
            field(form, "role"),
            ctx_of(request).clock.now(),
            department_code=department_code_of(form),
            phone=phone_of(form, ctx_of(request).settings),
            estate_codes=None if estate_ids is None else [codes[i] for i in estate_ids],
        )
    except ValidationFailed as error:
        return await _refusal(request, error, form)
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
        _, estate_ids = await _chosen_estates(form)
        await update_staff(
            person.id, role=field(form, "role"), department_code=department_code_of(form)
        )
        if estate_ids is not None:
            await set_staff_estates(person.id, estate_ids)
    except ValidationFailed as error:
        return await _refusal(request, error, form, editing=person.id)
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
