"""The scheduler's jobs: what runs when, and that missed runs are caught up once (not zero times, not many)."""

from datetime import UTC, datetime

from backend.context import AppContext
from scheduler import build_scheduler
from tests.conftest import FakeTriage


def test_jobs_and_their_catch_up_rules(settings, clock):
    scheduler = build_scheduler(AppContext.build(settings, clock, classify=lambda t: FakeTriage()))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"sweep", "retention", "monthly_report", "satisfaction_survey"}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1  # a backlog of missed runs becomes one run
    assert (
        jobs["sweep"].misfire_grace_time is None
    )  # sweeps always run; the database holds what is due
    assert jobs["retention"].misfire_grace_time >= 24 * 3600
    assert jobs["monthly_report"].misfire_grace_time >= 24 * 3600
    # The monthly report runs at 08:00 local time on the 1st; the survey only in January and July.
    after = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert (
        jobs["monthly_report"].trigger.get_next_fire_time(None, after).isoformat()
        == "2026-12-01T08:00:00+08:00"
    )
    assert (
        jobs["satisfaction_survey"].trigger.get_next_fire_time(None, after).isoformat()
        == "2027-01-01T10:00:00+08:00"
    )
