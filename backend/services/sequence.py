"""Daily case sequence numbers, unique under concurrent submits.

One atomic upsert per number: PostgreSQL locks the day's counter row until the submitting transaction
commits, so two submits never get the same sequence; SQLite has a single writer.
"""

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

from .rows import sql

_UPSERT = (
    'INSERT INTO "case_counter" ("day", "last_sequence") VALUES (?, 1) '
    'ON CONFLICT ("day") DO UPDATE SET "last_sequence" = "case_counter"."last_sequence" + 1 '
    'RETURNING "last_sequence"'
)


async def next_sequence(connection: BaseDBAsyncClient, day: date) -> int:
    rows = await connection.execute_query_dict(sql(connection, _UPSERT), [day.strftime("%Y%m%d")])
    return int(rows[0]["last_sequence"])
