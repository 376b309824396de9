"""APScheduler jobs that keep every promise. The database holds the due times; the scheduler only ticks."""

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from backend.context import AppContext

from .sweeps import SweepReport, sweep_all


def build_scheduler(ctx: AppContext) -> AsyncIOScheduler:
    """The scheduler runs in the caller's event loop."""
    scheduler = AsyncIOScheduler(timezone=ctx.settings.timezone)
    scheduler.add_job(
        sweep_all, "interval", args=[ctx], id="sweep",
        seconds=ctx.settings.sweep_interval.total_seconds(), max_instances=1, coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler


__all__ = ["SweepReport", "build_scheduler", "sweep_all"]
