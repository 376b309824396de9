"""Daily case sequence numbers, unique under concurrent submits.

One atomic upsert per number: PostgreSQL locks the day's counter row until the submitting transaction
commits, so two submits never get the same sequence; SQLite has a single writer.
"""

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

_UPSERT = (
    'INSERT INTO "case_counter" ("day", "last_sequence") VALUES ({p1}, 1) '
    'ON CONFLICT ("day") DO UPDATE SET "last_sequence" = "case_counter"."last_sequence" + 1 '
    'RETURNING "last_sequence"'
)


async def next_sequence(connection: BaseDBAsyncClient, day: date) -> int:
    placeholder = "$1" if connection.capabilities.dialect == "postgres" else "?"
    rows = await connection.execute_query_dict(
        _UPSERT.format(p1=placeholder), [day.strftime("%Y%m%d")]
    )
    return int(rows[0]["last_sequence"])
