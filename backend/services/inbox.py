"""The update inbox of webhook mode: an update is stored before Telegram is answered 200."""

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

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


async def last_update_id() -> int | None:
    """The highest update id recorded, if any: a new local session (`qingchu chat`) continues after it."""
    newest = (
        await InboxUpdate.all().order_by("-update_id").first().values_list("update_id", flat=True)
    )
    return newest
