from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_dialog_idle_index')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Case',
            index=Index(fields=['status', 'survey_reminder_at'], name='case_status_survey_reminder'),
        ),
        ops.AddIndex(
            model_name='Case',
            index=Index(fields=['status', 'survey_close_at'], name='case_status_survey_close'),
        ),
    ]
