"""Estates compared: the figures of each estate side by side, for head office.

The measures are those of `queries.statistics` (the same SLA rule, the same first-reply mean, the same
cases left out), grouped by estate in the database: three grouped queries (the estates with their
households, the counts, the measures) whatever the number of estates. The total row adds up the
estate rows' raw counts, so it cannot disagree with them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count, Sum

from ..models import Case
from . import rows
from .queries import (
    NOT_COUNTED,
    OPEN_STATUSES,
    SLA_KEYS,
    _in_estates,
    _mean_hours_sql,
    _service_level,
    _service_level_counts,
)

# Every estate with the units of its register (distinct building and unit, as residents.household_count).
_ESTATES = (
    'SELECT "estate"."id" AS "id", "estate"."code" AS "code", "estate"."name" AS "name", '
    '"estate"."active" AS "active", COALESCE("units"."households", 0) AS "households" '
    'FROM "estate" LEFT JOIN (SELECT "estate_id", COUNT(*) AS "households" FROM '
    '(SELECT DISTINCT "estate_id", "building", "unit" FROM "resident") AS "distinct_units" '
    'GROUP BY "estate_id") AS "units" ON "units"."estate_id" = "estate"."id"'
)
_ORDER = ' ORDER BY "estate"."name", "estate"."code"'


@dataclass(frozen=True)
class EstateFigures:
    """One line of the comparison. `estate_id` None and not `is_total`: the cases of no estate."""

    estate_id: int | None
    code: str
    name: str
    received: int  # cases received in the period, every status (statistics()["total"])
    open_now: int  # open cases of the estate now, whenever received
    resolved_on_time: int
    resolved_late: int
    open_past_promise: int
    sla_compliance: float | None  # statistics()["sla"]["compliance"]; None: nothing decided yet
    replied: int  # counted cases with a first reply: the weight of the mean
    mean_hours_to_first_reply: float | None
    satisfaction_answers: int
    satisfaction_sum: int
    households: int  # units in the resident register; 0 without a register
    per_100_households: float | None  # cases received per 100 households; None without a register
    is_total: bool = False

    @property
    def satisfaction_mean(self) -> float | None:
        answers = self.satisfaction_answers
        return round(self.satisfaction_sum / answers, 2) if answers else None


def per_100(received: int, households: int) -> float | None:
    return round(received * 100 / households, 2) if households else None


async def estate_figures(
    start: datetime, end: datetime, now: datetime, estate_ids: frozenset[int] | None = None
) -> list[EstateFigures]:
    """One row per estate the viewer sees (`estate_ids`; None: every estate) for cases received in
    [start, end), a row for the cases of no estate when head office has any, then the total row.

    An inactive estate is shown only when it has cases in the period or open ones.
    """
    estates = await _estates(estate_ids)
    counts = await _counts(start, end, estate_ids)
    measures = await _measures(start, end, now, estate_ids)
    lines: list[EstateFigures] = []
    for estate in estates:
        line = _line(estate, counts, measures)
        if bool(estate["active"]) or line.received or line.open_now:  # SQLite answers 0/1
            lines.append(line)
    if estate_ids is None and (None in counts or None in measures):
        lines.append(_line({"id": None, "code": "", "name": "", "households": 0}, counts, measures))
    return [*lines, total_of(lines)]


def total_of(lines: list[EstateFigures]) -> EstateFigures:
    """The total row: raw counts added up, rates and means recomputed from them.

    Cases per 100 households counts only the estates with a register (the others have no denominator).
    """
    replied = sum(line.replied for line in lines)
    weighted_hours = sum(
        line.mean_hours_to_first_reply * line.replied
        for line in lines
        if line.mean_hours_to_first_reply is not None
    )
    sla = _service_level({key: sum(getattr(line, key) for line in lines) for key in SLA_KEYS})
    registered = [line for line in lines if line.households]
    return EstateFigures(
        estate_id=None,
        code="",
        name="",
        received=sum(line.received for line in lines),
        open_now=sum(line.open_now for line in lines),
        resolved_on_time=sla["resolved_on_time"],
        resolved_late=sla["resolved_late"],
        open_past_promise=sla["open_past_promise"],
        sla_compliance=sla["compliance"],
        replied=replied,
        mean_hours_to_first_reply=round(weighted_hours / replied, 2) if replied else None,
        satisfaction_answers=sum(line.satisfaction_answers for line in lines),
        satisfaction_sum=sum(line.satisfaction_sum for line in lines),
        households=sum(line.households for line in lines),
        per_100_households=per_100(
            sum(line.received for line in registered), sum(line.households for line in registered)
        ),
        is_total=True,
    )


def _line(
    estate: dict[str, Any],
    counts: dict[int | None, dict[str, Any]],
    measures: dict[int | None, dict[str, Any]],
) -> EstateFigures:
    estate_id = None if estate["id"] is None else int(estate["id"])
    count = counts.get(estate_id, {})
    measure = measures.get(estate_id, {})
    sla = _service_level(measure)
    received = int(count.get("received") or 0)
    households = int(estate["households"] or 0)
    hours = measure.get("hours_to_first_reply")
    return EstateFigures(
        estate_id=estate_id,
        code=str(estate["code"]),
        name=str(estate["name"]),
        received=received,
        open_now=int(count.get("open_now") or 0),
        resolved_on_time=sla["resolved_on_time"],
        resolved_late=sla["resolved_late"],
        open_past_promise=sla["open_past_promise"],
        sla_compliance=sla["compliance"],
        replied=int(measure.get("replied") or 0),
        mean_hours_to_first_reply=None if hours is None else round(float(hours), 2),
        satisfaction_answers=int(measure.get("answers") or 0),
        satisfaction_sum=int(measure.get("rating_sum") or 0),
        households=households,
        per_100_households=per_100(received, households),
    )


async def _estates(estate_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    conn = get_connection("default")
    if estate_ids is None:
        return await conn.execute_query_dict(_ESTATES + _ORDER)
    if not estate_ids:
        return []
    ids = sorted(estate_ids)
    where = ' WHERE "estate"."id" IN (' + ", ".join("?" for _ in ids) + ")"
    return await conn.execute_query_dict(rows.sql(conn, _ESTATES + where + _ORDER), ids)


async def _counts(
    start: datetime, end: datetime, estate_ids: frozenset[int] | None
) -> dict[int | None, dict[str, Any]]:
    """Per estate: cases received in the period (every status) and cases open now."""
    in_period = Q(received_at__gte=start, received_at__lt=end)
    is_open = Q(status__in=OPEN_STATUSES)
    found = await (
        _in_estates(Case.filter(in_period | is_open), estate_ids)
        .annotate(received=Count("id", _filter=in_period), open_now=Count("id", _filter=is_open))
        .group_by("estate_id")
        .values("estate_id", "received", "open_now")
    )
    return {row["estate_id"]: row for row in found}


async def _measures(
    start: datetime, end: datetime, now: datetime, estate_ids: frozenset[int] | None
) -> dict[int | None, dict[str, Any]]:
    """Per estate, over the counted cases of the period: statistics()' service level, first reply and
    satisfaction sums."""
    dialect = get_connection("default").capabilities.dialect
    period = Case.filter(received_at__gte=start, received_at__lt=end)
    found = await (
        _in_estates(period, estate_ids)
        .exclude(status__in=NOT_COUNTED)
        .annotate(
            **_service_level_counts(now),
            replied=Count("id", _filter=Q(first_feedback_at__isnull=False)),
            hours_to_first_reply=RawSQL(
                _mean_hours_sql(dialect, "received_at", "first_feedback_at")
            ),
            answers=Count("id", _filter=Q(satisfaction__isnull=False)),
            rating_sum=Sum("satisfaction"),
        )
        .group_by("estate_id")
        .values("estate_id", *SLA_KEYS, "replied", "hours_to_first_reply", "answers", "rating_sum")
    )
    return {row["estate_id"]: row for row in found}
