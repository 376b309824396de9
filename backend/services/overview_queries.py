"""Counts the dashboard's overview charts draw, each one grouped query.

`estate_ids`: only the cases of those estates (the viewer's, `Viewer.estates`); None: every estate.
"""

from collections.abc import Sequence
from datetime import datetime

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from ..models import Case
from .queries import OPEN_STATUSES, period_index


def _within(query: QuerySet[Case], estate_ids: frozenset[int] | None) -> QuerySet[Case]:
    return query if estate_ids is None else query.filter(estate_id__in=sorted(estate_ids))


async def new_cases_by_period_and_category(
    bounds: Sequence[datetime], estate_ids: frozenset[int] | None = None
) -> dict[tuple[int, str], int]:
    """How many cases were received in each period [bounds[i], bounds[i + 1]) per category, keyed by
    (i, category); combinations without a case are left out."""
    rows = await (
        _within(Case.filter(received_at__gte=bounds[0], received_at__lt=bounds[-1]), estate_ids)
        .annotate(day=period_index(bounds), n=Count("id"))
        .group_by("day", "category")
        .values("day", "category", "n")
    )
    return {(int(row["day"]), row["category"]): row["n"] for row in rows}


async def open_cases_by_department(
    estate_ids: frozenset[int] | None = None,
) -> list[tuple[int | None, int]]:
    """(department id, open cases) of every department with open cases; None for those without one."""
    rows = await (
        _within(Case.filter(status__in=OPEN_STATUSES), estate_ids)
        .annotate(n=Count("id"))
        .group_by("department_id")
        .values("department_id", "n")
    )
    return [(row["department_id"], row["n"]) for row in rows]
