from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_staff_invites_and_topics')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='InboxUpdate',
            index=Index(fields=['chat_id', 'received_at'], name='inbox_update_chat_received'),
        ),
    ]
