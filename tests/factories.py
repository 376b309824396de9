"""Small builders for test data."""

from datetime import UTC, datetime
from itertools import count

from backend.domain import Role
from backend.models import Department, Staff
from backend.services.actors import Actor
from backend.services.drafts import CaseDraft

_ids = count(5000)


async def make_staff(
    role: Role = Role.AGENT, name: str = "", department: Department | None = None, **extra
) -> Staff:
    n = extra.pop("telegram_id", None) or next(_ids)
    return await Staff.create(
        telegram_id=n,
        name=name or f"{role.value}-{n}",
        role=role,
        department=department,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    )


def actor_for(staff: Staff) -> Actor:
    return Actor.staff(staff.id, staff.name, staff.role)


def tenant_draft(
    text: str = "3栋1202卫生间天花板漏水，滴到地板上了", telegram_id: int = 777, **extra
) -> CaseDraft:
    values = dict(
        description=text,
        unit="3-1-1202",
        contact_name="王女士",
        contact_phone="13812345678",
        telegram_id=telegram_id,
        locale="zh_CN",
    )
    values.update(extra)
    return CaseDraft(**values)


# Columns that old migrations create and a later one drops, NOT NULL without a database default (Tortoise
# fills defaults in Python): re-added with a default, so today's models can write rows into an old schema.
DROPPED_COLUMNS = {"case": {"in_case_library": ("BOOL NOT NULL DEFAULT {false}", "0018")}}


# Columns later migrations add (name: definition), which today's models write: added for the time a test
# writes through the models at an old schema, dropped again (`forget_new_columns`) before it migrates on.
ADDED_COLUMNS = {
    "case": {"estate_id": "INT", "resident_verified": "BOOL NOT NULL DEFAULT {false}"},
    "complainant": {"estate_id": "INT"},
    "incident": {"estate_id": "INT"},
}


async def forget_new_columns() -> None:
    """Undo what `let_models_write_old_schema` added, so that the migrations can add it themselves."""
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            await conn.execute_script(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')


async def let_models_write_old_schema() -> None:
    """Call after migrating to a target before the drops, with Tortoise initialised on that database."""
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    false = "0" if conn.capabilities.dialect == "sqlite" else "FALSE"
    for table, columns in DROPPED_COLUMNS.items():
        for column, (definition, _dropped_by) in columns.items():
            await conn.execute_script(
                f'ALTER TABLE "{table}" DROP COLUMN "{column}";'
                f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition.format(false=false)}'
            )
    for table, added in ADDED_COLUMNS.items():
        for column, definition in added.items():
            await conn.execute_script(
                f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition.format(false=false)}'
            )
