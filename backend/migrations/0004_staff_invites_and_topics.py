from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.domain.enums import Role
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_retention')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffInvite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('role', fields.CharEnumField(description='AGENT: agent\nSUPERVISOR: supervisor\nMANAGER: manager\nADMIN: admin', enum_type=Role, max_length=16)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_by', fields.BigIntField(null=True)),
            ],
            options={'table': 'staff_invite', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time code an admin hands to a new colleague, who sends it to the bot to register.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Case',
            name='staff_thread_id',
            field=fields.BigIntField(null=True),
        ),
    ]
