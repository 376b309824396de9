from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_case_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(max_length=200)),
                ('taken_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'lease', 'app': 'models', 'pk_attr': 'name', 'table_description': 'A named role only one process may hold at a time (e.g. polling Telegram), renewed while alive.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SendSlot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chat_id', fields.BigIntField()),
                ('taken_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'send_slot', 'app': 'models', 'indexes': [Index(fields=['taken_at'], name='send_slot_taken'), Index(fields=['chat_id', 'taken_at'], name='send_slot_chat_taken')], 'pk_attr': 'id', 'table_description': "One Bot API send, counted by every instance: the shared ledger of Telegram's sending limits."},
            bases=['Model'],
        ),
    ]
