"""What every front end (API, bot, scheduler) needs: settings, the clock and the case service."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from .clock import Clock, SystemClock
from .config import Settings
from .services.cases import CaseService, Classifier


class DeliveryRound(Protocol):
    """What one round of sending the outbox reports (bot.delivery.DeliveryReport)."""

    @property
    def over_budget(self) -> bool: ...


Deliver = Callable[[], Awaitable[DeliveryRound]]


async def _no_sender() -> DeliveryRound:
    raise RuntimeError("no bot runs in this process: the outbox is sent where one does")


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    cases: CaseService
    # Set by the webhook route when it recorded an update, so this process's bot part handles it at once.
    updates_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    # Sends what waits in the outbox now: set by the bot application (bot.app.build_application), so a
    # handler that changed a case has its messages sent before it returns.
    deliver: Deliver = _no_sender

    @classmethod
    def build(
        cls, settings: Settings, clock: Clock | None = None, classify: Classifier | None = None
    ) -> "AppContext":
        clock = clock or SystemClock()
        return cls(settings=settings, clock=clock, cases=CaseService(settings, clock, classify))
