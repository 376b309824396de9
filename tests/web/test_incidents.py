"""The dashboard's incidents: list with filters and CSV, and the page that sends one note to every tenant,
resolves the incident, confirms it, and adds or removes cases."""

import re

from backend.domain import Role, Status
from backend.models import Case, CaseEvent, Incident, IncidentStatus, OutboxMessage
from backend.services.actors import Actor
from tests.factories import tenant_draft

KEY = re.compile(r'name="form_key" value="([^"]+)"')


async def outage(
    board, building: str = "12", count: int = 3, category: str = "facility"
) -> Incident:
    for i in range(count):
        await board.ctx.cases.submit(
            tenant_draft(
                "停水了，什么时候来水",
                telegram_id=5000 + i + int(building) * 100,
                unit=f"{building}-1-{101 + i}",
                category=category,
            ),
            Actor.system("test"),
        )
    return await Incident.get(building=building)


async def test_the_list_filters_and_exports(board):
    water = await outage(board, "12")
    other = await outage(board, "14")
    await board.sign_in(Role.AGENT)
    page = await board.page("/dashboard/incidents")
    assert (
        f'/dashboard/incidents/{water.id}"' in page and f'/dashboard/incidents/{other.id}"' in page
    )
    page = await board.page("/dashboard/incidents?building=14")
    assert (
        f'/dashboard/incidents/{water.id}"' not in page
        and f'/dashboard/incidents/{other.id}"' in page
    )
    page = await board.page("/dashboard/incidents?status=resolved")
    assert "No incidents match these filters." in page
    response = await board.client.get("/dashboard/incidents.csv?status=all")
    body = (await response.read()).decode("utf-8-sig")
    assert response.status == 200 and body.splitlines()[0].startswith("Incident,Status,Building")
    assert len(body.splitlines()) == 3


async def test_one_note_from_the_page_goes_to_every_tenant_once_even_when_posted_twice(board):
    incident = await outage(board)
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/incidents/{incident.id}")
    assert "Proposed" in page and "12-1-101" in page and "3" in page
    key = KEY.search(page).group(1)
    form = {"note": "预计18:00恢复供水", "form_key": key}
    for _ in range(2):  # a double click
        response = await board.post(f"/dashboard/incidents/{incident.id}/note", form)
        assert response.status == 303
    assert await CaseEvent.filter(action="note", public=True).count() == 3
    assert await OutboxMessage.filter(kind="tenant_update").count() == 3
    page = await board.page(f"/dashboard/incidents/{incident.id}")
    assert "预计18:00恢复供水" in page and "Progress note to every tenant" in page


async def test_an_agent_cannot_remove_a_case_and_a_supervisor_can(board):
    incident = await outage(board, count=4)
    case = await Case.filter(incident_id=incident.id).order_by("-id").first()
    await board.sign_in(Role.AGENT)
    response = await board.post(
        f"/dashboard/incidents/{incident.id}/remove", {"number": case.number}
    )
    assert response.status == 403
    await board.sign_in(Role.SUPERVISOR)
    response = await board.post(
        f"/dashboard/incidents/{incident.id}/remove", {"number": case.number}
    )
    assert response.status == 303
    await case.refresh_from_db()
    assert case.incident_id is None
    assert await OutboxMessage.filter(case_id=case.id, kind="staff_card").count() == 1
    response = await board.post(f"/dashboard/incidents/{incident.id}/add", {"number": "nope"})
    assert response.status == 404 or "No case has that number." in await response.text()
    response = await board.post(f"/dashboard/incidents/{incident.id}/add", {"number": case.number})
    assert response.status == 303
    await case.refresh_from_db()
    assert case.incident_id == incident.id


async def test_confirm_and_resolve_from_the_page(board):
    incident = await outage(board)
    await board.sign_in(Role.SUPERVISOR)
    assert (await board.post(f"/dashboard/incidents/{incident.id}/confirm", {})).status == 303
    assert (await Incident.get()).status is IncidentStatus.CONFIRMED
    response = await board.post(f"/dashboard/incidents/{incident.id}/resolve", {"resolution": ""})
    assert response.status == 400 and "Please describe what was done" in await response.text()
    response = await board.post(
        f"/dashboard/incidents/{incident.id}/resolve", {"resolution": "管道已修复，供水恢复"}
    )
    assert response.status == 303
    assert {c.status for c in await Case.filter(incident_id=incident.id)} == {Status.RESOLVED}
    page = await board.page(f"/dashboard/incidents/{incident.id}")
    assert "This incident is resolved." in page and "管道已修复，供水恢复" in page


async def test_the_page_shows_where_in_the_building_the_reports_come_from(board):
    incident = await outage(board, "12", count=3)  # 12-1-101, 12-1-102, 12-1-103
    await board.ctx.cases.submit(
        tenant_draft("我家也停水了", telegram_id=7001, unit="12-2-502"), Actor.system("test")
    )
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/incidents/{incident.id}")
    grid = page[page.index('class="unit-grid"') : page.index("</table>", page.index("unit-grid"))]
    floors = re.findall(r'<th scope="row">(\d+)</th>', grid)
    assert floors == ["5", "4", "3", "2", "1"]  # top first, every floor between
    assert grid.count('class="hit"') == 4
