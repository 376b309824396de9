from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_dashboard_sessions')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Dialog',
            index=Index(fields=['updated_at'], name='dialog_updated'),
        ),
    ]
