"""Dialog state in the database: any instance can continue a dialog, a restart forgets nothing."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from backend.logs import current_update
from backend.models import Dialog

APPLIED = "_update"  # the update whose handling saved this state


@dataclass
class DialogState:
    chat_id: int
    user_id: int
    flow: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None

    def expired(self, now: datetime, idle: timedelta) -> bool:
        return self.updated_at is not None and now - self.updated_at > idle

    def applied(self, update_id: int) -> bool:
        """True when this update was already handled up to saving this state: an instance that crashed
        before marking the update done leaves it to be processed again, and it must not be applied twice."""
        return self.data.get(APPLIED, -1) >= update_id


def dialog_key(chat_id: int, user_id: int) -> str:
    """One dialog per person per chat: in a group each staff member has their own."""
    return f"{chat_id}:{user_id}"


async def load_dialog(chat_id: int, user_id: int) -> DialogState | None:
    row = await Dialog.get_or_none(key=dialog_key(chat_id, user_id))
    if row is None:
        return None
    return DialogState(
        row.chat_id, row.user_id, row.flow, row.state, dict(row.data), row.updated_at
    )


async def save_dialog(dialog: DialogState, now: datetime) -> None:
    """One UPDATE in the usual case (the dialog exists), an INSERT the first time."""
    dialog.updated_at = now
    if (update_id := current_update()) is not None:
        dialog.data[APPLIED] = update_id
    key = dialog_key(dialog.chat_id, dialog.user_id)
    values = {"flow": dialog.flow, "state": dialog.state, "data": dialog.data, "updated_at": now}
    if await Dialog.filter(key=key).update(**values):
        return
    try:
        await Dialog.create(key=key, chat_id=dialog.chat_id, user_id=dialog.user_id, **values)
    except IntegrityError:  # the same person's other update created it a moment ago
        await Dialog.filter(key=key).update(**values)


async def clear_dialog(chat_id: int, user_id: int) -> None:
    await Dialog.filter(key=dialog_key(chat_id, user_id)).delete()
