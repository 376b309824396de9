"""Estates in the dashboard: an agent of estate A reads nothing of estate B on any page; head office
reads both; a manager who works for named estates reads only theirs (docs/domain.md#estates)."""

import io
import re
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from backend.domain import Role, Severity, Status
from backend.models import Case, Estate, Incident, Staff, StaffEstate
from backend.services.actors import Actor
from tests.factories import tenant_draft

TILE = re.compile(r'class="tile-value">([^<]*)</span>\s*<span class="tile-label">([^<]*)<')
PHONE = "13812345678"


@dataclass
class Two:
    a: Estate
    b: Estate
    case_a: Case
    case_b: Case
    incident_a: Incident
    incident_b: Incident


@pytest.fixture
async def two(board) -> Two:
    now = board.ctx.clock.now()
    a = await Estate.create(code="east", name="东苑", created_at=now, updated_at=now)
    b = await Estate.create(code="west", name="西苑", created_at=now, updated_at=now)
    cases = []
    for estate, text, chat in ((a, "东苑电梯异响", 801), (b, "西苑门禁坏了", 802)):
        draft = tenant_draft(text, telegram_id=chat, contact_phone=PHONE, estate_id=estate.id)
        cases.append(await board.ctx.cases.submit(draft, Actor.system("test")))
    case_a, case_b = cases
    assert (case_a.estate_id, case_b.estate_id) == (a.id, b.id)
    await Case.filter(id__in=[case_a.id, case_b.id]).update(severity=Severity.MAJOR)
    incidents = [
        await Incident.create(
            category="facility", estate_id=estate.id, building=building, created_at=now
        )
        for estate, building in ((a, "east-7"), (b, "west-9"))
    ]
    return Two(a, b, case_a, case_b, *incidents)


async def sign_in_to(board, role: Role, *estates: Estate) -> Staff:
    staff = await board.sign_in(role)
    for estate in estates:
        await StaffEstate.create(staff=staff, estate=estate)
    return staff


async def without_address(response, address: str) -> str:
    """The page as the reader sees it, without its own address (the language links repeat it)."""
    return (await response.text()).replace(address, "ADDRESS")


def tiles(page: str) -> dict[str, str]:
    return {label: value for value, label in TILE.findall(page)}


async def missing_number(case: Case) -> str:
    """A case number of the same form that no case has."""
    number = case.number[:-1] + ("9" if case.number[-1] != "9" else "8")
    assert not await Case.exists(number=number)
    return number


async def test_an_agent_of_a_sees_only_a_in_the_list_exports_and_overview(board, two):
    await sign_in_to(board, Role.AGENT, two.a)
    page = await board.page("/dashboard/cases")
    assert two.case_a.number in page and two.case_b.number not in page
    assert "西苑门禁坏了" not in page
    csv = (await (await board.client.get("/dashboard/cases.csv")).read()).decode("utf-8-sig")
    assert two.case_a.number in csv and two.case_b.number not in csv
    sheet = load_workbook(
        io.BytesIO(await (await board.client.get("/dashboard/cases.xlsx")).read())
    )
    numbers = [row[0] for row in sheet.active.iter_rows(min_row=2, values_only=True)]
    assert numbers == [two.case_a.number]
    shown = tiles(await board.page("/dashboard/"))
    assert shown["Open"] == "1" and shown["Unclaimed"] == "1"
    assert shown["Major, open"] == "1" and shown["New today"] == "1"


