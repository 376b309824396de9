"""Unfinished chat dialogs that were left idle: the person is told, then the draft is put aside."""

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from ..models import Complainant, Dialog
from .outbox import OutboxKind, enqueue

BATCH = 200


async def expire_idle_dialogs(
    now: datetime, idle: timedelta, default_locale: str, *, batch: int = BATCH
) -> int:
    """Tell each person whose intake has been idle longer than `idle`, and remove the draft.

    The delete is conditional on the row being unchanged, so a message that arrives meanwhile wins and the
    dialog carries on.
    """
    stale = await Dialog.filter(updated_at__lt=now - idle).order_by("updated_at").limit(batch)
    expired = 0
    for dialog in stale:
        async with in_transaction() as conn:
            removed = (
                await Dialog.filter(key=dialog.key, updated_at=dialog.updated_at)
                .using_db(conn)
                .delete()
            )
            if not removed or dialog.flow != "intake" or dialog.chat_id < 0:
                continue
            person = await Complainant.get_or_none(telegram_id=dialog.user_id).using_db(conn)
            locale = dialog.data.get("locale") or (person.locale if person else default_locale)
            await enqueue(
                conn,
                chat_id=dialog.chat_id,
                kind=OutboxKind.DIALOG_EXPIRED,
                now=now,
                payload={"locale": locale},
                dedupe_key=f"dialog-expired:{dialog.key}:{dialog.updated_at.timestamp()}",
            )
            expired += 1
    return expired
