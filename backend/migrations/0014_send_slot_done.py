from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_shared_limits')]

    initial = False

    operations = [
        ops.AddField(
            model_name='SendSlot',
            name='done_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='SendSlot',
            index=Index(fields=['done_at'], name='send_slot_done'),
        ),
    ]
