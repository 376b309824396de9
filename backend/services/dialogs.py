"""The rows of the bot's guided dialogs: saved and ended for the bot (whose typed DialogState is in
bot/dialogs.py), and, when left idle, the person told and the draft put aside."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..models import Complainant, Dialog
from . import inbox
from .outbox import OutboxKind, enqueue

BATCH = 200


class Flow(StrEnum):
    """Which guided dialog a stored `Dialog` row belongs to (the row's `flow` column)."""

    INTAKE = "intake"  # a tenant filing a case (bot/tenant/intake.py)
    SURVEY = "survey"  # a tenant's comment after the follow-up survey (bot/tenant/survey.py)
    STAFF_INPUT = "staff_input"  # a staff member's reply to a card's prompt (bot/staff/actions.py)
    DESK_INTAKE = "desk_intake"  # staff filing for a caller with /new (bot/staff/new_case.py)


def dialog_key(chat_id: int, user_id: int) -> str:
    """One dialog per person per chat: in a group each staff member has their own."""
    return f"{chat_id}:{user_id}"


async def store_dialog(
    chat_id: int,
    user_id: int,
    flow: Flow,
    state: str,
    data: dict[str, Any],
    now: datetime,
    *,
    seen: inbox.SeenUpdate | None = None,
) -> None:
    """Save a dialog's step and stored payload: one UPDATE in the usual case (the dialog exists), an
    INSERT the first time. With `seen`, the update being handled is recorded in the same transaction
    (one commit for both); inbox.AlreadyRecorded, and nothing saved, when it was recorded before."""
    key = dialog_key(chat_id, user_id)
    values: dict[str, Any] = {"flow": flow.value, "state": state, "data": data, "updated_at": now}
    if seen is None:
        if await Dialog.filter(key=key).update(**values):
            return
        try:
            await Dialog.create(key=key, chat_id=chat_id, user_id=user_id, **values)
        except IntegrityError:  # the same person's other update created it a moment ago
            await Dialog.filter(key=key).update(**values)
        return
    try:
        async with in_transaction() as conn:
            await inbox.record(seen, conn)
            if not await Dialog.filter(key=key).using_db(conn).update(**values):
                await Dialog.create(
                    key=key, chat_id=chat_id, user_id=user_id, **values, using_db=conn
                )
    except IntegrityError:  # the same person's other update created the dialog a moment ago
        async with in_transaction() as conn:
            await inbox.record(seen, conn)
            await Dialog.filter(key=key).using_db(conn).update(**values)


async def remove_dialog(
    chat_id: int, user_id: int, *, seen: inbox.SeenUpdate | None = None
) -> None:
    """End the person's dialog in this chat (nothing to do when there is none). With `seen`, as in
    `store_dialog`: the update is recorded in the same transaction."""
    key = dialog_key(chat_id, user_id)
    if seen is None:
        await Dialog.filter(key=key).delete()
        return
    async with in_transaction() as conn:
        await inbox.record(seen, conn)
        await Dialog.filter(key=key).using_db(conn).delete()


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
            if not removed or dialog.flow != Flow.INTAKE or dialog.chat_id < 0:
                continue
            person = await Complainant.get_or_none(telegram_id=dialog.user_id, using_db=conn)
            locale = _draft_locale(dialog.data) or (person.locale if person else default_locale)
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


def _draft_locale(data: object) -> str:
    """The language an intake draft was started in (its stored "locale", see bot/tenant/draft.py); ""
    when the row does not say."""
    locale = data.get("locale") if isinstance(data, dict) else None
    return locale if isinstance(locale, str) else ""
