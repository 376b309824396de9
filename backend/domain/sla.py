"""Due times from severity, policy and business hours (docs/domain.md#time-limits).

All datetimes here are timezone-aware. The SLA clocks run day and night ("tenants do not stop waiting at
night"); only the hard limit counts working days, and business hours decide who is on duty.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from .enums import Severity
from .policy import BusinessHours, Policy


@dataclass(frozen=True)
class DueTimes:
    assign: datetime
    first_feedback: datetime
    resolve: datetime
    hard_limit: datetime

    def tightened(self, other: "DueTimes") -> "DueTimes":
        """The earlier of each clock: raising severity may shorten a promise, never lengthen it."""
        return DueTimes(
            assign=min(self.assign, other.assign),
            first_feedback=min(self.first_feedback, other.first_feedback),
            resolve=min(self.resolve, other.resolve),
            hard_limit=min(self.hard_limit, other.hard_limit),
        )


def due_times(received_at: datetime, severity: Severity, policy: Policy, tz: tzinfo) -> DueTimes:
    clocks = policy.sla[severity]
    return DueTimes(
        assign=received_at + clocks.assign,
        first_feedback=received_at + clocks.first_feedback,
        resolve=received_at + clocks.resolve,
        hard_limit=add_working_days(
            received_at, policy.hard_limit_working_days, policy.business_hours, tz
        ),
    )


def followup_due(resolved_at: datetime, severity: Severity, policy: Policy) -> datetime:
    return resolved_at + policy.sla[severity].followup_after


def add_working_days(start: datetime, days: int, hours: BusinessHours, tz: tzinfo) -> datetime:
    """`days` working days after `start`, at the end of business on the last one (local time)."""
    local = start.astimezone(tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if hours.is_working_day(day):
            counted += 1
    return datetime.combine(day, hours.end, tzinfo=tz).astimezone(start.tzinfo)


def is_business_time(moment: datetime, hours: BusinessHours, tz: tzinfo) -> bool:
    """Inside business hours on a working day, in local time."""
    local = moment.astimezone(tz)
    return hours.is_working_day(local.date()) and hours.start <= local.time() < hours.end
