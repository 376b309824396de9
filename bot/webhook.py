"""Webhook mode: updates are recorded durably (the inbox) before Telegram gets its 200, then any instance
processes them, one chat's updates in update_id order.

The webhook route only records; processing is the bot part's job, so several instances behind a load
balancer can share the work through the database. In polling mode the same loop handles the updates the
flood guard held (bot.flood) once their minute has passed.
"""

import asyncio
import contextvars
import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import Application

from backend.context import AppContext
from backend.models import InboxUpdate
from backend.services import inbox

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=15)  # kept alive while processing: only a crash lets it run out
BATCH = 50
PARALLEL_CHATS = 4  # chats handled at once by one instance (a PostgreSQL pool has 5 connections)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

# The inbox row of the update being processed: it is already recorded, so it is not a redelivery; the flood
# guard may hold it again (bot.flood).
INBOX_ROW: contextvars.ContextVar[InboxUpdate | None] = contextvars.ContextVar(
    "inbox_row", default=None
)


async def process_inbox(
    ctx: AppContext, application: Application, *, batch: int = BATCH, parallel: int = PARALLEL_CHATS
) -> int:
    """Process recorded updates oldest first until none is left that this instance may take.

    Several chats are handled at once (up to `parallel`), each chat one update at a time in `update_id`
    order; a chat whose earlier update another instance has in hand waits.
    """
    total = 0
    while done := await _round(ctx, application, batch, asyncio.Semaphore(parallel)):
        total += done
    return total


async def _round(
    ctx: AppContext, application: Application, batch: int, slots: asyncio.Semaphore
) -> int:
    """The oldest waiting update of each chat among the next `batch`, handled concurrently."""
    now = ctx.clock.now()
    pending = await inbox.waiting(now, batch)
    firsts: dict[object, InboxUpdate] = {}
    for row in pending:
        firsts.setdefault(
            row.chat_id if row.chat_id is not None else ("update", row.update_id), row
        )
    results = await asyncio.gather(
        *(take_update(ctx, application, row, slots) for row in firsts.values())
    )
    return sum(results)


async def take_update(
    ctx: AppContext,
    application: Application,
    row: InboxUpdate,
    slots: asyncio.Semaphore | None = None,
) -> int:
    """Claim a recorded update, process it and mark it done (1), or leave it to whoever has it (0)."""
    async with slots or asyncio.Semaphore(1):
        now = ctx.clock.now()
        if not await inbox.claim(row.update_id, now, now + LEASE):
            # another instance has it in hand (or just finished it)
            return 0
        token = INBOX_ROW.set(row)
        held_before = row.held_until
        keep = asyncio.create_task(_keep_claim(ctx, row.update_id))
        try:
            if row.payload is None:  # only an id was recorded: there is nothing to process
                raise ValueError("the update was recorded without its payload")
            await application.process_update(Update.de_json(row.payload, application.bot))
        except Exception:  # process_update reports handler errors itself; this is a broken payload
            log.exception("update %s could not be processed", row.update_id)
        finally:
            keep.cancel()
            INBOX_ROW.reset(token)
        # Held by the flood guard: handled once its minute has passed.
        if row.held_until != held_before:
            await inbox.release_claim(row.update_id)
            return 1
        await inbox.mark_processed(row.update_id, ctx.clock.now())
        return 1


async def _keep_claim(ctx: AppContext, update_id: int) -> None:
    """Extend the claim while a slow update is in hand (e.g. waiting for a send slot), so that no other
    instance takes it for abandoned; a crashed instance stops extending and its claim runs out in LEASE."""
    while True:
        await asyncio.sleep(LEASE.total_seconds() / 3)
        try:
            await inbox.extend_claim(update_id, ctx.clock.now() + LEASE)
        except Exception:
            log.exception("could not extend the claim on update %s", update_id)


async def inbox_loop(
    ctx: AppContext, application: Application, wake: asyncio.Event, interval: float = 1.0
) -> None:
    """Process as soon as the webhook route records something (same process), else every `interval`."""
    while True:
        try:
            await process_inbox(ctx, application)
        except Exception:
            log.exception("inbox round failed")
        try:
            await asyncio.wait_for(wake.wait(), interval)
        except TimeoutError:
            pass
        wake.clear()
