"""What an update in a private chat reads before its handler runs, in one statement (decision 0007).

Three reads each update of a tenant's chat made one after the other are one round trip: the flood guard's
rows of the chat's recent updates (among them the update's own row when it is recorded: a redelivery), the
person by their Telegram id (bot.turn.Turn.of) and their dialog in this chat (bot.dialogs.load_dialog).
The person and the dialog come back as the model instances the ORM would build from the same columns
(`Model._init_from_db`, what Tortoise's own SELECT does with a row), without building the query each time.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from tortoise.connection import get_connection
from tortoise.models import Model

from ..models import Complainant, Dialog, InboxUpdate
from . import rows

M = TypeVar("M", bound=Model)
RecentUpdate = tuple[int, datetime, datetime | None, datetime | None]
_INBOX_COLUMNS = ("update_id", "received_at", "held_until", "processed_at")
# The row of the person and the dialog (part 0, exactly one) and the chat's recent updates (part 1, in
# update_id order): one UNION ALL, each part with the other's columns NULL.
_PERSON, _DIALOG, _INBOX = "p_", "d_", "i_"


@dataclass(frozen=True)
class UpdateReads:
    """The rows an update starts from. `person` is the Complainant with `telegram_id`; `dialog` the
    Dialog row with `dialog_key`; `recent` what `bot.flood` counts: (update_id, received_at, held_until,
    processed_at) of the chat's updates received after `since`, up to and including the update, and the
    update's own row whenever it is recorded, however old."""

    telegram_id: int | None
    dialog_key: str
    person: Complainant | None
    dialog: Dialog | None
    recent: list[RecentUpdate]


async def read_update(
    chat_id: int, telegram_id: int | None, dialog_key: str, update_id: int, since: datetime
) -> UpdateReads:
    """One SELECT, outside any transaction (a read: on PostgreSQL one pool connection, one reset)."""
    connection = get_connection("default")
    found = await connection.execute_query_dict(
        rows.sql(connection, _statement()),
        [
            telegram_id,
            dialog_key,
            update_id,
            chat_id,
            rows.db_value(InboxUpdate, "received_at", since),
            update_id,
        ],
    )
    person: Complainant | None = None
    dialog: Dialog | None = None
    recent: list[RecentUpdate] = []
    for row in found:
        if row["part"] == 0:
            person = _instance(Complainant, _PERSON, row)
            dialog = _instance(Dialog, _DIALOG, row)
        else:
            recent.append(_recent(row))
    return UpdateReads(telegram_id, dialog_key, person, dialog, recent)


def _instance(model: type[M], prefix: str, row: dict[str, Any]) -> M | None:
    """The model built from its columns in `row` (named with `prefix`); None when the join found none."""
    pk = model._meta.db_pk_column
    if row[prefix + pk] is None:
        return None
    return model._init_from_db(**{column: row[prefix + column] for column in _columns(model)})


def _recent(row: dict[str, Any]) -> RecentUpdate:
    fields = InboxUpdate._meta.fields_map
    update_id, received_at, held_until, processed_at = (
        fields[name].to_python_value(row[_INBOX + name]) for name in _INBOX_COLUMNS
    )
    return update_id, received_at, held_until, processed_at


def _columns(model: type[Model]) -> tuple[str, ...]:
    return tuple(model._meta.fields_db_projection.values())


@cache
def _statement() -> str:
    """The SELECT, with `?` placeholders: telegram id, dialog key, update id, chat id, since, update id."""

    def listed(model: type[Model], table: str | None, prefix: str) -> list[str]:
        return [
            f'"{table}"."{column}" AS "{prefix}{column}"'
            if table
            else f'NULL AS "{prefix}{column}"'
            for column in _columns(model)
        ]

    def inbox(table: str | None) -> list[str]:
        return [
            f'"{table}"."{column}" AS "{_INBOX}{column}"'
            if table
            else f'NULL AS "{_INBOX}{column}"'
            for column in _INBOX_COLUMNS
        ]

    person_and_dialog = ", ".join(
        [
            '0 AS "part"',
            *listed(Complainant, "p", _PERSON),
            *listed(Dialog, "d", _DIALOG),
            *inbox(None),
        ]
    )
    recent = ", ".join(
        [
            '1 AS "part"',
            *listed(Complainant, None, _PERSON),
            *listed(Dialog, None, _DIALOG),
            *inbox("i"),
        ]
    )
    return (
        f'SELECT {person_and_dialog} FROM (SELECT 1 AS "one") AS "base" '  # noqa: S608 (the models' names)
        f'LEFT JOIN "{Complainant._meta.db_table}" AS "p" ON "p"."telegram_id" = ? '
        f'LEFT JOIN "{Dialog._meta.db_table}" AS "d" ON "d"."key" = ? '
        f'UNION ALL SELECT {recent} FROM "{InboxUpdate._meta.db_table}" AS "i" '
        'WHERE "i"."update_id" = ? OR ("i"."chat_id" = ? AND "i"."received_at" > ? '
        'AND "i"."update_id" <= ?) '
        f'ORDER BY "part", "{_INBOX}update_id"'
    )
