"""Staff and departments: registered by an admin, checked on every staff action."""

import hashlib
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from ..domain import Role, ValidationFailed
from ..models import Department, Staff, StaffInvite
from .actors import Actor
from .departments import unknown_department
from .estates import estate_by_code, estate_scope_of, set_staff_estates
from .signin import end_sessions_of


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed(
            f"unknown role {value!r}; use agent, supervisor, manager or admin", field="role"
        ) from None


async def _department(code: str | None) -> Department | None:
    """The department with this code; None for no code; ValidationFailed for an unknown one."""
    if not code:
        return None
    department = await Department.get_or_none(code=code.strip().lower())
    if department is None:
        raise await unknown_department(code)
    return department


async def add_department(code: str, name: str) -> Department:
    code, name = code.strip().lower(), name.strip()
    if not code or not name:
        raise ValidationFailed("a department needs a code and a name", field="code")
    department, _ = await Department.update_or_create(
        defaults={"name": name, "active": True}, code=code
    )
    return department


async def add_staff(
    telegram_id: int,
    name: str,
    role: Role | str,
    now: datetime,
    *,
    department_code: str | None = None,
    phone: str = "",
    locale: str = "zh_CN",
    estate_codes: list[str] | None = None,
) -> Staff:
    """Register (or update) a staff member by Telegram id; `estate_codes` (when given) are the estates
    they work for, replacing earlier ones."""
    estate_ids = await _estate_ids(estate_codes)
    name = name.strip()
    if not name:
        raise ValidationFailed("a staff member needs a name", field="name")
    role = _role(role)
    department = await _department(department_code)
    staff, created = await Staff.get_or_create(
        telegram_id=telegram_id,
        defaults={
            "name": name,
            "role": role,
            "department": department,
            "phone": phone,
            "locale": locale,
            "created_at": now,
        },
    )
    if not created:
        staff.name, staff.role, staff.department, staff.active = name, role, department, True
        staff.phone = phone or staff.phone
        await staff.save()
    if estate_ids is not None:
        await set_staff_estates(staff.id, estate_ids)
    return staff


async def _estate_ids(codes: list[str] | None) -> list[int] | None:
    """The ids of the estates `codes` names (None: none given); ValidationFailed for an unknown one."""
    if codes is None:
        return None
    ids = []
    for code in codes:
        estate = await estate_by_code(code)
        if estate is None:
            raise ValidationFailed(
                f"no estate {code!r}; `qingchu estate list` shows the codes", field="estate"
            )
        ids.append(estate.id)
    return ids


async def staff_actor(telegram_id: int) -> Actor | None:
    """The actor for an active staff member, or None: group membership alone grants nothing."""
    staff = await Staff.get_or_none(telegram_id=telegram_id, active=True)
    if staff is None:
        return None
    return Actor.staff(
        staff.id, staff.name, staff.role, await estate_scope_of(staff.id, staff.role)
    )


async def deactivate_staff(telegram_id: int, now: datetime) -> bool:
    """Deactivate and end every dashboard session of that person."""
    staff = await Staff.get_or_none(telegram_id=telegram_id)
    if staff is None:
        return False
    staff.active, staff.on_duty = False, False
    await staff.save(update_fields=["active", "on_duty"])
    await end_sessions_of(staff.id, now)
    return True


INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
INVITE_LENGTH = 10
INVITE_VALID = timedelta(days=7)


def _invite_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode("utf-8")).hexdigest()


async def create_invite(
    name: str,
    role: Role | str,
    now: datetime,
    *,
    department_code: str | None = None,
    estate_codes: list[str] | None = None,
) -> str:
    """A one-time code for a new colleague (shown once, stored hashed, valid for a week)."""
    name = name.strip()
    if not name:
        raise ValidationFailed("an invite needs the colleague's name", field="name")
    role = _role(role)
    department = await _department(department_code)
    estate_ids = await _estate_ids(estate_codes) or []
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    await StaffInvite.create(
        code_hash=_invite_hash(code),
        name=name,
        role=role,
        department=department,
        estate_ids=estate_ids,
        created_at=now,
        expires_at=now + INVITE_VALID,
    )
    return f"{code[:5]}-{code[5:]}"


async def redeem_invite(code: str, telegram_id: int, now: datetime) -> Staff | None:
    """Register the sender as the invited staff member; None for an unknown, used or expired code."""
    if not code or len(code) > 40:
        return None
    async with in_transaction() as conn:
        invite = (
            await StaffInvite.filter(code_hash=_invite_hash(code))
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if invite is None or invite.used_at is not None or invite.expires_at <= now:
            return None
        invite.used_at, invite.used_by = now, telegram_id
        await invite.save(using_db=conn, update_fields=["used_at", "used_by"])
        staff, created = await Staff.get_or_create(
            telegram_id=telegram_id,
            using_db=conn,
            defaults={
                "name": invite.name,
                "role": invite.role,
                "department_id": invite.department_id,
                "created_at": now,
            },
        )
        if not created:
            staff.name, staff.role, staff.active = invite.name, invite.role, True
            staff.department_id = invite.department_id
            await staff.save(using_db=conn)
    if invite.estate_ids:
        await set_staff_estates(staff.id, [int(i) for i in invite.estate_ids])
    return staff


async def set_on_duty(telegram_id: int, on_duty: bool) -> Staff | None:
    staff = await Staff.get_or_none(telegram_id=telegram_id, active=True)
    if staff is not None:
        staff.on_duty = on_duty
        await staff.save(update_fields=["on_duty"])
    return staff


async def update_staff(
    staff_id: int, *, role: Role | str, department_code: str | None = None
) -> Staff | None:
    """Change a staff member's role and department (none when the code is empty); None if unknown."""
    role = _role(role)
    department = await _department(department_code)
    staff = await Staff.get_or_none(id=staff_id)
    if staff is not None:
        staff.role, staff.department = role, department
        await staff.save(update_fields=["role", "department_id"])
    return staff


async def deactivate_department(code: str) -> bool:
    """Hide a department from new assignments; its cases and staff keep it."""
    return bool(
        await Department.filter(code=code.strip().lower(), active=True).update(active=False)
    )
