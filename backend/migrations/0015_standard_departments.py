"""Data migration: the standard departments of a property-management company (domain.md, "Who is involved").

A fresh install can dispatch at once; the policy's category → department routing (backend/default_policy.toml,
`department` of each category) names these codes. A database that already has departments keeps them and
gains only the codes it lacks; a name an operator gave a code is never changed. Rename or deactivate them
with `qingchu department add` or in the dashboard.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

STANDARD_DEPARTMENTS = (
    ("engineering", "工程部"),  # repairs: water, power, lifts, doors, lights, air-conditioning
    ("cleaning", "保洁部"),  # cleaning, rubbish, greenery, pests
    ("security", "保安部"),  # guards, fire safety, access, parking order
    ("customer_service", "客服部"),  # the service desk: fees, attitude, neighbours, everything else
)


async def add_missing_departments(apps, schema_editor) -> None:
    department = apps.get_model("models", "Department")
    client = schema_editor.client
    existing = set(await department.all().using_db(client).values_list("code", flat=True))
    for code, name in STANDARD_DEPARTMENTS:
        if code not in existing:
            await department.create(code=code, name=name, active=True, using_db=client)


class Migration(migrations.Migration):
    dependencies = [('models', '0014_send_slot_done')]

    initial = False

    operations = [
        # Backwards the rows stay: cases and staff may point at them by now.
        ops.RunPython(add_missing_departments, ops.RunPython.noop),
    ]
