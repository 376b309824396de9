"""The API by estate: a token limited to estate A neither reads nor acts on estate B's cases."""

from datetime import UTC, datetime

from backend.domain import Role
from backend.models import Case, Estate
from backend.services.tokens import create_token

NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def test_a_token_of_one_estate_sees_and_files_only_there(api):
    client = api
    first = await Estate.create(code="A1", name="甲小区", created_at=NOW, updated_at=NOW)
    second = await Estate.create(code="B1", name="乙小区", created_at=NOW, updated_at=NOW)
    everything, _ = await create_token("总部", Role.MANAGER, NOW)
    only_a, _ = await create_token("甲物业", Role.AGENT, NOW, [first.id])
    head = {"Authorization": f"Bearer {everything}"}
    agent = {"Authorization": f"Bearer {only_a}"}
    response = await client.post(
        "/api/v1/cases", json={"description": "乙小区3栋电梯坏了", "estate": "b1"}, headers=head
    )
    assert response.status == 201
    theirs = await response.json()
    assert theirs["estate_id"] == second.id
    response = await client.post(
        "/api/v1/cases", json={"description": "甲小区路灯不亮"}, headers=agent
    )
    ours = await response.json()
    assert response.status == 201 and ours["estate_id"] == first.id  # the token's estate
    response = await client.post(
        "/api/v1/cases", json={"description": "x", "estate": "B1"}, headers=agent
    )
    assert (
        response.status == 400 and (await response.json())["error"]["details"]["field"] == "estate"
    )
    listed = await (await client.get("/api/v1/cases", headers=agent)).json()
    assert [item["number"] for item in listed["items"]] == [ours["number"]]
    both = await (await client.get("/api/v1/cases", headers=head)).json()
    assert both["total"] == 2
    missing = await client.get("/api/v1/cases/QC-20990101-0001", headers=agent)
    hidden = await client.get(f"/api/v1/cases/{theirs['number']}", headers=agent)
    assert hidden.status == missing.status == 404
    acted = await client.post(
        f"/api/v1/cases/{theirs['number']}/note", json={"note": "看看"}, headers=agent
    )
    assert acted.status == 404
    assert (await Case.get(number=theirs["number"])).updated_at.isoformat() == theirs["updated_at"]
