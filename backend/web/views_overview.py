"""The landing page: today's picture in tiles and four charts, counted by backend.services.queries.

Tiles for the month come from `queries.statistics()` for the first of the month to today (local
days), exactly what `GET /api/v1/stats?from=…&to=…` answers for the same period.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from ..config import Settings
from ..domain import Severity
from ..services.overview_queries import (
    new_cases_by_period_and_category,
    open_cases_by_department,
)
from ..services.queries import (
    OPEN_STATUSES,
    CaseFilter,
    count_cases,
    local_day_bounds,
    service_levels,
    statistics,
)
from ..services.staff_queries import department_names
from .charts import Chart, Series, bar_chart
from .format import NO_VALUE, Formatter
from .render import formatter, render
from .state import ctx_of, viewer_of

DAYS = 30
WEEKS = 8


@dataclass(frozen=True)
class Tile:
    """One figure of the overview: a short value (one line), its label, a link to the cases behind it."""

    label: str
    value: str
    link: str = ""
    note: str = ""


@dataclass(frozen=True)
class Figures:
    today: date
    month_first: date
    open: int
    unclaimed: int
    overdue: int
    major_open: int
    new_today: int
    month: dict[str, Any]  # statistics() for month_first … today


async def overview_figures(
    settings: Settings, now: datetime, estate_ids: frozenset[int] | None = None
) -> Figures:
    """`estate_ids`: the viewer's estates (None: every estate)."""
    tz = settings.timezone
    today = now.astimezone(tz).date()
    month_first = today.replace(day=1)
    day_start, day_end = local_day_bounds(today, today, tz)

    async def count(criteria: CaseFilter) -> int:
        return await count_cases(replace(criteria, estate_ids=estate_ids), now)

    return Figures(
        today=today,
        month_first=month_first,
        open=await count(CaseFilter(statuses=list(OPEN_STATUSES))),
        unclaimed=await count(CaseFilter(unclaimed=True)),
        overdue=await count(CaseFilter(overdue=True)),
        major_open=await count(
            CaseFilter(statuses=list(OPEN_STATUSES), severities=[Severity.MAJOR])
        ),
        new_today=await count(CaseFilter(received_from=day_start, received_to=day_end)),
        month=await statistics(*local_day_bounds(month_first, today, tz), now, estate_ids),
    )


def day_starts(firsts: list[date], today: date, settings: Settings) -> list[datetime]:
    """The bounds of consecutive periods of local days: each first day's start, then the end of today."""
    tz = settings.timezone
    return [local_day_bounds(day, day, tz)[0] for day in firsts] + [
        local_day_bounds(today, today, tz)[1]
    ]


async def daily_by_category(
    settings: Settings, fmt: Formatter, today: date, estate_ids: frozenset[int] | None = None
) -> Chart:
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    bounds = day_starts(days, today, settings)
    by_period = await new_cases_by_period_and_category(bounds, estate_ids)
    counts = {(days[i], category): n for (i, category), n in by_period.items()}
    present = {category for _, category in counts}
    codes = [c for c in settings.policy.category_codes if c in present] + sorted(
        present - set(settings.policy.category_codes)
    )
    series = [
        Series(fmt.category(code), [counts.get((day, code), 0) for day in days]) for code in codes
    ]
    return bar_chart(
        fmt.t("New cases per day, last 30 days, by category"),
        [d.strftime("%m-%d") for d in days],
        series,
        head=[fmt.t("Day"), *(s.name for s in series), fmt.t("Total")],
        label_every=5,
        total_label="total",
    )


