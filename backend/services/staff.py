"""Staff and departments: registered by an admin, checked on every staff action."""

from datetime import datetime

from ..domain import Role, ValidationFailed
from ..models import Department, Staff
from .actors import Actor


async def add_department(code: str, name: str) -> Department:
    code, name = code.strip().lower(), name.strip()
    if not code or not name:
        raise ValidationFailed("a department needs a code and a name", field="code")
    department, _ = await Department.update_or_create(defaults={"name": name, "active": True}, code=code)
    return department


async def add_staff(
    telegram_id: int, name: str, role: Role | str, now: datetime, *,
    department_code: str | None = None, phone: str = "", locale: str = "zh_CN",
) -> Staff:
    """Register (or update) a staff member by Telegram id."""
    name = name.strip()
    if not name:
        raise ValidationFailed("a staff member needs a name", field="name")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role {role!r}; use agent, supervisor, manager or admin", field="role") from None
    department = None
    if department_code:
        department = await Department.get_or_none(code=department_code.strip().lower())
        if department is None:
            raise ValidationFailed(f"no department {department_code!r}", field="department")
    staff, created = await Staff.get_or_create(
        telegram_id=telegram_id,
        defaults={"name": name, "role": role, "department": department, "phone": phone,
                  "locale": locale, "created_at": now},
    )
    if not created:
        staff.name, staff.role, staff.department, staff.active = name, role, department, True
        staff.phone = phone or staff.phone
        await staff.save()
    return staff


async def staff_actor(telegram_id: int) -> Actor | None:
    """The actor for an active staff member, or None: group membership alone grants nothing."""
    staff = await Staff.get_or_none(telegram_id=telegram_id, active=True)
    return Actor.staff(staff.id, staff.name, staff.role) if staff else None


async def deactivate_staff(telegram_id: int) -> bool:
    return bool(await Staff.filter(telegram_id=telegram_id).update(active=False))
