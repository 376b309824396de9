"""Channel "other" for a case staff register that came some other way (the front desk's list).

Only the column's description changes (Tortoise keeps the enum's members there; the column stays
VARCHAR(16)). Written by hand: on SQLite, where a column has no description, Tortoise would rebuild the
"case" table for it and lose the search index's triggers (0012_case_search).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from backend.domain.enums import Channel


class AlterDescription(ops.AlterField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0018_drop_case_library")]

    initial = False

    operations = [
        AlterDescription(
            model_name="Case",
            name="channel",
            field=fields.CharEnumField(
                default=Channel.CHAT,
                description="CHAT: chat\nPHONE: phone\nWALK_IN: walk_in\nLETTER: letter\nEMAIL: email\n"
                "SUGGESTION_BOX: suggestion_box\nOTHER: other",
                enum_type=Channel,
                max_length=16,
            ),
        ),
    ]
