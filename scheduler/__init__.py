"""APScheduler jobs that keep every promise. The database holds the due times; the scheduler only ticks."""

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from backend.context import AppContext

from .jobs import purge_expired_personal_data, send_monthly_report, send_satisfaction_survey
from .sweeps import SweepReport, sweep_all

DAY = 24 * 3600


def build_scheduler(ctx: AppContext) -> AsyncIOScheduler:
    """The scheduler runs in the caller's event loop.

    Cron jobs missed while the service was down run once when it is back (coalesce + a day of grace),
    not zero times and not once per missed tick.
    """
    scheduler = AsyncIOScheduler(timezone=ctx.settings.timezone)
    scheduler.add_job(
        sweep_all,
        "interval",
        args=[ctx],
        id="sweep",
        seconds=ctx.settings.sweep_interval.total_seconds(),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        purge_expired_personal_data,
        "cron",
        args=[ctx],
        id="retention",
        hour=3,
        minute=17,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=DAY,
    )
    scheduler.add_job(
        send_monthly_report,
        "cron",
        args=[ctx],
        id="monthly_report",
        day=1,
        hour=8,
        minute=0,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=7 * DAY,
    )
    scheduler.add_job(
        send_satisfaction_survey,
        "cron",
        args=[ctx],
        id="satisfaction_survey",
        month=",".join(str(m) for m in ctx.settings.policy.survey_months),
        day=1,
        hour=10,
        minute=0,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=7 * DAY,
    )
    return scheduler


__all__ = [
    "SweepReport",
    "build_scheduler",
    "purge_expired_personal_data",
    "send_monthly_report",
    "send_satisfaction_survey",
    "sweep_all",
]
