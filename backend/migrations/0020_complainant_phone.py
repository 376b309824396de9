from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0019_channel_other')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Complainant',
            index=Index(fields=['phone'], name='complainant_phone'),
        ),
    ]
