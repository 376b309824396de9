"""A private chat sending faster than the flood limit is slowed down, never silenced.

Domain rule: nothing a tenant sends is silently dropped. Over the limit an update is kept in the inbox
(its payload) and handled once the minute has passed (`held_until`); the tenant is told once. Text that
triage reads as a possible emergency is never held back.
"""

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import Application

from backend.context import AppContext
from backend.models import InboxUpdate
from backend.services import inbox
from backend.services.dialogs import dialog_key
from backend.services.update_reads import RecentUpdate, UpdateReads
from backend.services.update_reads import read_update as read_rows

from .turn import recorded_with

log = logging.getLogger(__name__)
FLOOD_WINDOW = timedelta(minutes=1)
HOLD_FACTOR = (
    5  # at most this many times the limit is kept per minute; beyond that a chat is abusive
)


@dataclass(frozen=True)
class ChatLoad:
    recent: int  # updates of the chat within the window, up to and including this one
    held_before: tuple[int, ...]  # earlier updates of the chat still held, oldest first
    recorded: bool  # this update is in the inbox already (a polled one: a redelivery)


async def read_update(
    chat_id: int, user_id: int | None, update_id: int, now: datetime
) -> tuple[ChatLoad, UpdateReads]:
    """The chat's load and, in the same statement, what the update's handler reads first: the person and
    their dialog (backend.services.update_reads; bot.turn.UpdateWork keeps them for the handler)."""
    reads = await read_rows(
        chat_id,
        user_id,
        dialog_key(chat_id, user_id) if user_id is not None else "",
        update_id,
        now - 2 * FLOOD_WINDOW,
    )
    return load_of(reads.recent, update_id, now), reads


def load_of(rows: list[RecentUpdate], update_id: int, now: datetime) -> ChatLoad:
    """The chat's load from its updates received within two windows (and the update's own row whenever it
    is recorded). In webhook mode later updates may already be recorded: they do not count against an
    earlier one. A held update is released within a minute, so two windows back find all of them. A
    polled update is recorded with its first write (bot.turn.UpdateWork): not yet in the inbox, it counts
    as received now."""
    recorded = any(uid == update_id for uid, _, _, _ in rows)
    recent = sum(1 for _, received, _, _ in rows if received > now - FLOOD_WINDOW)
    held = tuple(
        uid
        for uid, _, held_until, done in rows
        if held_until is not None and done is None and uid < update_id
    )
    return ChatLoad(recent if recorded else recent + 1, held, recorded)


def may_be_emergency(ctx: AppContext, update: Update) -> bool:
    """Text that triage calls an emergency, or asks the safety question about, is handled at once."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    if not text.strip():
        return False
    try:
        triage = ctx.cases.classify(text)
    except Exception:  # triage is advice: without it, the update waits like any other
        log.exception("triage failed while checking a held update")
        return False
    return bool(getattr(triage, "emergency", False) or getattr(triage, "safety_check", ""))


async def hold(row: InboxUpdate | None, update: Update, now: datetime) -> datetime:
    """Keep the update to be handled after the window (the inbox loop takes it then); returns until when.
    `row`: the update's inbox row, None for a polled update not yet recorded (it is recorded held)."""
    until = now + FLOOD_WINDOW
    if row is not None:
        row.held_until = until
        row.payload = row.payload or update.to_dict()
        await inbox.hold(row.update_id, until, row.payload)
        return until

    async def record_held(seen: inbox.SeenUpdate | None) -> None:
        if seen is None:  # recorded already (not expected before the flood check; still correct)
            await inbox.hold(update.update_id, until, update.to_dict())
            return
        await inbox.record(replace(seen, held_until=until, payload=update.to_dict()))

    await recorded_with(record_held)
    return until


async def release(ctx: AppContext, application: Application, update_ids: tuple[int, ...]) -> None:
    """Handle held updates now, in order (an update that is handled now must not overtake them)."""
    from .webhook import (
        take_update,  # the inbox handles an update exactly as it does after the minute
    )

    for update_id in update_ids:
        row = await inbox.unprocessed(update_id)
        if row is not None and row.payload is not None:
            await take_update(ctx, application, row)
