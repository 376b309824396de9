"""Read side: case lists with filters, one case with its timeline, statistics.

Shared by the HTTP API, the dashboard and the staff commands, so every view counts the same way.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import Case as CaseWhen
from tortoise.expressions import F, Q, RawSQL, When
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

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
    # The estates the viewer may see (None: every estate — head office, the API, the system).
    estate_ids: frozenset[int] | None = None


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
        Q(assign_due_at__lt=now)
        | Q(feedback_due_at__lt=now)
        | Q(resolve_due_at__lt=now)
        | Q(hard_due_at__lt=now)
    )


def filtered(criteria: CaseFilter, now: datetime) -> QuerySet[Case]:
    query = Case.all()
    if criteria.estate_ids is not None:
        query = query.filter(estate_id__in=sorted(criteria.estate_ids))
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
    if (
        text
    ):  # number, unit or description contains it; an index finds the cases (services/search.py)
        query = query.filter(text_q(text, Case._meta.db.capabilities.dialect))
    if criteria.received_from is not None:
        query = query.filter(received_at__gte=criteria.received_from)
    if criteria.received_to is not None:
        query = query.filter(received_at__lt=criteria.received_to)
    return query


async def list_cases(
    criteria: CaseFilter,
    now: datetime,
    *,
    page: int = 1,
    per_page: int = 20,
    order: str = "-received_at",
) -> Page:
    if page < 1:
        raise ValidationFailed("page starts at 1", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"per_page must be 1–{MAX_PER_PAGE}", field="per_page")
    query = filtered(criteria, now)
    total = await query.count()
    items = await _ordered(query, order).offset((page - 1) * per_page).limit(per_page)
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def _ordered(query: QuerySet[Case], order: str) -> QuerySet[Case]:
    """Sorted by `order`, then by id in the same direction, so equal values keep one order."""
    return query.order_by(order, "-id" if order.startswith("-") else "id")


async def first_cases(criteria: CaseFilter, now: datetime, *, order: str, limit: int) -> list[Case]:
    """The first `limit` matching cases in the list's order (an export: no page, no total)."""
    return list(await _ordered(filtered(criteria, now), order).limit(limit))


async def count_cases(criteria: CaseFilter, now: datetime) -> int:
    return await filtered(criteria, now).count()


async def oldest_received_at() -> datetime | None:
    """When the first case of all came in; None before there is one."""
    oldest = await Case.all().order_by("received_at").first()
    return oldest.received_at if oldest else None


async def case_by_id(case_id: int) -> Case | None:
    return await Case.get_or_none(id=case_id)


async def case_events(case_id: int, *, public_only: bool = False) -> list[CaseEvent]:
    """The events of a case in the order they happened; `public_only`: those its tenant may see."""
    events = CaseEvent.filter(case_id=case_id)
    if public_only:
        events = events.filter(public=True)
    return list(await events.order_by("at", "id"))


async def case_with_timeline(
    number: str, *, public_only: bool = False
) -> tuple[Case, list[CaseEvent]] | None:
    case = await Case.get_or_none(number=number)
    if case is None:
        return None
    return case, await case_events(case.id, public_only=public_only)


