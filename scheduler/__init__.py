"""APScheduler jobs that keep every promise: sweeps of due clocks (more jobs arrive with issue #6)."""

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from backend.context import AppContext

from .sweeps import sweep_missed_clocks


def build_scheduler(ctx: AppContext) -> AsyncIOScheduler:
    """The scheduler runs in the caller's event loop; the database, not the scheduler, holds due times."""
    scheduler = AsyncIOScheduler(timezone=ctx.settings.timezone)
    scheduler.add_job(
        sweep_missed_clocks, "interval", args=[ctx], id="sweep_missed_clocks",
        seconds=ctx.settings.sweep_interval.total_seconds(), max_instances=1, coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler


__all__ = ["build_scheduler", "sweep_missed_clocks"]
