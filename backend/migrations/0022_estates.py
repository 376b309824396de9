"""Estates, the resident register, staff per estate (docs/domain.md#estates).

Everything that exists belongs to one default estate afterwards: its cases, tenants, incidents, and its
agents and supervisors (managers and admins stay head office: they see every estate). The default estate
has no settings of its own, so STAFF_CHAT_ID, DUTY_PHONE, TIMEZONE and the policy's hours keep working;
rename it with `qingchu estate edit --code default --new-code CODE --name NAME`.

The new columns of "case", "complainant" and "incident" are added by hand: Tortoise would rebuild a table on
SQLite for a new foreign key, which drops the case-search triggers (0012_case_search), and it adds a NOT NULL
column without a database default, which fails on a table with rows.
"""

import functools
from datetime import UTC, datetime
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from backend.domain.enums import ResidentRole

DEFAULT_ESTATE = ("default", "本小区")
ESTATE_FK = {
    "sqlite": 'INT REFERENCES "estate" ("id") ON DELETE SET NULL',
    "postgres": 'INT REFERENCES "estate" ("id") ON DELETE SET NULL',
}
COLUMNS = {
    "estate": ESTATE_FK,
    "estate_ids": {"sqlite": "JSON NOT NULL DEFAULT '[]'", "postgres": "JSONB NOT NULL DEFAULT '[]'"},
    "resident_verified": {
        "sqlite": "INT NOT NULL DEFAULT 0",
        "postgres": "BOOL NOT NULL DEFAULT FALSE",
    },
}


class AddColumnInPlace(ops.AddField):
    """ALTER TABLE … ADD COLUMN with a database default; the model state is Tortoise's AddField."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        dialect = state_editor.client.capabilities.dialect
        if dialect not in COLUMNS[self.name]:
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        table = new_state.apps.get_model(app_label, self.model_name)._meta.db_table
        column = f"{self.name}_id" if self.name == "estate" else self.name
        await state_editor._run_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "{column}" {COLUMNS[self.name][dialect]}'
        )


async def everything_to_the_default_estate(apps, schema_editor) -> None:
    client = schema_editor.client
    estate = apps.get_model("models", "Estate")
    now = datetime.now(UTC)
    first = await estate.all().using_db(client).order_by("id").first()
    if first is None:
        code, name = DEFAULT_ESTATE
        first = await estate.create(
            code=code, name=name, created_at=now, updated_at=now, using_db=client
        )
    for model in ("Case", "Complainant", "Incident"):
        await (
            apps.get_model("models", model)
            .filter(estate_id=None)
            .using_db(client)
            .update(estate_id=first.id)
        )
    staff_estate = apps.get_model("models", "StaffEstate")
    staff = apps.get_model("models", "Staff")
    for member in await staff.filter(role__in=("agent", "supervisor")).using_db(client):
        await staff_estate.create(staff_id=member.id, estate_id=first.id, using_db=client)


class Migration(migrations.Migration):
    dependencies = [("models", "0021_incidents")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Estate",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=32)),
                ("name", fields.CharField(max_length=100)),
                ("address", fields.CharField(default="", max_length=200)),
                ("timezone", fields.CharField(default="", max_length=64)),
                ("duty_phone", fields.CharField(default="", max_length=32)),
                ("staff_chat_id", fields.BigIntField(null=True)),
                (
                    "business_hours",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "estate",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One estate (小区, 大厦, 商场) with its own office: staff group, duty phone, hours (docs/domain.md#estates).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Resident",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "estate",
                    fields.ForeignKeyField(
                        "models.Estate",
                        source_field="estate_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="residents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("building", fields.CharField(max_length=32)),
                ("unit", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=100)),
                ("phone", fields.CharField(default="", max_length=32)),
                (
                    "role",
                    fields.CharEnumField(
                        description="OWNER: owner\nTENANT: tenant\nSHOP: shop",
                        enum_type=ResidentRole,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "resident",
                "app": "models",
                "unique_together": (("estate", "building", "unit", "name"),),
                "indexes": [Index(fields=["phone"], name="resident_phone")],
                "pk_attr": "id",
                "table_description": "One person of the resident register: who lives (or keeps a shop) in which unit.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StaffEstate",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.Staff",
                        source_field="staff_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="estates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "estate",
                    fields.ForeignKeyField(
                        "models.Estate",
                        source_field="estate_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "staff_estate",
                "app": "models",
                "unique_together": (("staff", "estate"),),
                "pk_attr": "id",
                "table_description": "A staff member works for an estate (agents and supervisors see only their estates).",
            },
            bases=["Model"],
        ),
        AddColumnInPlace(
            model_name="Case",
            name="estate",
            field=fields.ForeignKeyField(
                "models.Estate",
                source_field="estate_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="cases",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        AddColumnInPlace(
            model_name="Case",
            name="resident_verified",
            field=fields.BooleanField(default=False),
        ),
        ops.AddIndex(
            model_name="Case",
            index=Index(fields=["estate_id", "status"], name="case_estate_status"),
        ),
        AddColumnInPlace(
            model_name="Complainant",
            name="estate",
            field=fields.ForeignKeyField(
                "models.Estate",
                source_field="estate_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="complainants",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        AddColumnInPlace(
            model_name="Incident",
            name="estate",
            field=fields.ForeignKeyField(
                "models.Estate",
                source_field="estate_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="incidents",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        AddColumnInPlace(
            model_name="StaffInvite",
            name="estate_ids",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        AddColumnInPlace(
            model_name="ApiToken",
            name="estate_ids",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        # Backwards the rows stay (the columns go with the tables).
        ops.RunPython(everything_to_the_default_estate, ops.RunPython.noop),
    ]
