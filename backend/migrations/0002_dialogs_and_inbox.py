from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Dialog',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=48)),
                ('chat_id', fields.BigIntField()),
                ('user_id', fields.BigIntField()),
                ('flow', fields.CharField(max_length=32)),
                ('state', fields.CharField(max_length=32)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dialog', 'app': 'models', 'pk_attr': 'key', 'table_description': 'Where a person is in a guided chat dialog. In the database so any instance and a restart can'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxUpdate',
            fields=[
                ('update_id', fields.BigIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('chat_id', fields.BigIntField(null=True)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'inbox_update', 'app': 'models', 'indexes': [Index(fields=['received_at'], name='inbox_update_received')], 'pk_attr': 'update_id', 'table_description': 'Telegram updates already taken: a redelivered update is recognised and handled once.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='telegram_message_id',
            field=fields.BigIntField(null=True),
        ),
    ]
