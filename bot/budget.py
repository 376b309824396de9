"""Telegram's sending limits as a budget: about 30 messages a second overall and 20 a minute into one
group. Messages over budget wait in the outbox for a later round instead of being refused by Telegram.

A send takes a slot before the call and gives it back when the call returns. A slot counts while its call
is in flight and for a window after it returned, so however long a call waited between taking its slot and
reaching Telegram (a busy event loop, a slow network), Telegram never sees more than the limit in one
window: every call it received in the last second is either still in flight here or returned less than a
window ago.

Two ledgers behind one interface: `SendBudget` counts in memory (the embedded SQLite set-up is one
process), `SharedSendBudget` counts in the database, so that several instances on one PostgreSQL keep
the limits together.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from backend.config import Settings
from backend.services import send_slots
from backend.services.send_slots import (  # a slot counts alike in memory and in the shared ledger
    IN_FLIGHT,
    MINUTE,
    SECOND,
)

GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20


class Budget(Protocol):
    async def take(self, chat_id: int, now: datetime) -> object | None:
        """A slot for one message to `chat_id`, or None when the limits are reached."""

    async def give_back(self, slot: object, now: datetime) -> None:
        """The call of `slot` returned (sent or not) at `now`."""

    async def prune(self, now: datetime) -> None:
        """Forget sends too old to matter."""


def is_group(chat_id: int) -> bool:
    return chat_id < 0  # groups and channels have negative ids


@dataclass
class _Slot:
    chat_id: int
    taken_at: datetime
    done_at: datetime | None = None

    def counts(self, now: datetime, window: timedelta) -> bool:
        if self.done_at is None:
            return self.taken_at > now - IN_FLIGHT
        return self.done_at > now - window


@dataclass
class SendBudget:
    global_limit: int = GLOBAL_PER_SECOND
    group_limit: int = GROUP_PER_MINUTE
    _slots: list[_Slot] = field(default_factory=list)

    async def take(self, chat_id: int, now: datetime) -> _Slot | None:
        await self.prune(now)
        if sum(s.counts(now, SECOND) for s in self._slots) >= self.global_limit:
            return None
        if is_group(chat_id) and (
            sum(s.counts(now, MINUTE) for s in self._slots if s.chat_id == chat_id)
            >= self.group_limit
        ):
            return None
        slot = _Slot(chat_id, now)
        self._slots.append(slot)
        return slot

    async def give_back(self, slot: object, now: datetime) -> None:
        if isinstance(slot, _Slot):
            slot.done_at = now

    async def prune(self, now: datetime) -> None:
        self._slots = [s for s in self._slots if s.counts(now, MINUTE)]


@dataclass
class SharedSendBudget:
    """The ledger is the `send_slot` table (backend.services.send_slots), locked on PostgreSQL so that
    count-and-take is atomic across instances."""

    global_limit: int = GLOBAL_PER_SECOND
    group_limit: int = GROUP_PER_MINUTE

    async def take(self, chat_id: int, now: datetime) -> int | None:
        return await send_slots.take(
            chat_id,
            now,
            per_second=self.global_limit,
            chat_per_minute=self.group_limit if is_group(chat_id) else None,
        )

    async def give_back(self, slot: object, now: datetime) -> None:
        if isinstance(slot, int):
            await send_slots.give_back(slot, now)

    async def prune(self, now: datetime) -> None:
        await send_slots.prune(now)


def budget_for(settings: Settings) -> Budget:
    """In memory for the one-process SQLite set-up; in the database when instances share PostgreSQL."""
    return SendBudget() if settings.is_sqlite else SharedSendBudget()
