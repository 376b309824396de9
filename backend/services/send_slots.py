"""The shared ledger of send slots (table `send_slot`): instances on one PostgreSQL keep Telegram's sending
limits together (bot.budget says what the limits are and why a slot counts as it does).

A slot is a row: taken before a call to Telegram, given back (`done_at`) when the call returns. It counts
while its call is in flight and for a window after it returned.
"""

from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from ..models import SendSlot

# Instances on different hosts see slightly different clocks: windows a little longer than Telegram's.
JITTER = timedelta(milliseconds=100)
SECOND = timedelta(seconds=1) + JITTER
MINUTE = timedelta(minutes=1) + JITTER
# A slot never given back (the process died mid-call) stops counting after this.
IN_FLIGHT = timedelta(seconds=30)
# pg_advisory_xact_lock key of the ledger: "qc-send" read as a number, constant across instances.
LEDGER_LOCK = int.from_bytes(b"qc-send", "big")


def _counted(now: datetime, window: timedelta) -> Q:
    return Q(done_at__isnull=True, taken_at__gt=now - IN_FLIGHT) | Q(done_at__gt=now - window)


async def take(
    chat_id: int, now: datetime, *, per_second: int, chat_per_minute: int | None
) -> int | None:
    """The id of a new slot for one message to `chat_id`, or None when `per_second` slots count in the last
    second overall, or `chat_per_minute` (None: no limit of its own) in the last minute for this chat.

    On PostgreSQL one advisory lock makes count-and-take atomic across instances (held for a few
    milliseconds, at most ~30 times a second).
    """
    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [LEDGER_LOCK])
        slots = SendSlot.filter().using_db(conn)
        if await slots.filter(_counted(now, SECOND)).count() >= per_second:
            return None
        if chat_per_minute is not None and (
            await slots.filter(_counted(now, MINUTE), chat_id=chat_id).count() >= chat_per_minute
        ):
            return None
        return (await SendSlot.create(chat_id=chat_id, taken_at=now, using_db=conn)).id


async def give_back(slot_id: int, now: datetime) -> None:
    """The call of the slot returned (sent or not) at `now`."""
    await SendSlot.filter(id=slot_id).update(done_at=now)


async def prune(now: datetime) -> None:
    """Forget slots too old to count in any window."""
    await SendSlot.filter(taken_at__lt=now - 2 * MINUTE).delete()
