"""Where a new case belongs: its estate, and its unit as the resident register knows it.

A tenant's phone found in the estate's register marks the case "verified resident" and fills in the unit
and name the tenant left out (docs/domain.md#estates). An unknown phone is accepted all the same.
"""

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from ..domain.contact import building_of
from ..models import Estate
from . import rows
from .drafts import CaseDraft

_FIRST_ESTATE = 'SELECT * FROM "estate" ORDER BY "id" LIMIT 1'
_ESTATE = 'SELECT * FROM "estate" WHERE "id" = ?'
_RESIDENTS = (
    'SELECT "building", "unit", "name" FROM "resident" WHERE "estate_id" = ? AND "phone" = ? '
    'ORDER BY "id" LIMIT 5'
)


@dataclass(frozen=True)
class Place:
    unit: str
    building: str
    name: str
    verified: bool  # the phone is in the estate's resident register


def unit_label(building: str, unit: str) -> str:
    """The register's building and unit as one unit text ("3-1202"), which building_of reads back."""
    if not building or unit.upper().startswith(f"{building.upper()}-"):
        return unit
    return f"{building}-{unit}"


async def filing_estate(conn: BaseDBAsyncClient, estate_id: int | None) -> Estate | None:
    """The estate a new case is filed in: the one asked for, else the first (the default estate).

    None only when the deployment has no estate at all (they were deleted): the deployment's settings
    then serve the case.
    """
    found: list[dict] = []
    if estate_id is not None:
        found = await conn.execute_query_dict(rows.sql(conn, _ESTATE), [estate_id])
    if not found:
        found = await conn.execute_query_dict(_FIRST_ESTATE)
    return Estate._init_from_db(**found[0]) if found else None


async def register_match(conn: BaseDBAsyncClient, estate: Estate | None, draft: CaseDraft) -> Place:
    """The case's unit, building and name, completed from the register when the phone is in it."""
    unit, name = draft.unit, draft.contact_name
    building = building_of(unit)
    if estate is None or not draft.contact_phone.startswith("+"):
        return Place(unit, building, name, False)
    found = await conn.execute_query_dict(
        rows.sql(conn, _RESIDENTS), [estate.id, draft.contact_phone]
    )
    if not found:
        return Place(unit, building, name, False)
    homes = {(row["building"], row["unit"]) for row in found}
    if not unit and len(homes) == 1:  # one home: it is theirs (several: the tenant says which)
        home_building, home_unit = next(iter(homes))
        unit, building = unit_label(home_building, home_unit), home_building
    return Place(unit, building, name or found[0]["name"], True)
