"""GET /api/v1/incidents and /api/v1/incidents/{id}: the outages handled as one (docs/domain.md#incidents).

Read-only: incidents are opened by filing (backend/services/incidents.py) and worked from the staff card
and the dashboard. A case appears by its number; the case itself is read through /api/v1/cases/{number}.
"""

from typing import Any

from aiohttp import web

from ..domain.errors import NotFound
from ..inputs import whole_number
from ..models import IncidentNote, IncidentStatus
from ..services import incident_queries
from ..services.incident_queries import IncidentSummary
from . import params
from .errors import BadRequest
from .routes import actor_of
from .serializers import iso

STATUSES = ("open", *(s.value for s in IncidentStatus))  # "open": not resolved
MAX_BUILDING = 32
DEFAULT_LIMIT, MAX_LIMIT = 100, 500


def incident_json(summary: IncidentSummary, numbers: list[str]) -> dict[str, Any]:
    incident = summary.incident
    return {
        "id": incident.id,
        "status": incident.status.value,
        "category": incident.category,
        "building": incident.building,
        "keywords": list(incident.keywords or []),
        "households": summary.households,
        "open_cases": summary.open_cases,
        "created_at": iso(incident.created_at),
        "first_report_at": iso(summary.first_at),
        "latest_report_at": iso(summary.latest_at),
        "resolved_at": iso(incident.resolved_at),
        "resolution": incident.resolution,
        "cases": numbers,
    }


def note_json(note: IncidentNote) -> dict[str, Any]:
    return {
        "at": iso(note.at),
        "kind": note.kind,
        "text": note.text,
        "actor": note.actor_name,
        "cases": note.cases,
    }


async def list_incidents(request: web.Request) -> web.Response:
    status = params.query_text(request, "status", 16)
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
    category = params.query_text(request, "category", 32)
    found = await incident_queries.incidents(
        status=status,
        building=params.query_text(request, "building", MAX_BUILDING),
        category=category,
        limit=params.query_int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        estate_ids=actor_of(request).estates,
    )
    numbers = await incident_queries.incident_case_numbers([s.id for s in found])
    return web.json_response({"items": [incident_json(s, numbers.get(s.id, [])) for s in found]})


async def get_incident(request: web.Request) -> web.Response:
    raw = params.path_value(request, "incident_id")
    incident_id = whole_number(raw)
    estates = actor_of(request).estates
    summary = (
        None
        if incident_id is None
        else await incident_queries.incident_summary(incident_id, estates)
    )
    if summary is None:
        raise NotFound(f"no incident {raw}")
    numbers = await incident_queries.incident_case_numbers([summary.id])
    body = incident_json(summary, numbers.get(summary.id, []))
    body["timeline"] = [note_json(n) for n in await incident_queries.incident_timeline(summary.id)]
    return web.json_response(body)
