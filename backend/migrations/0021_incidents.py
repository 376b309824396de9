from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models import IncidentStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Existing incidents (opened by the sweep before this migration) need a value in every new NOT NULL column:
# Tortoise adds such a column without a database default, which fails on a table with rows (and always on
# SQLite). These columns are added by hand with their default; the model state is Tortoise's AddField.
FILLED = {
    "confirmed_by": {
        "sqlite": "VARCHAR(100) NOT NULL DEFAULT ''",
        "postgres": "VARCHAR(100) NOT NULL DEFAULT ''",
    },
    "keywords": {"sqlite": "JSON NOT NULL DEFAULT '[]'", "postgres": "JSONB NOT NULL DEFAULT '[]'"},
    "refresh_queued": {
        "sqlite": "INT NOT NULL DEFAULT 0",
        "postgres": "BOOL NOT NULL DEFAULT FALSE",
    },
    "resolution": {"sqlite": "TEXT NOT NULL DEFAULT ''", "postgres": "TEXT NOT NULL DEFAULT ''"},
    "status": {
        "sqlite": "VARCHAR(16) NOT NULL DEFAULT 'proposed'",
        "postgres": "VARCHAR(16) NOT NULL DEFAULT 'proposed'",
    },
}


class AddFilledField(ops.AddField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        dialect = state_editor.client.capabilities.dialect
        definitions = FILLED[self.name]
        if dialect not in definitions:
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        await state_editor._run_sql(
            f'ALTER TABLE "incident" ADD COLUMN "{self.name}" {definitions[dialect]}'
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0020_complainant_phone")]

    initial = False

    operations = [
        ops.CreateModel(
            name="IncidentNote",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "incident",
                    fields.ForeignKeyField(
                        "models.Incident",
                        source_field="incident_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="notes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(unique=True, max_length=80)),
                ("kind", fields.CharField(default="note", max_length=16)),
                ("text", fields.TextField(default="", unique=False)),
                ("actor_name", fields.CharField(default="", max_length=100)),
                ("cases", fields.IntField(default=0)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "incident_note",
                "app": "models",
                "indexes": [Index(fields=["incident_id", "at"], name="incident_note_incident_at")],
                "pk_attr": "id",
                "table_description": "An entry in an incident's timeline: a note sent to all its tenants, its resolution, a case added.",
            },
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="Case",
            index=Index(fields=["incident_id", "received_at"], name="case_incident_received"),
        ),
        ops.AlterModelOptions(
            name="Incident",
            options={
                "table": "incident",
                "app": "models",
                "indexes": [
                    Index(
                        fields=["building", "category", "created_at"],
                        name="incident_building_category",
                    ),
                    Index(fields=["status", "created_at"], name="incident_status_created"),
                ],
                "pk_attr": "id",
                "table_description": "Several cases about one problem (a collective complaint): one staff card, one note to all.",
            },
        ),
        AddFilledField(
            model_name="Incident",
            name="confirmed_by",
            field=fields.CharField(default="", max_length=100),
        ),
        AddFilledField(
            model_name="Incident",
            name="keywords",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Incident",
            name="latest_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFilledField(
            model_name="Incident",
            name="refresh_queued",
            field=fields.BooleanField(default=False),
        ),
        AddFilledField(
            model_name="Incident",
            name="resolution",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="Incident",
            name="resolved_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddFilledField(
            model_name="Incident",
            name="status",
            field=fields.CharEnumField(
                default=IncidentStatus.PROPOSED,
                description="PROPOSED: proposed\nCONFIRMED: confirmed\nRESOLVED: resolved",
                enum_type=IncidentStatus,
                max_length=16,
            ),
        ),
        ops.AddIndex(
            model_name="Incident",
            index=Index(
                fields=["building", "category", "created_at"], name="incident_building_category"
            ),
        ),
        ops.AddIndex(
            model_name="Incident",
            index=Index(fields=["status", "created_at"], name="incident_status_created"),
        ),
    ]
