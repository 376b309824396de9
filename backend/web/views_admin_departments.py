"""Administration: departments. Adding with an existing code renames that department (and reactivates it)."""

from aiohttp import web

from ..domain import ValidationFailed
from ..services.staff import add_department, deactivate_department
from ..services.staff_queries import (
    active_staff_per_department,
    department_by_id,
    departments_for_admin,
)
from .admin import (
    CODE_PATTERN,
    DEPARTMENTS_PATH,
    NAME_LENGTH,
    admin_only,
    admin_page,
    entered,
    explain,
    field,
    id_of,
)
from .render import formatter, see_other


async def render_departments(
    request: web.Request,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    fmt = formatter(request)
    departments = await departments_for_admin()
    counts = await active_staff_per_department()
    return admin_page(
        request,
        "admin_departments.html",
        title=fmt.t("Departments"),
        error=error,
        status=status,
        departments=departments,
        counts=counts,
        typed=typed or {},
        path=DEPARTMENTS_PATH,
    )


@admin_only
async def departments_page(request: web.Request) -> web.Response:
    return await render_departments(request)


@admin_only
async def department_save(request: web.Request) -> web.Response:
    form = await request.post()
    code, name = field(form, "code"), field(form, "name")
    try:
        if not CODE_PATTERN.fullmatch(code) or len(name) > NAME_LENGTH:
            raise ValidationFailed(
                "a code of 1–32 characters without spaces and a name", field="code"
            )
        await add_department(code, name)
    except ValidationFailed as error:
        return await render_departments(
            request, error=explain(error, formatter(request)), status=400, typed=entered(form)
        )
    return see_other(f"{DEPARTMENTS_PATH}?done=saved")


@admin_only
async def department_deactivate(request: web.Request) -> web.Response:
    department = await department_by_id(id_of(request, "department_id"))
    if department is None:
        raise web.HTTPNotFound()
    await deactivate_department(department.code)
    return see_other(f"{DEPARTMENTS_PATH}?done=department_deactivated")