def local_day_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time, converted to UTC.

    Always UTC: SQLite compares stored datetimes as text, so a bound with another offset would shift
    the period by that many hours.
    """
    return (
        datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC),
    )


NOT_COUNTED = [Status.INVALID, Status.CANCELLED]  # left out of service levels and means
SLA_KEYS = ("resolved_on_time", "resolved_late", "open_past_promise")


def period_index(bounds: Sequence[datetime]) -> CaseWhen:
    """Which period [bounds[i], bounds[i + 1]) `received_at` lies in, as text "0", "1", …

    Lets one query count many consecutive periods (days, weeks): filter the cases to
    [bounds[0], bounds[-1]) and group by it. The bounds are ascending UTC datetimes (local_day_bounds).
    """
    return CaseWhen(
        *(When(received_at__lt=bound, then=str(i)) for i, bound in enumerate(bounds[1:]))
    )


def _service_level_counts(now: datetime) -> dict[str, Count]:
    """Resolved within the promise, resolved after it, unresolved and past it (per row: at most one)."""
    resolved = Q(resolved_at__isnull=False)
    return {
        "resolved_on_time": Count(
            "id", _filter=resolved & Q(resolved_at__lte=F("promised_resolve_at"))
        ),
        "resolved_late": Count(
            "id", _filter=resolved & Q(resolved_at__gt=F("promised_resolve_at"))
        ),
        "open_past_promise": Count(
            "id", _filter=Q(resolved_at__isnull=True, promised_resolve_at__lt=now)
        ),
    }


def _service_level(row: dict[str, Any]) -> dict[str, Any]:
    on_time, late, breached = (int(row.get(key) or 0) for key in SLA_KEYS)
    decided = on_time + late + breached
    return {
        "resolved_on_time": on_time,
        "resolved_late": late,
        "open_past_promise": breached,
        "compliance": round(on_time / decided, 4) if decided else None,
    }


def _in_estates(query: QuerySet[Case], estate_ids: frozenset[int] | None) -> QuerySet[Case]:
    return query if estate_ids is None else query.filter(estate_id__in=sorted(estate_ids))


async def service_levels(
    bounds: Sequence[datetime], now: datetime, estate_ids: frozenset[int] | None = None
) -> list[dict[str, Any]]:
    """`statistics(...)["sla"]` of each period [bounds[i], bounds[i + 1]), all in one query."""
    period = Case.filter(received_at__gte=bounds[0], received_at__lt=bounds[-1])
    rows = await (
        _in_estates(period, estate_ids)
        .exclude(status__in=NOT_COUNTED)
        .annotate(slot=period_index(bounds), **_service_level_counts(now))
        .group_by("slot")
        .values("slot", *SLA_KEYS)
    )
    found = {int(row["slot"]): row for row in rows if row["slot"] is not None}
    return [_service_level(found.get(i, {})) for i in range(len(bounds) - 1)]


async def statistics(
    start: datetime, end: datetime, now: datetime, estate_ids: frozenset[int] | None = None
) -> dict[str, Any]:
    """Counts and service levels for cases received in [start, end).

    Two queries: the counts by status, category and severity of every case, and the measures of the
    counted ones (not invalid or cancelled), each a single pass over the period.
    """
    period = _in_estates(Case.filter(received_at__gte=start, received_at__lt=end), estate_ids)
    columns = ("status", "category", "severity")
    cube = await period.annotate(n=Count("id")).group_by(*columns).values(*columns, "n")
    by: dict[str, Counter[str]] = {column: Counter() for column in columns}
    for row in cube:
        for column, counter in by.items():
            counter[str(row[column])] += row["n"]
    dialect = get_connection("default").capabilities.dialect
    ratings = {
        f"rated_{score}": Count("id", _filter=Q(satisfaction=score)) for score in range(1, 6)
    }
    rows = (
        await period.exclude(status__in=NOT_COUNTED)
        .annotate(
            **_service_level_counts(now),
            **ratings,
            answers=Count("id", _filter=Q(satisfaction__isnull=False)),
            rating_sum=Sum("satisfaction"),
            reopened=Count("id", _filter=Q(reopen_count__gt=0)),
            hours_to_first_feedback=RawSQL(
                _mean_hours_sql(dialect, "received_at", "first_feedback_at")
            ),
            hours_to_resolve=RawSQL(_mean_hours_sql(dialect, "received_at", "resolved_at")),
        )
        .values(
            *SLA_KEYS,
            *ratings,
            "answers",
            "rating_sum",
            "reopened",
            "hours_to_first_feedback",
            "hours_to_resolve",
        )
    )
    measures = rows[0] if rows else {}
    answers = int(measures.get("answers") or 0)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": sum(by["status"].values()),
        "by_status": dict(sorted(by["status"].items())),
        "by_category": dict(sorted(by["category"].items())),
        "by_severity": dict(sorted(by["severity"].items())),
        "sla": _service_level(measures),
        "mean_hours_to_first_feedback": _hours(measures.get("hours_to_first_feedback")),
        "mean_hours_to_resolve": _hours(measures.get("hours_to_resolve")),
        "satisfaction": {
            "answers": answers,
            "mean": round(int(measures["rating_sum"]) / answers, 2) if answers else None,
            "distribution": {
                str(score): int(measures.get(f"rated_{score}") or 0) for score in range(1, 6)
            },
        },
        "reopened": int(measures.get("reopened") or 0),
    }


# Hours between two timestamp columns, averaged by the database (SQLite stores datetimes as text).
_MEAN_HOURS = {
    "sqlite": "AVG((julianday({end}) - julianday({start})) * 24.0)",
    "postgres": "AVG(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)",
}
_COLUMNS = frozenset({"received_at", "first_feedback_at", "resolved_at", "closed_at"})


def _mean_hours_sql(dialect: str, start: str, end: str) -> str:
    """The mean hours from `start` to `end`; rows without `end` are left out (AVG skips NULL)."""
    if start not in _COLUMNS or end not in _COLUMNS:  # column names only ever come from this module
        raise ValueError(f"not a timestamp column: {start}, {end}")
    return _MEAN_HOURS[dialect].format(start=start, end=end)


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)
