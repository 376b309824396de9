"""The update inbox of webhook mode: an update is stored before Telegram is answered 200."""

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from ..models import InboxUpdate


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its order is kept per chat)."""
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        chat = (payload.get(key) or {}).get("chat") or {}
        if "id" in chat:
            return int(chat["id"])
    message = (payload.get("callback_query") or {}).get("message") or {}
    if "id" in (message.get("chat") or {}):
        return int(message["chat"]["id"])
    return None


async def record_update(payload: dict[str, Any], now: datetime) -> bool:
    """Keep the update; False when it was recorded before (Telegram redelivered it)."""
    try:
        await InboxUpdate.create(update_id=int(payload["update_id"]), chat_id=chat_of(payload),
                                 received_at=now, payload=payload)
        return True
    except IntegrityError:
        return False
