"""Who the generated tenants are and when they write: content shared by the bench scripts' generators."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.domain import Kind

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "芳伟娜敏静磊洋艳勇军杰娟涛明超霞"
# Share of each category in a year of complaints (facility most, then environment, ...).
CATEGORY_WEIGHTS = {
    "facility": 34,
    "environment": 15,
    "noise": 11,
    "parking": 9,
    "billing": 8,
    "security": 6,
    "service": 6,
    "neighbor": 4,
    "utilities": 4,
    "other": 3,
}
KIND_OF = {"facility": Kind.REPAIR, "utilities": Kind.REPAIR, "other": Kind.INQUIRY}
# Complaints per local hour of the day: quiet at night, busiest mid-morning.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 11, 12, 12, 11, 10, 10, 10, 9, 7, 4, 2)


def person_name(i: int) -> str:
    """The i-th of 320 distinct Chinese names (surname, given name)."""
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]


def received_times(rng: random.Random, count: int, now: datetime, tz: Any) -> list[datetime]:
    """Spread over the 12 months before `now`, slowly growing, busier in the daytime (local time)."""
    days = rng.choices(range(365), weights=[1.25 - d / 730 for d in range(365)], k=count)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    local_now = now.astimezone(tz)
    times = []
    for day, hour in zip(days, hours, strict=True):
        local_day = (local_now - timedelta(days=day)).date()
        moment = datetime(local_day.year, local_day.month, local_day.day, hour, tzinfo=tz)
        moment = (moment + timedelta(seconds=rng.randrange(3600))).astimezone(UTC)
        times.append(moment if moment < now else now - timedelta(seconds=rng.randrange(60, 86_400)))
    return times
