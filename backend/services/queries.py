"""Read side: case lists with filters, one case with its timeline, statistics.

Shared by the HTTP API, the dashboard and the staff commands, so every view counts the same way.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import F, Q, RawSQL
from tortoise.functions import Count

from ..domain import Kind, Severity, Status, ValidationFailed
from ..models import Case, CaseEvent
from .search import text_q

OPEN_STATUSES = [Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS]
MAX_PER_PAGE = 100


@dataclass
class CaseFilter:
    statuses: list[Status] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    severities: list[Severity] = field(default_factory=list)
    kind: Kind | None = None
    department_id: int | None = None
    owner_id: int | None = None
    complainant_id: int | None = None
    overdue: bool = False
    unclaimed: bool = False
    text: str = ""
    received_from: datetime | None = None
    received_to: datetime | None = None


@dataclass
class Page:
    items: list[Case]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def overdue_q(now: datetime) -> Q:
    """An open case past any of its promises that nobody has kept yet."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(assign_due_at__lt=now) | Q(feedback_due_at__lt=now) | Q(resolve_due_at__lt=now)
        | Q(hard_due_at__lt=now)
    )


def filtered(criteria: CaseFilter, now: datetime):
    query = Case.all()
    if criteria.statuses:
        query = query.filter(status__in=criteria.statuses)
    if criteria.categories:
        query = query.filter(category__in=criteria.categories)
    if criteria.severities:
        query = query.filter(severity__in=criteria.severities)
    if criteria.kind is not None:
        query = query.filter(kind=criteria.kind)
    if criteria.department_id is not None:
        query = query.filter(department_id=criteria.department_id)
    if criteria.owner_id is not None:
        query = query.filter(owner_id=criteria.owner_id)
    if criteria.complainant_id is not None:
        query = query.filter(complainant_id=criteria.complainant_id)
    if criteria.unclaimed:
        query = query.filter(owner_id__isnull=True, status=Status.NEW)
    if criteria.overdue:
        query = query.filter(overdue_q(now))
    text = criteria.text.strip()
    if text:  # number, unit or description contains it; an index finds the cases (services/search.py)
        query = query.filter(text_q(text, Case._meta.db.capabilities.dialect))
    if criteria.received_from is not None:
        query = query.filter(received_at__gte=criteria.received_from)
    if criteria.received_to is not None:
        query = query.filter(received_at__lt=criteria.received_to)
    return query


async def list_cases(
    criteria: CaseFilter, now: datetime, *, page: int = 1, per_page: int = 20, order: str = "-received_at"
) -> Page:
    if page < 1:
        raise ValidationFailed("page starts at 1", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"per_page must be 1–{MAX_PER_PAGE}", field="per_page")
    query = filtered(criteria, now)
    total = await query.count()
    tie_break = "-id" if order.startswith("-") else "id"
    items = await query.order_by(order, tie_break).offset((page - 1) * per_page).limit(per_page)
    return Page(items=list(items), total=total, page=page, per_page=per_page)


async def case_with_timeline(number: str, *, public_only: bool = False) -> tuple[Case, list[CaseEvent]] | None:
    case = await Case.get_or_none(number=number)
    if case is None:
        return None
    events = CaseEvent.filter(case_id=case.id)
    if public_only:
        events = events.filter(public=True)
    return case, list(await events.order_by("at", "id"))


def local_day_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time, converted to UTC.

    Always UTC: SQLite compares stored datetimes as text, so a bound with another offset would shift
    the period by that many hours.
    """
    return (
        datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC),
    )


async def statistics(start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    """Counts and service levels for cases received in [start, end)."""
    period = Case.filter(received_at__gte=start, received_at__lt=end)

    async def grouped(column: str) -> dict[str, int]:
        rows = await period.annotate(n=Count("id")).group_by(column).values(column, "n")
        return {str(row[column]): row["n"] for row in rows}

    by_status = await grouped("status")
    counted = period.exclude(status__in=[Status.INVALID, Status.CANCELLED])
    on_time = await counted.filter(resolved_at__isnull=False, resolved_at__lte=F("promised_resolve_at")).count()
    late = await counted.filter(resolved_at__isnull=False, resolved_at__gt=F("promised_resolve_at")).count()
    breached_open = await counted.filter(resolved_at__isnull=True, promised_resolve_at__lt=now).count()
    decided = on_time + late + breached_open
    ratings = await counted.filter(satisfaction__isnull=False).values_list("satisfaction", flat=True)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_category": await grouped("category"),
        "by_severity": await grouped("severity"),
        "sla": {
            "resolved_on_time": on_time,
            "resolved_late": late,
            "open_past_promise": breached_open,
            "compliance": round(on_time / decided, 4) if decided else None,
        },
        "mean_hours_to_first_feedback": await mean_hours(counted, "received_at", "first_feedback_at"),
        "mean_hours_to_resolve": await mean_hours(counted, "received_at", "resolved_at"),
        "satisfaction": {
            "answers": len(ratings),
            "mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "distribution": {str(score): ratings.count(score) for score in range(1, 6)},
        },
        "reopened": await counted.filter(reopen_count__gt=0).count(),
    }


# Hours between two timestamp columns, averaged by the database (SQLite stores datetimes as text).
_MEAN_HOURS = {
    "sqlite": "AVG((julianday({end}) - julianday({start})) * 24.0)",
    "postgres": "AVG(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)",
}
_COLUMNS = frozenset({"received_at", "first_feedback_at", "resolved_at", "closed_at"})


async def mean_hours(query, start: str, end: str) -> float | None:
    """Mean hours from `start` to `end` over the rows of `query` that have `end` set."""
    if start not in _COLUMNS or end not in _COLUMNS:  # column names only ever come from this module
        raise ValueError(f"not a timestamp column: {start}, {end}")
    dialect = get_connection("default").capabilities.dialect
    rows = await (query.filter(**{f"{end}__isnull": False})
                  .annotate(mean=RawSQL(_MEAN_HOURS[dialect].format(start=start, end=end))).values("mean"))
    value = rows[0]["mean"] if rows else None
    return None if value is None else round(float(value), 2)
