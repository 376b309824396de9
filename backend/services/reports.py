"""The monthly report (docs/domain.md#reports).

Counts per category, severity and department for the cases received in one local calendar month,
counted the same way as `queries.statistics`: SLA compliance = resolved on time / (on time + late +
open past promise), with invalid and cancelled cases left out of service levels.

The database does the counting: a few grouped COUNT queries over (category, severity, department,
status) are rolled up here into each dimension, so the cost does not grow with the size of the whole
table. Means are computed in Python over the month's resolved and rated cases only.
"""

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from ..config import Settings
from ..domain import Severity, Status
from ..i18n import _
from ..inputs import check_month
from ..labels import category_name, severity_name, staff_status_name
from ..models import Case, Department
from .queries import NOT_COUNTED, OPEN_STATUSES, local_day_bounds

DIMENSIONS = ("category", "severity", "department_id")
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
DESCRIPTION_LIMIT = 80
NO_VALUE = "—"

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


# ---- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Where the month's cases stand now: received = open + resolved + invalid + cancelled.

    `resolved` counts every case with a fix in place (resolved or closed); `closed` is the part of
    those the tenant confirmed or that closed after the follow-up.
    """

    received: int = 0
    resolved: int = 0
    closed: int = 0
    invalid: int = 0
    cancelled: int = 0
    open: int = 0


@dataclass(frozen=True)
class ReportRow:
    """One category, severity or department (or all cases). Rates are fractions 0–1."""

    key: str
    label: str
    received: int
    resolved: int
    resolved_on_time: int
    resolved_late: int
    open_past_promise: int
    sla_compliance: float | None  # None when no case has been decided yet
    mean_hours_to_resolve: float | None
    mean_satisfaction: float | None
    satisfaction_answers: int
    reopened: int
    reopen_rate: float | None  # reopened / cases ever resolved; None when none was


@dataclass(frozen=True)
class SubjectRow:
    """A person or department complained about, and how many valid complaints named them."""

    subject: str
    complaints: int


@dataclass(frozen=True)
class MajorCase:
    number: str
    received_at: datetime  # local time
    category: str  # label
    status: str  # label
    resolved_at: datetime | None  # local time
    description: str  # one line, at most DESCRIPTION_LIMIT characters

    @property
    def received_text(self) -> str:
        return _local_text(self.received_at)

    @property
    def resolved_text(self) -> str:
        return _local_text(self.resolved_at)


@dataclass(frozen=True)
class MonthlyReport:
    year: int
    month: int
    first_day: date  # local
    last_day: date  # local
    locale: str  # the language of the labels
    generated_at: datetime  # local time
    totals: Totals
    overall: ReportRow
    by_category: list[ReportRow]
    by_severity: list[ReportRow]
    by_department: list[ReportRow]
    subjects: list[SubjectRow]
    major_cases: list[MajorCase]

    @property
    def period(self) -> tuple[date, date]:
        return self.first_day, self.last_day

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# ---- months -------------------------------------------------------------------------------------


def month_from_text(text: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); ValueError naming the expected form otherwise.

    A month outside the supported calendar raises `inputs.OutOfRange` (a ValueError too).
    """
    match = _MONTH.fullmatch((text or "").strip())
    if match is None:
        raise ValueError(f"expected a month like 2026-10 (year-month), got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if year < 1 or not 1 <= month <= 12:
        raise ValueError(f"expected a month like 2026-10 with a month from 01 to 12, got {text!r}")
    return check_month(year, month)


def previous_month(today: date) -> tuple[int, int]:
    """The calendar month before the one `today` falls in."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def month_days(year: int, month: int) -> tuple[date, date]:
    """First and last day of a calendar month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


# ---- building it --------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Running sums for one row while the grouped counts are rolled up."""

    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    on_time: int = 0
    late: int = 0
    open_past_promise: int = 0
    reopened: int = 0
    reopened_open: int = 0  # reopened and back in work: resolved once, not counted as resolved now
    hours_sum: float = 0.0
    hours_count: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def received(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: Status) -> int:
        return sum(self.by_status.get(s.value, 0) for s in statuses)


class _Tallies:
    """One tally for all cases plus one per value of each dimension."""

    def __init__(self) -> None:
        self.overall = _Tally()
        self.by: dict[str, dict[Any, _Tally]] = {dim: defaultdict(_Tally) for dim in DIMENSIONS}

    def touched_by(self, row: dict[str, Any]) -> Iterator[_Tally]:
        yield self.overall
        for dim in DIMENSIONS:
            yield self.by[dim][_key(row[dim])]


async def monthly_report(
    year: int,
    month: int,
    settings: Settings,
    now: datetime,
    *,
    locale: str | None = None,
    estate_ids: frozenset[int] | None = None,
) -> MonthlyReport:
    """The report for cases received in that month of local time (settings.timezone).

    `now` decides which open cases are already past their promise; labels are in `locale`
    (default: settings.default_locale); `estate_ids`: only the cases of those estates (None: all).
    """
    locale = locale or settings.default_locale
    tz = settings.timezone
    first_day, last_day = month_days(year, month)
    start, end = (moment.astimezone(UTC) for moment in local_day_bounds(first_day, last_day, tz))
    # In UTC: SQLite compares the stored UTC text with the parameter's text, so a +08:00 bound
    # would shift the month by eight hours there.
    period = Case.filter(received_at__gte=start, received_at__lt=end)
    if estate_ids is not None:
        period = period.filter(estate_id__in=sorted(estate_ids))
    tallies = await _tally(period, now)
    departments = await _department_names([k for k in tallies.by["department_id"] if k is not None])
    return MonthlyReport(
        year=year,
        month=month,
        first_day=first_day,
        last_day=last_day,
        locale=locale,
        generated_at=now.astimezone(tz),
        totals=_totals(tallies.overall),
        overall=_row("", _("All cases", locale), tallies.overall),
        by_category=_category_rows(tallies.by["category"], settings, locale),
        by_severity=_severity_rows(tallies.by["severity"], locale),
        by_department=_department_rows(tallies.by["department_id"], departments, locale),
        subjects=await _subjects(period),
        major_cases=await _major_cases(period, settings, locale),
    )


async def _tally(period: QuerySet[Case], now: datetime) -> _Tallies:
    """Roll the month's grouped counts and the resolved/rated rows up into every row of the report."""
    tallies = _Tallies()
    counted = period.exclude(status__in=NOT_COUNTED)
    resolved = counted.filter(resolved_at__isnull=False)
    for cell in await _cube(period):
        for tally in tallies.touched_by(cell):
            tally.by_status[str(cell["status"])] += cell["n"]
    await _add_measures(
        tallies,
        {
            "on_time": resolved.filter(resolved_at__lte=F("promised_resolve_at")),
            "late": resolved.filter(resolved_at__gt=F("promised_resolve_at")),
            "open_past_promise": counted.filter(
                resolved_at__isnull=True, promised_resolve_at__lt=now.astimezone(UTC)
            ),
            "reopened": counted.filter(reopen_count__gt=0),
        },
    )
    await _add_means(tallies, resolved, counted.filter(satisfaction__isnull=False))
    return tallies


async def _add_measures(tallies: _Tallies, measures: dict[str, QuerySet[Case]]) -> None:
    """Each measure is the grouped count of the cases its query selects."""
    for name, query in measures.items():
        for cell in await _cube(query):
            for tally in tallies.touched_by(cell):
                setattr(tally, name, getattr(tally, name) + cell["n"])
                if name == "reopened" and Status(cell["status"]).is_open:
                    tally.reopened_open += cell["n"]


async def _add_means(tallies: _Tallies, resolved: QuerySet[Case], rated: QuerySet[Case]) -> None:
    """Sums for the mean time to resolve and the mean rating, over the month's rows only."""
    for case in await resolved.values(*DIMENSIONS, "received_at", "resolved_at"):
        hours = (case["resolved_at"] - case["received_at"]).total_seconds() / 3600
        for tally in tallies.touched_by(case):
            tally.hours_sum += hours
            tally.hours_count += 1
    for case in await rated.values(*DIMENSIONS, "satisfaction"):
        for tally in tallies.touched_by(case):
            tally.rating_sum += case["satisfaction"]
            tally.rating_count += 1


async def _cube(query: QuerySet[Case]) -> list[dict[str, Any]]:
    """COUNT per (category, severity, department, status): small however many cases there are."""
    columns = (*DIMENSIONS, "status")
    return list(await query.annotate(n=Count("id")).group_by(*columns).values(*columns, "n"))


def _key(value: Any) -> Any:
    """Enum members and plain strings from different backends group under one key."""
    return None if value is None else value if isinstance(value, int) else str(value)


def _totals(tally: _Tally) -> Totals:
    return Totals(
        received=tally.received,
        resolved=tally.count(*DONE_STATUSES),
        closed=tally.count(Status.CLOSED),
        invalid=tally.count(Status.INVALID),
        cancelled=tally.count(Status.CANCELLED),
        open=tally.count(*OPEN_STATUSES),
    )


def _row(key: str, label: str, tally: _Tally) -> ReportRow:
    resolved = tally.count(*DONE_STATUSES)
    decided = tally.on_time + tally.late + tally.open_past_promise
    ever_resolved = resolved + tally.reopened_open
    return ReportRow(
        key=key,
        label=label,
        received=tally.received,
        resolved=resolved,
        resolved_on_time=tally.on_time,
        resolved_late=tally.late,
        open_past_promise=tally.open_past_promise,
        sla_compliance=_ratio(tally.on_time, decided),
        mean_hours_to_resolve=_mean(tally.hours_sum, tally.hours_count),
        mean_satisfaction=_mean(tally.rating_sum, tally.rating_count),
        satisfaction_answers=tally.rating_count,
        reopened=tally.reopened,
        reopen_rate=_ratio(tally.reopened, ever_resolved),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 2) if count else None


def _category_rows(tallies: dict[Any, _Tally], settings: Settings, locale: str) -> list[ReportRow]:
    """Every category of the policy in its order (zero rows included, so months compare), then any
    code no longer in the policy."""
    codes = list(settings.policy.category_codes)
    codes += sorted(code for code in tallies if code not in codes)
    return [
        _row(code, category_name(settings.policy, code, locale), tallies.get(code, _Tally()))
        for code in codes
    ]


def _severity_rows(tallies: dict[Any, _Tally], locale: str) -> list[ReportRow]:
    return [
        _row(severity.value, severity_name(severity, locale), tallies.get(severity.value, _Tally()))
        for severity in sorted(Severity, key=lambda s: s.rank)
    ]


def _department_rows(
    tallies: dict[Any, _Tally], departments: dict[int, tuple[str, str]], locale: str
) -> list[ReportRow]:
    """Departments that had cases, by name; cases not given to any department last."""
    rows = []
    for dept_id, tally in tallies.items():
        if dept_id is not None:
            code, name = departments.get(dept_id, (str(dept_id), str(dept_id)))
            rows.append(_row(code, name, tally))
    rows.sort(key=lambda row: row.label)
    if None in tallies:
        rows.append(_row("", _("No department", locale), tallies[None]))
    return rows


async def _department_names(ids: list[int]) -> dict[int, tuple[str, str]]:
    """id → (code, name)."""
    if not ids:
        return {}
    rows = await Department.filter(id__in=ids).values("id", "code", "name")
    return {row["id"]: (row["code"], row["name"]) for row in rows}


async def _subjects(period: QuerySet[Case]) -> list[SubjectRow]:
    """Who was complained about, most often first. Invalid and cancelled complaints do not count
    against anyone."""
    rows = await (
        period.exclude(status__in=NOT_COUNTED)
        .exclude(subject="")
        .annotate(n=Count("id"))
        .group_by("subject")
        .values("subject", "n")
    )
    result = [SubjectRow(subject=row["subject"], complaints=row["n"]) for row in rows]
    return sorted(result, key=lambda r: (-r.complaints, r.subject))


async def _major_cases(period: QuerySet[Case], settings: Settings, locale: str) -> list[MajorCase]:
    """Every major case of the month, whatever became of it, oldest first."""
    tz = settings.timezone
    rows = (
        await period.filter(severity=Severity.MAJOR)
        .order_by("received_at", "id")
        .values("number", "received_at", "category", "status", "resolved_at", "description")
    )
    return [
        MajorCase(
            number=row["number"],
            received_at=row["received_at"].astimezone(tz),
            category=category_name(settings.policy, row["category"], locale),
            status=staff_status_name(row["status"], locale),
            resolved_at=_local(row["resolved_at"], tz),
            description=shorten(row["description"]),
        )
        for row in rows
    ]


# ---- text ---------------------------------------------------------------------------------------


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line of at most `limit` characters, with an ellipsis when something was cut."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


def _local_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else NO_VALUE
