"""What every front end (API, bot, scheduler) needs: settings, the clock and the case service."""

import asyncio
from dataclasses import dataclass, field

from .clock import Clock, SystemClock
from .config import Settings
from .services.cases import CaseService, Classifier


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    cases: CaseService
    # Set by the webhook route when it recorded an update, so this process's bot part handles it at once.
    updates_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(
        cls, settings: Settings, clock: Clock | None = None, classify: Classifier | None = None
    ) -> "AppContext":
        clock = clock or SystemClock()
        return cls(settings=settings, clock=clock, cases=CaseService(settings, clock, classify))
