"""Incidents in the dashboard: the list (filters, CSV) and one incident's page (its cases, households,
timeline, one note to every tenant, resolve, confirm, add and remove cases).

Every change goes through backend/services/incidents.py; a form carries a one-time key so a double
click (or a resubmitted form) acts once.
"""

import secrets

from aiohttp import web

from ..domain import Conflict, DomainError, NotFound, PermissionDenied, Role, ValidationFailed
from ..domain.unit_grid import unit_grid
from ..i18n import N_
from ..inputs import whole_number
from ..services.incident_queries import (
    IncidentStatus,
    IncidentSummary,
    incident_buildings,
    incident_cases,
    incident_summary,
    incident_timeline,
    incidents,
)
from ..services.incident_words import shown
from .export import to_csv
from .render import formatter, render, see_other
from .state import PREFIX, ctx_of, viewer_of

LIST_PATH = f"{PREFIX}/incidents"
STATUS_NAMES = {
    "open": N_("Not resolved"),
    IncidentStatus.PROPOSED.value: N_("Proposed"),
    IncidentStatus.CONFIRMED.value: N_("Confirmed"),
    IncidentStatus.RESOLVED.value: N_("Resolved"),
}
ACTIONS = ("note", "resolve", "confirm", "add", "remove")
TIMELINE_NAMES = {
    "open": N_("Opened by the system"),
    "note": N_("Progress note to every tenant"),
    "resolve": N_("Resolved"),
    "confirm": N_("Confirmed"),
    "add": N_("Case added"),
    "remove": N_("Case removed"),
}
PROBLEMS = {
    "note": N_("Please write the text first (at most 4000 characters)."),
    "resolution": N_("Please describe what was done (at most 4000 characters)."),
    "number": N_("Only an open case can join an incident."),
}


def incident_path(incident_id: int) -> str:
    return f"{LIST_PATH}/{incident_id}"


def _filters(request: web.Request) -> dict[str, str]:
    query = request.query
    status = query.get("status", "open")
    return {
        "status": status if status in STATUS_NAMES or status == "all" else "open",
        "building": query.get("building", "").strip()[:32],
        "category": query.get("category", "").strip()[:32],
    }


async def _listed(request: web.Request) -> tuple[dict[str, str], list[IncidentSummary]]:
    wanted = _filters(request)
    status = "" if wanted["status"] == "all" else wanted["status"]
    found = await incidents(
        status=status,
        building=wanted["building"],
        category=wanted["category"],
        estate_ids=viewer_of(request).estates,
    )
    return wanted, found