async def weekly_sla(
    settings: Settings,
    fmt: Formatter,
    today: date,
    now: datetime,
    estate_ids: frozenset[int] | None = None,
) -> Chart:
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    # statistics(week start, min(week end, today))["sla"] of each week, in one query
    levels = await service_levels(day_starts(weeks, today, settings), now, estate_ids)
    values: list[float | None] = [
        None if level["compliance"] is None else round(level["compliance"] * 100, 1)
        for level in levels
    ]
    name = fmt.t("SLA compliance")
    return bar_chart(
        fmt.t("SLA compliance by week"),
        [w.strftime("%m-%d") for w in weeks],
        [Series(name, values)],
        head=[fmt.t("Week from"), name],
        percent=True,
    )


def satisfaction_chart(fmt: Formatter, stats: dict[str, Any]) -> Chart:
    distribution = stats["satisfaction"]["distribution"]
    scores = [str(score) for score in range(1, 6)]
    name = fmt.t("Answers")
    return bar_chart(
        fmt.t("Satisfaction ratings this month"),
        scores,
        [Series(name, [distribution.get(s, 0) for s in scores])],
        head=[fmt.t("Rating"), name],
    )


async def open_by_department(fmt: Formatter, estate_ids: frozenset[int] | None = None) -> Chart:
    counts = await open_cases_by_department(estate_ids)
    names = await department_names({id_ for id_, _ in counts if id_ is not None})
    pairs = sorted(
        ((names.get(id_, str(id_)), n) for id_, n in counts if id_),
        key=lambda pair: (-pair[1], pair[0]),
    )
    pairs += [(fmt.t("No department"), n) for id_, n in counts if id_ is None]
    name = fmt.t("Open cases")
    return bar_chart(
        fmt.t("Open cases by department"),
        [p[0] for p in pairs],
        [Series(name, [p[1] for p in pairs])],
        head=[fmt.t("Department"), name],
    )


async def overview(request: web.Request) -> web.Response:
    settings = ctx_of(request).settings
    fmt = formatter(request)
    estate_ids = viewer_of(request).estates
    figures = await overview_figures(settings, fmt.now, estate_ids)
    month = figures.month
    charts = [
        await daily_by_category(settings, fmt, figures.today, estate_ids),
        await weekly_sla(settings, fmt, figures.today, fmt.now, estate_ids),
        satisfaction_chart(fmt, month),
        await open_by_department(fmt, estate_ids),
    ]
    today = figures.today.isoformat()
    tiles = [
        Tile(fmt.t("Open"), str(figures.open), "/dashboard/cases?status=open"),
        Tile(fmt.t("Unclaimed"), str(figures.unclaimed), "/dashboard/cases?unclaimed=1"),
        Tile(fmt.t("Overdue"), str(figures.overdue), "/dashboard/cases?overdue=1"),
        Tile(
            fmt.t("Major, open"),
            str(figures.major_open),
            "/dashboard/cases?status=open&severity=major",
        ),
        Tile(
            fmt.t("New today"), str(figures.new_today), f"/dashboard/cases?from={today}&to={today}"
        ),
        Tile(fmt.t("SLA compliance this month"), fmt.percent(month["sla"]["compliance"])),
        Tile(
            fmt.t("Mean time to first feedback"), fmt.hours(month["mean_hours_to_first_feedback"])
        ),
        Tile(fmt.t("Mean time to resolution"), fmt.hours(month["mean_hours_to_resolve"])),
        _satisfaction(fmt, month),
    ]
    return render(
        request,
        "overview.html",
        title=fmt.t("Overview"),
        tiles=tiles,
        charts=charts,
        period=fmt.t(
            "This month: {first} to {last}", first=figures.month_first.isoformat(), last=today
        ),
    )


def _satisfaction(fmt: Formatter, stats: dict[str, Any]) -> Tile:
    """The mean as the figure ("4.20 / 5"), how many answered under the label: the figure stays one line."""
    label = fmt.t("Satisfaction this month")
    mean = stats["satisfaction"]["mean"]
    if mean is None:
        return Tile(label, NO_VALUE)
    return Tile(
        label,
        f"{mean:.2f} / 5",
        note=fmt.t("Answers: {answers}", answers=stats["satisfaction"]["answers"]),
    )
