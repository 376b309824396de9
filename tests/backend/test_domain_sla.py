"""Time limits of docs/domain.md#time-limits: clocks per severity, running day and night; the hard limit counts working days."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.domain import (
    Severity,
    add_working_days,
    due_times,
    followup_due,
    is_business_time,
    load_policy,
)
from backend.domain.policy import BusinessHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = load_policy()
RECEIVED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

H = timedelta(hours=1)
CLOCKS = [
    # severity            assign                 first feedback  resolved
    (Severity.GENERAL, timedelta(minutes=10), 24 * H, 24 * H),
    (Severity.IMPORTANT, timedelta(minutes=10), 12 * H, 72 * H),
    (Severity.MAJOR, timedelta(minutes=10), 1 * H, 12 * H),
]


@pytest.mark.parametrize(("severity", "assign", "feedback", "resolve"), CLOCKS)
def test_default_clocks_follow_the_domain_table(severity, assign, feedback, resolve):
    due = due_times(RECEIVED, severity, POLICY, SHANGHAI)
    assert due.assign - RECEIVED == assign
    assert due.first_feedback - RECEIVED == feedback
    assert due.resolve - RECEIVED == resolve


def test_clocks_run_at_night_too():
    at_night = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert due_times(at_night, Severity.MAJOR, POLICY, SHANGHAI).first_feedback == at_night + H


@pytest.mark.parametrize(
    ("severity", "after"),
    [
        (Severity.GENERAL, 4 * H),
        (Severity.IMPORTANT, 4 * H),
        (Severity.MAJOR, 24 * H),
    ],
)
def test_followup_survey_time(severity, after):
    resolved = RECEIVED + 5 * H
    assert followup_due(resolved, severity, POLICY) == resolved + after


def test_hard_limit_is_ten_working_days_at_close_of_business():
    due = due_times(RECEIVED, Severity.GENERAL, POLICY, SHANGHAI)
    assert due.hard_limit.astimezone(SHANGHAI) == datetime(2026, 12, 3, 18, 0, tzinfo=SHANGHAI)


def test_working_days_skip_weekends_and_holidays_but_count_make_up_days():
    hours = BusinessHours(
        days=frozenset(range(5)),
        holidays=frozenset({date(2026, 11, 24)}),
        extra_working_days=frozenset({date(2026, 11, 29)}),  # a Sunday worked in exchange
    )
    start = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # Monday
    # Tue is a holiday: Wed, Thu, Fri, Sun(make-up), Mon → 5 working days end on Monday 30th.
    assert add_working_days(start, 5, hours, SHANGHAI).date() == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("local_time", "inside"),
    [
        ("08:29", False),
        ("08:30", True),
        ("12:00", True),
        ("17:59", True),
        ("18:00", False),
        ("23:30", False),
    ],
)
def test_business_hours(local_time, inside):
    hour, minute = map(int, local_time.split(":"))
    moment = datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)
    assert is_business_time(moment, POLICY.business_hours, SHANGHAI) is inside


def test_holiday_is_outside_business_hours():
    hours = BusinessHours(holidays=frozenset({date(2026, 10, 1)}))
    assert not is_business_time(datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI), hours, SHANGHAI)