async def test_a_case_of_b_answers_as_a_missing_case_page_and_action(board, two):
    await sign_in_to(board, Role.AGENT, two.a)
    await board.page(f"/dashboard/cases/{two.case_a.number}")
    other_number, missing_one = two.case_b.number, await missing_number(two.case_b)
    other = await board.client.get(f"/dashboard/cases/{other_number}")
    missing = await board.client.get(f"/dashboard/cases/{missing_one}")
    assert other.status == missing.status == 404
    other_text = await without_address(other, other_number)
    assert other_text == await without_address(missing, missing_one)
    assert "西苑门禁坏了" not in other_text

    claimed = await board.post(f"/dashboard/cases/{other_number}/claim", {})
    nothing = await board.post(f"/dashboard/cases/{missing_one}/claim", {})
    assert claimed.status == nothing.status == 404
    assert await without_address(claimed, other_number) == await without_address(
        nothing, missing_one
    )
    await two.case_b.refresh_from_db()
    assert two.case_b.owner_id is None and two.case_b.status is Status.NEW


async def test_an_incident_of_b_is_not_found_and_not_listed(board, two):
    await sign_in_to(board, Role.SUPERVISOR, two.a)
    listed = await board.page("/dashboard/incidents?status=all")
    assert f"/dashboard/incidents/{two.incident_a.id}" in listed
    assert f"/dashboard/incidents/{two.incident_b.id}" not in listed and "west-9" not in listed
    csv = await (await board.client.get("/dashboard/incidents.csv?status=all")).text()
    assert "east-7" in csv and "west-9" not in csv
    await board.page(f"/dashboard/incidents/{two.incident_a.id}")
    other = await board.client.get(f"/dashboard/incidents/{two.incident_b.id}")
    missing = await board.client.get("/dashboard/incidents/999999")
    assert other.status == missing.status == 404
    assert await without_address(other, f"/{two.incident_b.id}") == await without_address(
        missing, "/999999"
    )
    note = await board.post(f"/dashboard/incidents/{two.incident_b.id}/confirm", {})
    assert note.status == 404
    await two.incident_b.refresh_from_db()
    assert two.incident_b.confirmed_by == ""


async def test_the_caller_lookup_lists_only_the_viewers_estates(board, two):
    await sign_in_to(board, Role.AGENT, two.a)
    body = await (await board.client.get("/dashboard/callers", params={"phone": PHONE})).json()
    assert [c["number"] for c in body["cases"]] == [two.case_a.number]


async def test_head_office_sees_both_estates(board, two):
    await sign_in_to(board, Role.MANAGER)
    page = await board.page("/dashboard/cases")
    assert two.case_a.number in page and two.case_b.number in page
    csv = (await (await board.client.get("/dashboard/cases.csv")).read()).decode("utf-8-sig")
    assert two.case_a.number in csv and two.case_b.number in csv
    assert tiles(await board.page("/dashboard/"))["Open"] == "2"
    assert "西苑门禁坏了" in await board.page(f"/dashboard/cases/{two.case_b.number}")
    await board.page(f"/dashboard/incidents/{two.incident_b.id}")
    body = await (await board.client.get("/dashboard/callers", params={"phone": PHONE})).json()
    assert {c["number"] for c in body["cases"]} == {two.case_a.number, two.case_b.number}
    month = board.ctx.clock.now().astimezone(board.ctx.settings.timezone).strftime("%Y-%m")
    report = await board.page(f"/dashboard/reports/{month}")
    assert two.case_a.number in report and two.case_b.number in report


async def test_a_manager_of_named_estates_reports_only_on_them(board, two):
    await sign_in_to(board, Role.MANAGER, two.a)
    month = board.ctx.clock.now().astimezone(board.ctx.settings.timezone).strftime("%Y-%m")
    report = await board.page(f"/dashboard/reports/{month}")
    assert two.case_a.number in report and two.case_b.number not in report
    assert two.case_b.number not in await board.page("/dashboard/cases")


async def test_an_agent_of_no_estate_sees_nothing_once_there_are_two(board, two):
    await sign_in_to(board, Role.AGENT)
    page = await board.page("/dashboard/cases")
    assert two.case_a.number not in page and two.case_b.number not in page
    assert tiles(await board.page("/dashboard/"))["Open"] == "0"
    assert (await board.client.get(f"/dashboard/cases/{two.case_a.number}")).status == 404
