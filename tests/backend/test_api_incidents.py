"""GET /api/v1/incidents and /api/v1/incidents/{id} (the issue's contract: a manager token lists the
incidents, each with its case numbers)."""

from backend.domain import Role
from backend.services.actors import Actor
from tests.factories import tenant_draft


async def outage(api, building: str = "12", first_id: int = 900) -> list[str]:
    numbers = []
    for i, text in enumerate(["停水了", "家里没水了", "断水了怎么回事", "No water since noon"]):
        draft = tenant_draft(text, telegram_id=first_id + i, unit=f"{building}-1-{101 + i}")
        numbers.append((await api.ctx.cases.submit(draft, Actor.system())).number)
    return numbers


async def test_a_manager_lists_incidents_with_their_case_numbers(api):
    numbers = await outage(api)
    other = await outage(api, building="7", first_id=950)
    response = await api.get("/api/v1/incidents", headers=await api.auth(Role.MANAGER))
    assert response.status == 200
    items = (await response.json())["items"]
    assert [item["cases"] for item in items] == [other, numbers]  # newest first
    newest = items[0]
    assert (newest["building"], newest["status"], newest["households"]) == ("7", "proposed", 4)
    assert newest["open_cases"] == 4 and newest["created_at"]
    only = await api.get(
        "/api/v1/incidents?building=12&status=open", headers=await api.auth(Role.MANAGER)
    )
    assert [item["cases"] for item in (await only.json())["items"]] == [numbers]


async def test_one_incident_with_its_timeline(api):
    numbers = await outage(api)
    listed = await api.get("/api/v1/incidents", headers=await api.auth(Role.MANAGER))
    incident_id = (await listed.json())["items"][0]["id"]
    response = await api.get(f"/api/v1/incidents/{incident_id}", headers=await api.auth())
    body = await response.json()
    assert response.status == 200 and body["cases"] == numbers and body["id"] == incident_id
    assert isinstance(body["timeline"], list)


async def test_bad_requests_are_told_apart(api):
    headers = await api.auth(Role.MANAGER)
    assert (await api.get("/api/v1/incidents")).status == 401
    for path in ("/api/v1/incidents/999", "/api/v1/incidents/abc", "/api/v1/incidents/-1"):
        response = await api.get(path, headers=headers)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    for query in ("status=closed", "limit=0", "limit=x", "building=" + "9" * 40):
        response = await api.get(f"/api/v1/incidents?{query}", headers=headers)
        assert response.status == 400, query
    assert (await api.get("/api/v1/incidents?status=resolved", headers=headers)).status == 200
