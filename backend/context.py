"""What every front end (API, bot, scheduler) needs: settings, the clock and the case service."""

from dataclasses import dataclass

from .clock import Clock, SystemClock
from .config import Settings
from .services.cases import CaseService, Classifier


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    cases: CaseService

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None, classify: Classifier | None = None) -> "AppContext":
        clock = clock or SystemClock()
        return cls(settings=settings, clock=clock, cases=CaseService(settings, clock, classify))
