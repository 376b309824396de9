"""Estates: add, edit and list them; find the office a case belongs to (docs/domain.md#estates)."""

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ..config import Settings
from ..domain import Role
from ..domain.estates import EstateError, Office, business_hours_over, check_code, check_timezone
from ..domain.estates import office_of as _office_of
from ..domain.permissions import estate_scope
from ..models import Estate, StaffEstate

# The staff who see an estate's cases, as a condition on "staff" (the rule of
# backend.domain.permissions.estate_scope in SQL): members of the estate; staff named for no estate who
# are managers or admins (head office), or anyone named for none while there is at most one estate.
# Parameters: `sees_estate_parameters(estate_id)`.
SEES_ESTATE = (
    '(EXISTS (SELECT 1 FROM "staff_estate" AS "m" WHERE "m"."staff_id" = "staff"."id" '
    'AND "m"."estate_id" = ?) OR (NOT EXISTS (SELECT 1 FROM "staff_estate" AS "m" '
    'WHERE "m"."staff_id" = "staff"."id") AND ("staff"."role" IN (?, ?) '
    'OR (SELECT COUNT(*) FROM "estate") <= 1)))'
)


def sees_estate_parameters(estate_id: int | None) -> list[object]:
    return [estate_id or 0, Role.MANAGER.value, Role.ADMIN.value]


EDITABLE = (
    "name",
    "address",
    "timezone",
    "duty_phone",
    "staff_chat_id",
    "business_hours",
    "active",
)


async def estate_by_code(code: str, *, using: BaseDBAsyncClient | None = None) -> Estate | None:
    """The estate of `code`, whatever its letter case (a deep link may arrive in another case)."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    query = Estate.filter(code__iexact=code)
    if using is not None:
        query = query.using_db(using)
    return await query.first()


async def estate_by_id(estate_id: int) -> Estate | None:
    return await Estate.get_or_none(id=estate_id)


async def estates(*, active_only: bool = False) -> list[Estate]:
    query = Estate.filter(active=True) if active_only else Estate.all()
    return await query.order_by("id")


def _checked(values: dict[str, Any], settings: Settings) -> dict[str, Any]:
    checked = dict(values)
    if "name" in checked:
        checked["name"] = (checked["name"] or "").strip()
        if not checked["name"] or len(checked["name"]) > 100:
            raise EstateError("the estate's name must be 1–100 characters", field="name")
    if "address" in checked:
        checked["address"] = (checked["address"] or "").strip()[:200]
    if "timezone" in checked:
        checked["timezone"] = check_timezone(checked["timezone"])
    if "duty_phone" in checked:
        checked["duty_phone"] = (checked["duty_phone"] or "").strip()
        if len(checked["duty_phone"]) > 32:
            raise EstateError("the duty phone is longer than 32 characters", field="duty_phone")
    if checked.get("business_hours"):
        business_hours_over(settings.policy.business_hours, checked["business_hours"])
    return checked


async def add_estate(
    code: str, name: str, now: datetime, settings: Settings, **values: Any
) -> Estate:
    """A new estate; EstateError when the code is taken (in any letter case) or a value is wrong."""
    code = check_code(code)
    if await estate_by_code(code) is not None:
        raise EstateError(f"estate code {code!r} is taken; `qingchu estate list` shows the codes")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise EstateError(f"unknown estate settings: {', '.join(sorted(unknown))}")
    checked = _checked({"name": name, **values}, settings)
    return await Estate.create(code=code, created_at=now, updated_at=now, **checked)


async def edit_estate(
    code: str, now: datetime, settings: Settings, *, new_code: str | None = None, **values: Any
) -> Estate:
    estate = await estate_by_code(code)
    if estate is None:
        raise EstateError(f"no estate {code!r}; `qingchu estate list` shows the codes")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise EstateError(f"unknown estate settings: {', '.join(sorted(unknown))}")
    checked = _checked(values, settings)
    if new_code is not None:
        new_code = check_code(new_code)
        other = await estate_by_code(new_code)
        if other is not None and other.id != estate.id:
            raise EstateError(f"estate code {new_code!r} is taken")
        checked["code"] = new_code
    for name, value in checked.items():
        setattr(estate, name, value)
    estate.updated_at = now
    await estate.save()
    return estate


async def staff_estate_ids(staff_id: int) -> list[int]:
    """The estates a staff member works for ([] = none named: head office for managers and admins)."""
    ids = await StaffEstate.filter(staff_id=staff_id).values_list("estate_id", flat=True)
    return sorted(int(str(estate_id)) for estate_id in ids)


async def estate_scope_of(staff_id: int, role: Role) -> frozenset[int] | None:
    """The estates a staff member sees (None: every estate): their memberships, by the rule of
    backend.domain.permissions.estate_scope."""
    member_of = frozenset(await staff_estate_ids(staff_id))
    if member_of or role.at_least(Role.MANAGER):
        return estate_scope(role, member_of, 0)
    return estate_scope(role, member_of, await Estate.all().count())


async def set_staff_estates(staff_id: int, estate_ids: list[int]) -> None:
    await StaffEstate.filter(staff_id=staff_id).exclude(estate_id__in=estate_ids).delete()
    have = set(await staff_estate_ids(staff_id))
    for estate_id in sorted(set(estate_ids) - have):
        await StaffEstate.create(staff_id=staff_id, estate_id=estate_id)


def deployment_office(settings: Settings) -> Office:
    return _office_of(
        None,
        staff_chat_id=settings.staff_chat_id,
        duty_phone=settings.duty_phone,
        timezone=settings.timezone,
        business_hours=settings.policy.business_hours,
    )


def office_for(estate: Estate | None, settings: Settings) -> Office:
    """The estate's office, its empty settings filled from the deployment's."""
    return _office_of(
        estate,
        staff_chat_id=settings.staff_chat_id,
        duty_phone=settings.duty_phone,
        timezone=settings.timezone,
        business_hours=settings.policy.business_hours,
    )


async def office_of_estate(
    conn: BaseDBAsyncClient | None, estate_id: int | None, settings: Settings
) -> Office:
    """The office of the estate `estate_id` (None, or an estate since deleted: the deployment's)."""
    if estate_id is None:
        return deployment_office(settings)
    query = Estate.filter(id=estate_id)
    if conn is not None:
        query = query.using_db(conn)
    return office_for(await query.first(), settings)


async def staff_chats(settings: Settings) -> set[int]:
    """Every staff group: the deployment's and each estate's."""
    found = await Estate.filter(staff_chat_id__isnull=False).values_list("staff_chat_id", flat=True)
    chats = {int(str(chat)) for chat in found}
    if settings.staff_chat_id is not None:
        chats.add(settings.staff_chat_id)
    return chats


async def estate_memberships() -> dict[int, list[int]]:
    """Every staff member's estates by staff id (those named for none are missing): one query for a list."""
    pairs = await StaffEstate.all().values_list("staff_id", "estate_id")
    found: dict[int, list[int]] = {}
    for staff_id, estate_id in pairs:
        found.setdefault(int(str(staff_id)), []).append(int(str(estate_id)))
    return {staff_id: sorted(ids) for staff_id, ids in found.items()}
