"""The outbox: messages are enqueued in the caller's transaction; delivery (bot.delivery) claims each row
with a lease before sending it and records how the send went.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from ..domain.messages import OutboxKind as OutboxKind  # re-exported: its home is the domain
from ..domain.messages import Payload, load_payload
from ..models import Case, OutboxMessage
from . import rows


async def enqueue(
    connection: BaseDBAsyncClient,
    *,
    chat_id: int,
    now: datetime,
    payload: Payload | Mapping[str, Any] | None = None,
    kind: str | None = None,
    case_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue one message. A typed payload names its kind; a plain mapping needs `kind` and is checked
    against that kind's payload (backend.domain.messages) before it is stored."""
    typed = _typed(payload, kind)
    return await OutboxMessage.create(
        using_db=connection,
        chat_id=chat_id,
        kind=typed.kind.value,
        case_id=case_id,
        payload=typed.to_json(),
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )


def _typed(payload: Payload | Mapping[str, Any] | None, kind: str | None) -> Payload:
    if isinstance(payload, Payload):
        if kind is not None and kind != payload.kind:
            raise ValueError(f"a {payload.kind} payload queued as {kind}")
        return payload
    if kind is None:
        raise TypeError("a payload that is not typed needs its kind")
    return load_payload(kind, payload or {})


class Message(NamedTuple):
    """One outbox row to be written; see `enqueue_many`."""

    chat_id: int
    payload: Payload
    dedupe_key: str | None = None


async def enqueue_many(
    connection: BaseDBAsyncClient,
    messages: list[Message],
    *,
    now: datetime,
    case_id: int | None = None,
) -> None:
    """Several messages of one event in a single INSERT (without model instances: services.rows)."""
    await rows.insert(
        connection,
        OutboxMessage,
        [
            {
                "chat_id": m.chat_id,
                "kind": m.payload.kind.value,
                "case_id": case_id,
                "payload": m.payload.to_json(),
                "dedupe_key": m.dedupe_key,
                "next_attempt_at": now,
                "created_at": now,
            }
            for m in messages
        ],
    )


_WAITING = (
    'SELECT * FROM (SELECT * FROM "outbox_message" WHERE "sent_at" IS NULL AND "failed_at" IS NULL '
    'AND "chat_id" > 0 ORDER BY "id" LIMIT {batch}) AS "private" UNION ALL '
    'SELECT * FROM (SELECT * FROM "outbox_message" WHERE "sent_at" IS NULL AND "failed_at" IS NULL '
    'AND "chat_id" < 0 ORDER BY "id" LIMIT {batch}) AS "groups" ORDER BY "id"'
)


async def waiting(batch: int) -> list[OutboxMessage]:
    """The unsent messages in id order, at most `batch` to private chats and `batch` to groups, read in
    one statement: a group held back by its 20-a-minute limit must not keep receipts and alerts (private
    chats) waiting behind its backlog."""
    return await OutboxMessage.raw(_WAITING.format(batch=int(batch)))


_CLAIM = (
    'UPDATE "outbox_message" SET "claimed_until" = ? WHERE "id" IN ({ids}) AND "sent_at" IS NULL '
    'AND ("claimed_until" IS NULL OR "claimed_until" < ?) RETURNING "id"'
)


async def claim(message_ids: Collection[int], now: datetime, until: datetime) -> set[int]:
    """Take the unsent messages among `message_ids` until `until`, so that two instances never send one
    twice; the ids taken (a message another instance holds, its claim not run out, is left out). One
    statement for a whole delivery round."""
    if not message_ids:
        return set()
    connection = get_connection("default")
    text = _CLAIM.format(ids=", ".join("?" * len(message_ids)))
    until_value, now_value = (
        rows.db_value(OutboxMessage, "claimed_until", t) for t in (until, now)
    )
    taken = await connection.execute_query_dict(
        rows.sql(connection, text), [until_value, *message_ids, now_value]
    )
    return {int(row["id"]) for row in taken}


async def release(message_ids: Collection[int]) -> None:
    """Give the claims back unsent (no send slot was free, or the round ended first): the next round takes
    the messages again."""
    if message_ids:
        await OutboxMessage.filter(id__in=list(message_ids)).update(claimed_until=None)


async def mark_sent(
    message_id: int, now: datetime, *, telegram_message_id: int | None = None
) -> None:
    await OutboxMessage.filter(id=message_id).update(
        sent_at=now, claimed_until=None, telegram_message_id=telegram_message_id
    )


async def mark_superseded(message_id: int, now: datetime) -> None:
    """A card refresh that a later refresh of the same card makes redundant counts as sent, unsent."""
    await OutboxMessage.filter(id=message_id).update(
        sent_at=now, last_error="superseded by a later refresh"
    )


async def mark_failed(
    message_id: int, now: datetime, error: str, *, attempts: int | None = None
) -> None:
    """Retrying cannot help (or the attempts are used up): the message is given up."""
    values: dict[str, Any] = {"failed_at": now, "claimed_until": None, "last_error": error}
    if attempts is not None:
        values["attempts"] = attempts
    await OutboxMessage.filter(id=message_id).update(**values)


async def retry_at(
    message_id: int, when: datetime, error: str, *, attempts: int | None = None
) -> None:
    """Try the message again from `when`; `attempts` counts the failures that back off."""
    values: dict[str, Any] = {"next_attempt_at": when, "claimed_until": None, "last_error": error}
    if attempts is not None:
        values["attempts"] = attempts
    await OutboxMessage.filter(id=message_id).update(**values)


async def cases_shown(case_ids: Collection[int]) -> dict[int, Case]:
    """The cases these ids name, by id, read in one statement (the cases a round's messages show)."""
    if not case_ids:
        return {}
    return {case.id: case for case in await Case.filter(id__in=list(case_ids))}


async def staff_card(case_id: int, *, sent: bool = False) -> OutboxMessage | None:
    """The row of the case's staff card (photos reply to it, refreshes edit it); with `sent`, only once
    Telegram has given it a message id."""
    cards = OutboxMessage.filter(case_id=case_id, kind=OutboxKind.STAFF_CARD)
    if sent:
        cards = cards.filter(telegram_message_id__isnull=False)
    return await cards.first()


async def last_message_id(chat_id: int) -> int | None:
    """The highest Telegram message id the outbox sent to this chat (cards are edited by that id), if any."""
    found = await (
        OutboxMessage.filter(chat_id=chat_id, telegram_message_id__isnull=False)
        .order_by("-telegram_message_id")
        .first()
        .values_list("telegram_message_id", flat=True)
    )
    return cast(int | None, found)
