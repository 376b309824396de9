"""Drop `case.in_case_library`: a flag nothing ever set or read.

Written by hand: Tortoise removes a column on SQLite by rebuilding the table, which drops the triggers that
feed the case search index (0012_case_search). SQLite has had `ALTER TABLE … DROP COLUMN` since 3.35 (2021),
which keeps them; an older SQLite keeps the unused column (it has a default) and only the model forgets it.
"""

import sqlite3

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE_DROP_COLUMN = (3, 35, 0)


class DropColumnKeepingTriggers(ops.RemoveField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        if state_editor.client.capabilities.dialect != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)
        elif sqlite3.sqlite_version_info >= SQLITE_DROP_COLUMN:
            await state_editor._run_sql(f'ALTER TABLE "case" DROP COLUMN "{self.name}"')

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        dialect = state_editor.client.capabilities.dialect
        if dialect != "sqlite" or sqlite3.sqlite_version_info >= SQLITE_DROP_COLUMN:
            # ADD COLUMN: SQLite adds it in place, the triggers stay
            await state_editor._run_sql(
                f'ALTER TABLE "case" ADD COLUMN "{self.name}" BOOL NOT NULL DEFAULT 0'
                if dialect == "sqlite"
                else f'ALTER TABLE "case" ADD COLUMN "{self.name}" BOOL NOT NULL DEFAULT FALSE'
            )


class Migration(migrations.Migration):
    dependencies = [("models", "0017_phones_e164")]

    initial = False

    operations = [
        DropColumnKeepingTriggers(model_name="Case", name="in_case_library"),
    ]
