"""Data migration: stored phone numbers to E.164 ("13812345678" → "+8613812345678").

Phone numbers are validated with `phonenumbers` and stored in E.164 from now on (backend.domain.contact).
Values stored before were digits as the old rules kept them: mainland mobiles ("13812345678"), landlines
with area code ("02112345678"), bare 8 digits, "+" and digits, and, for staff added with the CLI, the
text as typed. They are read as numbers of the mainland ("CN", the default PHONE_REGION):

- a value that is a valid number there becomes its E.164 form;
- a value with + is read as written ("+86 138-1234-5678" typed at the CLI becomes "+8613812345678");
- a bare 8-digit value stays: the old rules kept it for "Hong Kong, or a landline without area code",
  which no region can tell apart (a few Hong Kong numbers are also valid mainland numbers);
- anything else that is no valid number stays as it is (shown and masked as before).

Self-contained on purpose (no import of backend.domain.contact): what this migration did must not
change when the live rules do. Backwards nothing is undone: E.164 values are read by the old code too.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from tortoise import migrations
from tortoise.migrations import operations as ops

REGION = "CN"
PHONE_COLUMNS = (("Complainant", "phone"), ("Case", "contact_phone"), ("Staff", "phone"))
_SEPARATORS = re.compile(r"[\s\-().]")


def e164(value: str) -> str | None:
    """The E.164 form of a value stored before, or None to leave it as it is."""
    compact = _SEPARATORS.sub("", value)
    if not re.fullmatch(r"\+[0-9]{7,17}|[0-9]{9,17}", compact):  # 8 digits, letters, junk
        return None
    try:
        number = phonenumbers.parse(compact, REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


async def phones_to_e164(apps, schema_editor) -> None:
    client = schema_editor.client
    for model_name, column in PHONE_COLUMNS:
        model = apps.get_model("models", model_name)
        stored = await model.exclude(**{column: ""}).using_db(client).distinct().values_list(column, flat=True)
        for value in stored:  # one UPDATE per distinct number, however many rows carry it
            new = e164(value)
            if new is not None and new != value:
                await model.filter(**{column: value}).using_db(client).update(**{column: new})


class Migration(migrations.Migration):
    dependencies = [('models', '0016_inbox_held')]

    initial = False

    operations = [
        ops.RunPython(phones_to_e164, ops.RunPython.noop),
    ]
