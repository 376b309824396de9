"""The outbox: messages are enqueued in the caller's transaction; delivery (bot.delivery) claims each row
with a lease before sending it and records how the send went.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from ..domain.messages import OutboxKind as OutboxKind  # re-exported: its home is the domain
from ..domain.messages import Payload, load_payload
from ..models import OutboxMessage
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


async def claim(message_id: int, now: datetime, until: datetime) -> bool:
    """Take an unsent message until `until`, so that two instances never send it twice; False when another
    instance holds it (its claim has not run out)."""
    claimed = (
        await OutboxMessage.filter(id=message_id, sent_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=until)
    )
    return bool(claimed)


async def release(message_id: int) -> None:
    """Give the claim back unsent (no send slot was free): the next round takes the message again."""
    await OutboxMessage.filter(id=message_id).update(claimed_until=None)


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


async def last_message_id(chat_id: int) -> int | None:
    """The highest Telegram message id the outbox sent to this chat (cards are edited by that id), if any."""
    found = await (
        OutboxMessage.filter(chat_id=chat_id, telegram_message_id__isnull=False)
        .order_by("-telegram_message_id")
        .first()
        .values_list("telegram_message_id", flat=True)
    )
    return cast(int | None, found)
