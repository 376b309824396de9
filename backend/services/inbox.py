"""The update inbox: every update is recorded once (a redelivery is recognised by its update_id).

In webhook mode the whole update is stored before Telegram is answered 200 and any instance processes it
under a claim (a lease on the row); in polling mode only its id is recorded. The flood guard holds an
update here until its minute has passed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from ..models import InboxUpdate

INT64 = range(-(2**63), 2**63)  # BIGINT: update ids, chat and user ids
MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")


def _is_int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in INT64


def valid_update_id(value: Any) -> bool:
    return _is_int64(value) and value >= 0


def shape_problem(payload: dict[str, Any]) -> str | None:
    """Why `payload` cannot be a Telegram update (None when it can be stored and tried).

    Every field of an update besides update_id is an object; the chats and users it names have
    whole-number ids. Deeper details are the bot's to judge when it processes the update.
    """
    for key, value in payload.items():
        if key == "update_id":
            continue
        if not isinstance(value, dict):
            return f"{key} is not an object"
        inner = value.get("message")
        holders = [(key, value)] + ([(f"{key}.message", inner)] if "message" in value else [])
        for where, holder in holders:
            if not isinstance(holder, dict):
                return f"{where} is not an object"
            for name in ("chat", "from"):
                if name in holder and not (
                    isinstance(holder[name], dict) and _is_int64(holder[name].get("id"))
                ):
                    return f"{where}.{name} has no whole-number id"
    return None


def _chat_id(holder: Any) -> int | None:
    chat = holder.get("chat") if isinstance(holder, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return chat_id if _is_int64(chat_id) else None


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its order is kept per chat)."""
    for key in MESSAGE_KEYS:
        if (found := _chat_id(payload.get(key))) is not None:
            return found
    query = payload.get("callback_query")
    return _chat_id(query.get("message")) if isinstance(query, dict) else None


async def record_update(payload: dict[str, Any], now: datetime) -> bool:
    """Keep the update; False when it was recorded before (Telegram redelivered it).

    The caller has checked `valid_update_id` and `shape_problem`.
    """
    try:
        await InboxUpdate.create(
            update_id=payload["update_id"],
            chat_id=chat_of(payload),
            received_at=now,
            payload=payload,
        )
        return True
    except IntegrityError:
        return False


async def waiting(now: datetime, limit: int) -> list[InboxUpdate]:
    """Recorded updates not yet processed whose hold (if any) is over, oldest first."""
    return await (
        InboxUpdate.filter(processed_at=None, payload__isnull=False)
        .filter(Q(held_until=None) | Q(held_until__lte=now))
        .order_by("update_id")
        .limit(limit)
    )


async def unprocessed(update_id: int) -> InboxUpdate | None:
    return await InboxUpdate.get_or_none(update_id=update_id, processed_at=None)


@dataclass
class SeenUpdate:
    """A polled update not yet recorded: its row is written with the update's first write (bot.turn's
    unit of work), held (`held_until`, with its `payload`) when the flood guard keeps it for later."""

    update_id: int
    chat_id: int | None
    received_at: datetime
    held_until: datetime | None = None
    payload: dict[str, Any] | None = None


class AlreadyRecorded(Exception):
    """The update was recorded before: a redelivery (nothing of its handling was written)."""


async def is_recorded(update_id: int) -> bool:
    return await InboxUpdate.filter(update_id=update_id).exists()


async def record_seen(update_id: int, chat_id: int | None, now: datetime) -> InboxUpdate | None:
    """Record a polled update by its id alone; None when it was recorded before (a redelivery)."""
    try:
        return await InboxUpdate.create(update_id=update_id, chat_id=chat_id, received_at=now)
    except IntegrityError:
        return None


async def record(seen: SeenUpdate, conn: BaseDBAsyncClient | None = None) -> None:
    """Write a polled update's row, on `conn` when it is part of a larger transaction; AlreadyRecorded
    when it was recorded before (inside a transaction the caller rolls back)."""
    try:
        await InboxUpdate.create(
            update_id=seen.update_id,
            chat_id=seen.chat_id,
            received_at=seen.received_at,
            held_until=seen.held_until,
            payload=seen.payload,
            using_db=conn,
        )
    except IntegrityError:
        raise AlreadyRecorded(seen.update_id) from None


async def claim(update_id: int, now: datetime, until: datetime) -> bool:
    """Take the unprocessed update until `until`; False when another instance has it in hand (its claim
    has not run out) or it was just finished."""
    claimed = (
        await InboxUpdate.filter(update_id=update_id, processed_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=until)
    )
    return bool(claimed)


async def extend_claim(update_id: int, until: datetime) -> None:
    """Keep the claim on an update still in hand (a finished update is left alone)."""
    await InboxUpdate.filter(update_id=update_id, processed_at=None).update(claimed_until=until)


async def release_claim(update_id: int) -> None:
    """Give the update back unprocessed (the flood guard held it): the inbox loop takes it again later."""
    await InboxUpdate.filter(update_id=update_id).update(claimed_until=None)


async def mark_processed(update_id: int, now: datetime) -> None:
    await InboxUpdate.filter(update_id=update_id).update(processed_at=now, claimed_until=None)


async def hold(update_id: int, until: datetime, payload: dict[str, Any]) -> None:
    """Keep the update, whole, to be handled after `until` (bot.flood)."""
    await InboxUpdate.filter(update_id=update_id).update(held_until=until, payload=payload)


async def last_update_id() -> int | None:
    """The highest update id recorded, if any: a new local session (`qingchu chat`) continues after it."""
    newest = await InboxUpdate.all().order_by("-update_id").only("update_id").first()
    return newest.update_id if newest is not None else None
