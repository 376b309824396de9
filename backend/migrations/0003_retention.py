from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_dialogs_and_inbox')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Case',
            name='anonymized_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Case',
            index=Index(fields=['anonymized_at', 'closed_at'], name='case_retention'),
        ),
    ]
