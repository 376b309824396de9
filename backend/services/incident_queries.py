"""Reads of incidents for the bot's incident card, the dashboard and the API (writes: incidents.py).

`estate_ids`: only the incidents of those estates (a viewer's, `Viewer.estates`); None: every estate.
"""

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count, Max, Min
from tortoise.queryset import QuerySet

from ..domain.messages import OutboxKind
from ..models import Case, Incident, IncidentNote, IncidentStatus, OutboxMessage
from .queries import OPEN_STATUSES

__all__ = ["IncidentStatus", "IncidentSummary"]


@dataclass(frozen=True)
class IncidentSummary:
    """An incident with what its card and list show: households, cases, first and latest report."""

    incident: Incident
    households: int
    cases: int
    open_cases: int
    first_at: datetime | None
    latest_at: datetime | None

    @property
    def id(self) -> int:
        return self.incident.id


def _within(query: QuerySet[Incident], estate_ids: frozenset[int] | None) -> QuerySet[Incident]:
    return query if estate_ids is None else query.filter(estate_id__in=sorted(estate_ids))


async def incident_by_id(incident_id: int) -> Incident | None:
    return await Incident.get_or_none(id=incident_id)


async def _counts(incident_ids: list[int]) -> dict[int, dict]:
    if not incident_ids:
        return {}
    found = await (
        Case.filter(incident_id__in=incident_ids)
        .annotate(
            households=Count("unit", distinct=True),
            cases=Count("id"),
            first=Min("received_at"),
            latest=Max("received_at"),
        )
        .group_by("incident_id")
        .values("incident_id", "households", "cases", "first", "latest")
    )
    opened = await (
        Case.filter(incident_id__in=incident_ids, status__in=OPEN_STATUSES)
        .annotate(n=Count("id"))
        .group_by("incident_id")
        .values("incident_id", "n")
    )
    open_by = {row["incident_id"]: row["n"] for row in opened}
    return {
        row["incident_id"]: {**row, "open": open_by.get(row["incident_id"], 0)} for row in found
    }


def _summary(incident: Incident, counts: dict | None) -> IncidentSummary:
    counts = counts or {}
    return IncidentSummary(
        incident,
        households=int(counts.get("households") or 0),
        cases=int(counts.get("cases") or 0),
        open_cases=int(counts.get("open") or 0),
        first_at=counts.get("first"),
        latest_at=counts.get("latest"),
    )


async def incident_summary(
    incident_id: int, estate_ids: frozenset[int] | None = None
) -> IncidentSummary | None:
    """The incident and its counts; None when there is none (or it is outside `estate_ids`)."""
    incident = await _within(Incident.filter(id=incident_id), estate_ids).first()
    if incident is None:
        return None
    return _summary(incident, (await _counts([incident.id])).get(incident.id))


async def incidents(
    *,
    status: str = "",
    building: str = "",
    category: str = "",
    limit: int = 200,
    estate_ids: frozenset[int] | None = None,
) -> list[IncidentSummary]:
    """The latest incidents (newest first), filtered by status, building and category."""
    query = _within(Incident.all(), estate_ids)
    if status in set(IncidentStatus):
        query = query.filter(status=status)
    elif status == "open":
        query = query.exclude(status=IncidentStatus.RESOLVED)
    if building:
        query = query.filter(building=building)
    if category:
        query = query.filter(category=category)
    found = await query.order_by("-created_at", "-id").limit(limit)
    counts = await _counts([i.id for i in found])
    return [_summary(i, counts.get(i.id)) for i in found]


async def incident_cases(incident_id: int, estate_ids: frozenset[int] | None = None) -> list[Case]:
    """The cases of an incident (within `estate_ids`), in the order they came."""
    query = Case.filter(incident_id=incident_id)
    if estate_ids is not None:
        query = query.filter(estate_id__in=sorted(estate_ids))
    return await query.order_by("received_at", "id")


async def incident_case_numbers(incident_ids: list[int]) -> dict[int, list[str]]:
    rows = await (
        Case.filter(incident_id__in=incident_ids)
        .order_by("received_at", "id")
        .values_list("incident_id", "number")
    )
    result: dict[int, list[str]] = {i: [] for i in incident_ids}
    for incident_id, number in rows:
        result.setdefault(int(incident_id), []).append(str(number))
    return result


async def incident_timeline(incident_id: int) -> list[IncidentNote]:
    return await IncidentNote.filter(incident_id=incident_id).order_by("at", "id")


async def incident_buildings(estate_ids: frozenset[int] | None = None) -> list[str]:
    found = _within(Incident.all(), estate_ids).distinct().values_list("building", flat=True)
    return sorted({str(b) for b in await found})


async def incident_card_message(incident_id: int) -> OutboxMessage | None:
    """The incident card's row once Telegram gave it a message id (refreshes edit it)."""
    return await OutboxMessage.filter(
        dedupe_key=f"incident-card:{incident_id}",
        kind=OutboxKind.INCIDENT_CARD.value,
        telegram_message_id__isnull=False,
    ).first()


def is_resolved(incident: Incident) -> bool:
    return incident.status is IncidentStatus.RESOLVED
