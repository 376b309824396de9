"""Telegram's sending limits as a budget: about 30 messages a second overall and 20 a minute into one
group. Messages over budget wait in the outbox for a later round instead of being refused by Telegram.

Two ledgers behind one interface: `SendBudget` counts in memory (the embedded SQLite set-up is one
process), `SharedSendBudget` counts in the database, so that several instances on one PostgreSQL keep
the limits together.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from tortoise.transactions import in_transaction

from backend.config import Settings
from backend.models import SendSlot

GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
# A slot is taken a moment before Telegram receives the call, and that moment varies: windows a little
# longer than Telegram's keep any second (minute) as Telegram counts it within the limit.
JITTER = timedelta(milliseconds=100)
SECOND = timedelta(seconds=1) + JITTER
MINUTE = timedelta(minutes=1) + JITTER
# pg_advisory_xact_lock key of the ledger: "qc-send" read as a number, constant across instances.
LEDGER_LOCK = int.from_bytes(b"qc-send", "big")


class Budget(Protocol):
    async def allow(self, chat_id: int, now: datetime) -> bool:
        """True, and counted, when a message to `chat_id` may go now."""

    async def prune(self, now: datetime) -> None:
        """Forget sends too old to matter."""


def is_group(chat_id: int) -> bool:
    return chat_id < 0  # groups and channels have negative ids


@dataclass
class SendBudget:
    global_limit: int = GLOBAL_PER_SECOND
    group_limit: int = GROUP_PER_MINUTE
    _all: deque[datetime] = field(default_factory=deque)
    _groups: dict[int, deque[datetime]] = field(default_factory=dict)

    async def allow(self, chat_id: int, now: datetime) -> bool:
        _trim(self._all, now - SECOND)
        if len(self._all) >= self.global_limit:
            return False
        if is_group(chat_id):
            window = self._groups.setdefault(chat_id, deque())
            _trim(window, now - MINUTE)
            if len(window) >= self.group_limit:
                return False
            window.append(now)
        self._all.append(now)
        return True

    async def prune(self, now: datetime) -> None:
        for chat_id, window in list(self._groups.items()):
            _trim(window, now - MINUTE)
            if not window:
                del self._groups[chat_id]


@dataclass
class SharedSendBudget:
    """The ledger is the `send_slot` table; on PostgreSQL one advisory lock makes count-and-take atomic
    across instances (held for a few milliseconds, at most ~30 times a second)."""

    global_limit: int = GLOBAL_PER_SECOND
    group_limit: int = GROUP_PER_MINUTE

    async def allow(self, chat_id: int, now: datetime) -> bool:
        async with in_transaction() as conn:
            if conn.capabilities.dialect == "postgres":
                await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [LEDGER_LOCK])
            slots = SendSlot.filter().using_db(conn)
            if await slots.filter(taken_at__gt=now - SECOND).count() >= self.global_limit:
                return False
            if is_group(chat_id) and (
                await slots.filter(chat_id=chat_id, taken_at__gt=now - MINUTE).count() >= self.group_limit
            ):
                return False
            await SendSlot.create(chat_id=chat_id, taken_at=now, using_db=conn)
            return True

    async def prune(self, now: datetime) -> None:
        await SendSlot.filter(taken_at__lt=now - 2 * MINUTE).delete()


def budget_for(settings: Settings) -> Budget:
    """In memory for the one-process SQLite set-up; in the database when instances share PostgreSQL."""
    return SendBudget() if settings.is_sqlite else SharedSendBudget()


def _trim(window: deque[datetime], before: datetime) -> None:
    while window and window[0] <= before:
        window.popleft()