async def incident_list(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    fmt = formatter(request)
    wanted, found = await _listed(request)
    query = "&".join(f"{k}={v}" for k, v in wanted.items() if v)
    return render(
        request,
        "incidents.html",
        title=fmt.t("Incidents"),
        rows=found,
        wanted=wanted,
        status_options=[("all", fmt.t("All"))]
        + [(code, fmt.t(name)) for code, name in STATUS_NAMES.items()],
        status_names={code: fmt.t(name) for code, name in STATUS_NAMES.items()},
        building_options=await incident_buildings(viewer_of(request).estates),
        category_options=[
            (code, fmt.category(code)) for code in ctx.settings.policy.category_codes
        ],
        csv_url=f"{LIST_PATH}.csv?{query}",
        list_path=LIST_PATH,
    )


async def export_csv(request: web.Request) -> web.Response:
    fmt = formatter(request)
    _wanted, found = await _listed(request)
    headers = [
        fmt.t(title)
        for title in (
            N_("Incident"),
            N_("Status"),
            N_("Building"),
            N_("Category"),
            N_("Households"),
            N_("Cases"),
            N_("Open cases"),
            N_("First report"),
            N_("Latest report"),
            N_("Resolved at"),
        )
    ]
    rows = [
        [
            str(s.id),
            fmt.t(STATUS_NAMES[s.incident.status.value]),
            s.incident.building,
            fmt.category(s.incident.category),
            str(s.households),
            str(s.cases),
            str(s.open_cases),
            fmt.when(s.first_at),
            fmt.when(s.latest_at),
            fmt.when(s.incident.resolved_at) if s.incident.resolved_at else "",
        ]
        for s in found
    ]
    stamp = fmt.now.astimezone(ctx_of(request).settings.timezone).strftime("%Y%m%d-%H%M")
    response = web.Response(
        body=to_csv(headers, rows),
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="qingchu-incidents-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
    response.charset = "utf-8"
    return response


def _incident_id(request: web.Request) -> int:
    found = whole_number(request.match_info.get("incident_id", ""))
    if found is None:
        raise web.HTTPNotFound()
    return found


async def incident_page(request: web.Request) -> web.Response:
    return await render_incident(request, _incident_id(request))


async def render_incident(
    request: web.Request,
    incident_id: int,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    fmt = formatter(request)
    viewer = viewer_of(request)
    summary = await incident_summary(incident_id, viewer.estates)
    if summary is None:  # also another estate's incident
        raise web.HTTPNotFound()
    incident = summary.incident
    cases = await incident_cases(incident.id, viewer.estates)
    timeline = await incident_timeline(incident.id)
    done = request.query.get("done", "")
    return render(
        request,
        "incident.html",
        status=status,
        title=fmt.t("Incident #{id}", id=incident.id),
        s=summary,
        incident=incident,
        status_name=fmt.t(STATUS_NAMES[incident.status.value]),
        resolved=incident.status is IncidentStatus.RESOLVED,
        proposed=incident.status is IncidentStatus.PROPOSED,
        cases=cases,
        grid=unit_grid(c.unit for c in cases),
        words=shown(list(incident.keywords or [])),
        timeline=[(n, fmt.t(TIMELINE_NAMES.get(n.kind, n.kind))) for n in timeline],
        supervisor=viewer.at_least(Role.SUPERVISOR),
        form_key=secrets.token_urlsafe(12),
        error=error,
        done=fmt.t(TIMELINE_NAMES[done]) if done in TIMELINE_NAMES else "",
        typed=typed or {},
        incident_path=incident_path(incident.id),
        list_path=LIST_PATH,
    )


def _explain(error: DomainError, request: web.Request) -> str:
    fmt = formatter(request)
    if isinstance(error, PermissionDenied):
        return fmt.t("Your role does not allow this on this case.")
    if isinstance(error, NotFound):
        return fmt.t("No case has that number.")
    if isinstance(error, Conflict):
        return fmt.t("That case is in another incident, or the incident is resolved.")
    if isinstance(error, ValidationFailed):
        field = str(error.details.get("field", ""))
        return fmt.t(PROBLEMS.get(field, N_("Please check what you entered.")))
    return fmt.t("This could not be done.")


async def incident_action(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    incident_id = _incident_id(request)
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound()
    form = await request.post()

    def field(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    viewer = viewer_of(request)
    actor = viewer.actor
    service = ctx.cases.incidents
    key = f"web:{incident_id}:{field('form_key')[:40] or secrets.token_urlsafe(12)}"
    if await incident_summary(incident_id, viewer.estates) is None:
        raise web.HTTPNotFound()
    try:
        match action:
            case "note":
                await service.send_note(incident_id, field("note"), actor, key)
            case "resolve":
                await service.resolve(incident_id, field("resolution"), actor, key)
            case "confirm":
                await service.confirm(incident_id, actor)
            case "add":
                await service.add_case(incident_id, field("number"), actor)
            case "remove":
                await service.remove_case(incident_id, field("number"), actor)
    except DomainError as error:
        code = (
            403
            if isinstance(error, PermissionDenied)
            else 409
            if isinstance(error, Conflict)
            else 400
        )
        typed = {name: field(name) for name in ("note", "resolution", "number")}
        return await render_incident(
            request, incident_id, error=_explain(error, request), status=code, typed=typed
        )
    return see_other(f"{incident_path(incident_id)}?done={action}")
