"""The resident register of an estate: import it (all-or-nothing), list it, find a resident by phone.

An import is one transaction. The estate's rows are read once into a dict keyed by (building, unit, name),
then the new and the changed rows are written with `execute_many` in chunks, with parameters only: the
ORM's per-instance work would take minutes for the 200 000 rows of a large estate. Residents missing from
the file are kept: a register is often imported building by building.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from ..domain.contact import display_phone
from ..domain.residents import COLUMNS, ResidentRow
from ..models import Resident
from . import rows

CHUNK = 5_000  # rows per execute_many: bounded memory per statement batch, few round trips

_SELECT_ESTATE = (
    'SELECT "id", "building", "unit", "name", "phone", "role" FROM "resident" WHERE "estate_id" = ?'
)
_INSERT = (
    'INSERT INTO "resident" ("estate_id", "building", "unit", "name", "phone", "role", "created_at", '
    '"updated_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
)
_UPDATE = 'UPDATE "resident" SET "phone" = ?, "role" = ?, "updated_at" = ? WHERE "id" = ?'
_HOUSEHOLDS = (
    'SELECT COUNT(*) AS "households" FROM (SELECT DISTINCT "building", "unit" FROM "resident" '
    'WHERE "estate_id" = ?) AS "units"'
)


@dataclass
class ImportResult:
    added: int
    updated: int
    unchanged: int


@dataclass
class _Plan:
    inserts: list[list[object]]
    updates: list[list[object]]
    unchanged: int


def _plan(
    estate_id: int,
    existing: list[dict[str, object]],
    rows_in: Sequence[ResidentRow],
    now_value: object,
) -> _Plan:
    """What to write: INSERT values for new keys, UPDATE values where phone or role changed."""
    stored = {
        (row["building"], row["unit"], row["name"]): (row["id"], row["phone"], row["role"])
        for row in existing
    }
    plan = _Plan([], [], 0)
    seen: set[tuple[str, str, str]] = set()
    for row in rows_in:
        key = row.key
        if key in seen:  # check_rows refuses these; a caller passing them has a bug
            raise ValueError(f"resident {key} is twice in the rows (line {row.line})")
        seen.add(key)
        role = row.role.value
        found = stored.get(key)
        if found is None:
            plan.inserts.append(
                [estate_id, row.building, row.unit, row.name, row.phone, role, now_value, now_value]
            )
        elif found[1] != row.phone or found[2] != role:
            plan.updates.append([row.phone, role, now_value, found[0]])
        else:
            plan.unchanged += 1
    return plan


async def _execute_in_chunks(
    conn: BaseDBAsyncClient, text: str, values: list[list[object]]
) -> None:
    statement = rows.sql(conn, text)
    for start in range(0, len(values), CHUNK):
        await conn.execute_many(statement, values[start : start + CHUNK])


async def import_residents(
    estate_id: int, rows_in: Sequence[ResidentRow], now: datetime, *, dry_run: bool = False
) -> ImportResult:
    """Add the new residents of `rows_in` and update the changed ones (phone or role), all or nothing.

    The key is (building, unit, name) within the estate: a re-import never duplicates anyone. A dry run
    counts the same and writes nothing. `rows_in` must not repeat a key (check_rows sees to that).
    """
    now_value = rows.db_value(Resident, "updated_at", now)
    async with in_transaction() as conn:
        existing = await conn.execute_query_dict(rows.sql(conn, _SELECT_ESTATE), [estate_id])
        plan = _plan(estate_id, existing, rows_in, now_value)
        if not dry_run:
            await _execute_in_chunks(conn, _INSERT, plan.inserts)
            await _execute_in_chunks(conn, _UPDATE, plan.updates)
    return ImportResult(len(plan.inserts), len(plan.updates), plan.unchanged)


async def residents_of(
    estate_id: int, *, building: str | None = None, limit: int | None = None
) -> list[Resident]:
    """The estate's residents (of one building, when given), ordered by building, unit, name; the
    first `limit` of them when given."""
    query = Resident.filter(estate_id=estate_id)
    if building is not None:
        query = query.filter(building=building)
    query = query.order_by("building", "unit", "name")
    return await (query.limit(limit) if limit is not None else query)


async def resident_count(estate_id: int) -> int:
    return await Resident.filter(estate_id=estate_id).count()


async def residents_by_phone(
    estate_id: int | None, phone: str, *, using: BaseDBAsyncClient | None = None
) -> list[Resident]:
    """The residents registered with `phone` (E.164) in the estate, or in any estate when None.

    An empty phone finds nobody (many residents are registered without one)."""
    if not phone:
        return []
    query = Resident.filter(phone=phone)
    if estate_id is not None:
        query = query.filter(estate_id=estate_id)
    if using is not None:
        query = query.using_db(using)
    return await query.order_by("estate_id", "building", "unit", "name")


async def household_count(estate_id: int) -> int:
    """Units with at least one resident (distinct building and unit)."""
    conn = get_connection("default")
    result = await conn.execute_query_dict(rows.sql(conn, _HOUSEHOLDS), [estate_id])
    return int(result[0]["households"]) if result else 0


def export_phone(phone: str, region: str) -> str:
    """A stored phone as a register file gives it, so that it reads back as the same number: the national
    format for numbers of `region` ("138 1234 5678"), the way one dials abroad from there otherwise
    ("00 852 9123 4567"). A leading + would be made inert text ('+…) by safe_row and no longer read."""
    if not phone.startswith("+"):
        return phone
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.region_code_for_number(number) == region.upper():
        return display_phone(phone, region.upper())
    return phonenumbers.format_out_of_country_calling_number(number, region.upper())


async def register_rows_for_export(estate_id: int, *, region: str = "CN") -> list[list[str]]:
    """The header (COLUMNS) and one row per resident, in the import's format: the file imports back."""
    table: list[list[str]] = [list(COLUMNS)]
    values = (
        await Resident.filter(estate_id=estate_id)
        .order_by("building", "unit", "name")
        .values_list("building", "unit", "name", "phone", "role")
    )
    for building, unit, name, phone, role in values:
        role_text = role.value if hasattr(role, "value") else str(role)
        table.append([building, unit, name, export_phone(phone, region), role_text])
    return table
