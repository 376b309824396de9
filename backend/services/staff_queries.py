"""Read side of staff and departments: who and what the dashboard lists, names for ids, form choices."""

from typing import NamedTuple

from ..domain import Role
from ..models import Department, Staff


class StaffEntry(NamedTuple):
    id: int
    name: str
    active: bool


class DepartmentEntry(NamedTuple):
    id: int
    code: str
    name: str
    active: bool


async def staff_by_id(staff_id: int) -> Staff | None:
    return await Staff.get_or_none(id=staff_id)


async def department_by_id(department_id: int) -> Department | None:
    return await Department.get_or_none(id=department_id)


async def department_by_code(code: str) -> Department | None:
    """The department with exactly this code (codes are stored lower-case)."""
    return await Department.get_or_none(code=code)


async def active_staff_by_telegram_id(telegram_id: int) -> Staff | None:
    """The registered, active staff member with this Telegram account."""
    return await Staff.get_or_none(telegram_id=telegram_id, active=True)


async def active_staff(limit: int) -> list[Staff]:
    """The first `limit` active staff members by name."""
    return list(await Staff.filter(active=True).order_by("name").limit(limit))


async def active_managers(limit: int) -> list[Staff]:
    """The first `limit` active managers, longest registered first."""
    return list(await Staff.filter(active=True, role=Role.MANAGER).order_by("id").limit(limit))


async def active_departments() -> list[Department]:
    """Every active department, by name."""
    return list(await Department.filter(active=True).order_by("name"))


async def active_staff_choices() -> list[tuple[int, str]]:
    """(id, name) of every active staff member, by name: whom a case can be assigned to."""
    return [(s.id, s.name) for s in await Staff.filter(active=True).order_by("name")]


async def active_department_choices() -> list[tuple[str, str]]:
    """(code, name) of every active department, by name: what a form may choose."""
    return [(d.code, d.name) for d in await Department.filter(active=True).order_by("name")]


async def staff_names(ids: set[int]) -> dict[int, str]:
    """The names of these staff members by id (no query for none)."""
    if not ids:
        return {}
    rows: list[tuple[int, str]] = await Staff.filter(id__in=ids).values_list("id", "name")
    return dict(rows)


async def department_names(ids: set[int]) -> dict[int, str]:
    """The names of these departments by id (no query for none)."""
    if not ids:
        return {}
    rows: list[tuple[int, str]] = await Department.filter(id__in=ids).values_list("id", "name")
    return dict(rows)


async def staff_directory() -> list[StaffEntry]:
    """Every staff member, active or not, by name (the table is small: one query for a whole page)."""
    rows: list[tuple[int, str, bool]] = (
        await Staff.all().order_by("name").values_list("id", "name", "active")
    )
    return [StaffEntry(*row) for row in rows]


async def department_directory() -> list[DepartmentEntry]:
    """Every department, active or not, by name."""
    rows: list[tuple[int, str, str, bool]] = (
        await Department.all().order_by("name").values_list("id", "code", "name", "active")
    )
    return [DepartmentEntry(*row) for row in rows]


async def staff_with_departments() -> list[Staff]:
    """Every staff member, active ones first, each with its department loaded."""
    return list(await Staff.all().order_by("-active", "name", "id").prefetch_related("department"))


async def departments_for_admin() -> list[Department]:
    """Every department, active ones first."""
    return list(await Department.all().order_by("-active", "name", "id"))


async def active_staff_per_department() -> dict[int, int]:
    """How many active staff members each department has (departments without any are left out)."""
    counts: dict[int, int] = {}
    rows: list[tuple[int]] = await Staff.filter(
        active=True, department_id__not_isnull=True
    ).values_list("department_id")
    for (department_id,) in rows:
        counts[department_id] = counts.get(department_id, 0) + 1
    return counts
