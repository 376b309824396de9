"""Counts the dashboard's overview charts draw, each one grouped query."""

from collections.abc import Sequence
from datetime import datetime

from tortoise.functions import Count

from ..models import Case
from .queries import OPEN_STATUSES, period_index


async def new_cases_by_period_and_category(
    bounds: Sequence[datetime],
) -> dict[tuple[int, str], int]:
    """How many cases were received in each period [bounds[i], bounds[i + 1]) per category, keyed by
    (i, category); combinations without a case are left out."""
    rows = await (
        Case.filter(received_at__gte=bounds[0], received_at__lt=bounds[-1])
        .annotate(day=period_index(bounds), n=Count("id"))
        .group_by("day", "category")
        .values("day", "category", "n")
    )
    return {(int(row["day"]), row["category"]): row["n"] for row in rows}


async def open_cases_by_department() -> list[tuple[int | None, int]]:
    """(department id, open cases) of every department with open cases; None for those without one."""
    rows = await (
        Case.filter(status__in=OPEN_STATUSES)
        .annotate(n=Count("id"))
        .group_by("department_id")
        .values("department_id", "n")
    )
    return [(row["department_id"], row["n"]) for row in rows]
