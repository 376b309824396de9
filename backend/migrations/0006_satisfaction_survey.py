from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_inbox_by_chat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SatisfactionSurvey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(unique=True, max_length=7)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recipients', fields.IntField(default=0)),
            ],
            options={'table': 'satisfaction_survey', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The twice-yearly satisfaction survey (domain.md, "Follow-up and satisfaction").'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.SatisfactionSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('complainant', fields.ForeignKeyField('models.Complainant', source_field='complainant_id', null=True, db_constraint=True, to_field='id', related_name='survey_answers', on_delete=OnDelete.SET_NULL)),
                ('category', fields.CharField(default='', max_length=32)),
                ('score', fields.SmallIntField(null=True)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_answer', 'app': 'models', 'unique_together': (('survey', 'complainant'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
