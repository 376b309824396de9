"""Estates compared: head office reads each estate's month side by side, on the page and in XLSX."""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from backend.domain import Role, Status
from backend.domain.enums import ResidentRole
from backend.models import Case, Estate, Resident, StaffEstate
from backend.services.actors import Actor
from backend.services.estate_stats import estate_figures
from backend.services.queries import statistics
from tests.factories import tenant_draft

PAGE = "/dashboard/estates-compared"
HEADERS = [
    "Estate",
    "Received",
    "Open now",
    "SLA compliance",
    "Mean time to first feedback",
    "Mean satisfaction",
    "Satisfaction answers",
    "Households",
    "Cases per 100 households",
]
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")


@dataclass
class Estates:
    east: Estate
    west: Estate
    south: Estate


async def _case(board, estate: Estate, chat: int, received: datetime, **fields) -> Case:
    draft = tenant_draft(f"{estate.name}的问题{chat}", telegram_id=chat, estate_id=estate.id)
    case = await board.ctx.cases.submit(draft, Actor.system("test"))
    promised = received + timedelta(days=3)
    values = dict(received_at=received, promised_resolve_at=promised) | fields
    values = {k: (v(promised) if callable(v) else v) for k, v in values.items()}
    await Case.filter(id=case.id).update(**values)
    return case


@pytest.fixture
async def estates(board) -> Estates:
    """东苑: one case resolved on time (first reply 2 h, rated 5), one late (first reply 4 h), 200 households.
    西苑: one case received this month, open (first reply 6 h), and one open since October; no register.
    南苑: no case, no register."""
    now = board.ctx.clock.now()
    east, west, south = [
        await Estate.create(code=code, name=name, created_at=now, updated_at=now)
        for code, name in (("east", "东苑"), ("west", "西苑"), ("south", "南苑"))
    ]
    nov = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    await _case(
        board,
        east,
        901,
        nov,
        status=Status.CLOSED,
        first_feedback_at=nov + timedelta(hours=2),
        resolved_at=lambda promised: promised - timedelta(hours=1),
        satisfaction=5,
    )
    await _case(
        board,
        east,
        902,
        nov,
        status=Status.RESOLVED,
        first_feedback_at=nov + timedelta(hours=4),
        resolved_at=lambda promised: promised + timedelta(hours=1),
    )
    await _case(
        board,
        west,
        903,
        now - timedelta(hours=8),
        status=Status.ASSIGNED,
        first_feedback_at=now - timedelta(hours=2),
    )
    await _case(board, west, 904, datetime(2026, 10, 15, 2, 0, tzinfo=UTC), status=Status.NEW)
    units = [(str(b), f"{b}-{u:02d}") for b in range(1, 11) for u in range(1, 21)]
    residents = [
        Resident(
            estate=east,
            building=building,
            unit=unit,
            name="业主",
            role=ResidentRole.OWNER,
            created_at=now,
            updated_at=now,
        )
        for building, unit in units
    ]
    residents.append(  # a second person of a unit is not a second household
        Resident(
            estate=east,
            building="1",
            unit="1-01",
            name="租户",
            role=ResidentRole.TENANT,
            created_at=now,
            updated_at=now,
        )
    )
    await Resident.bulk_create(residents)
    return Estates(east, west, south)


def table(page: str) -> list[list[str]]:
    """The comparison table as text: the header row, then one list per row."""
    body = page[page.index('estates-compared">') :]
    body = body[: body.index("</table>")]
    return [[TAG.sub("", cell).strip() for cell in CELL.findall(row)] for row in ROW.findall(body)]


NOVEMBER = [
    HEADERS,
    ["东苑", "2", "0", "50.0%", "3.0 h", "5.00 / 5", "1", "200", "1.00"],
    ["南苑", "0", "0", "—", "—", "—", "0", "—", "—"],  # no case, no register
    ["西苑", "1", "2", "—", "6.0 h", "—", "0", "—", "—"],
    ["All estates", "3", "2", "50.0%", "4.0 h", "5.00 / 5", "1", "200", "1.00"],
]


ZEROS = ["0", "0", "—", "—", "—", "0", "—", "—"]


async def the_deployments_own(estates: Estates) -> list[Estate]:
    """The estate a new deployment starts with (the migrations create it): no case, no register."""
    ours = [estates.east.id, estates.west.id, estates.south.id]
    return list(await Estate.exclude(id__in=ours))


async def test_head_office_reads_every_estate_and_the_total(board, estates):
    await board.sign_in(Role.MANAGER)
    page = await board.page(f"{PAGE}?month=2026-11")
    default = [[estate.name, *ZEROS] for estate in await the_deployments_own(estates)]
    assert sorted(table(page)[1:-1]) == sorted(NOVEMBER[1:-1] + default)
    assert table(page)[0] == HEADERS and table(page)[-1] == NOVEMBER[-1]
    assert 'href="/dashboard/estates-compared"' in page  # the nav link
    current = await board.page(PAGE)  # no month: this month so far
    assert "2026-11-01 to 2026-11-23" in current and table(current) == table(page)


async def test_the_workbook_holds_the_same_numbers(board, estates):
    await board.sign_in(Role.ADMIN)
    response = await board.client.get(f"{PAGE}.xlsx?month=2026-11")
    assert response.status == 200
    assert "qingchu-estates-2026-11.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await response.read())).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == HEADERS
    by_name = {row[0]: row[1:] for row in cells[1:]}
    assert by_name["东苑"] == [2, 0, 0.5, 3.0, 5.0, 1, 200, 1.0]
    assert by_name["西苑"] == [1, 2, "—", 6.0, "—", 0, "—", "—"]
    assert by_name["南苑"] == [0, 0, "—", "—", "—", 0, "—", "—"]
    assert by_name["All estates"] == [3, 2, 0.5, 4.0, 5.0, 1, 200, 1.0]
    assert len(cells) == 5 + len(await the_deployments_own(estates))


async def test_another_month_counts_the_cases_received_in_it(board, estates):
    await board.sign_in(Role.MANAGER)
    rows = {row[0]: row[1:] for row in table(await board.page(f"{PAGE}?month=2026-10"))}
    # the October case is open and past its promise; open now counts every open case
    assert rows["西苑"][:3] == ["1", "2", "0.0%"]
    assert rows["东苑"][:3] == ["0", "0", "—"]
    assert (await board.client.get(f"{PAGE}?month=2026-13")).status == 400


async def test_an_agent_is_refused(board, estates):
    await board.sign_in(Role.AGENT)
    for path in (PAGE, f"{PAGE}.xlsx", f"{PAGE}?month=2026-11"):
        assert (await board.client.get(path)).status == 403, path
    assert 'href="/dashboard/estates-compared"' not in await board.page("/dashboard/")


async def test_a_manager_of_one_estate_sees_only_its_row(board, estates):
    staff = await board.sign_in(Role.MANAGER)
    await StaffEstate.create(staff=staff, estate=estates.east)
    page = await board.page(f"{PAGE}?month=2026-11")
    assert table(page)[1:] == [
        NOVEMBER[1],
        ["All estates", "2", "0", "50.0%", "3.0 h", "5.00 / 5", "1", "200", "1.00"],
    ]
    assert "西苑" not in page and "南苑" not in page
    sheet = load_workbook(
        io.BytesIO(await (await board.client.get(f"{PAGE}.xlsx?month=2026-11")).read())
    ).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
        "Estate",
        "东苑",
        "All estates",
    ]


async def test_cases_of_no_estate_have_their_own_row_for_head_office_only(board, estates):
    stray = await _case(board, estates.west, 905, datetime(2026, 11, 11, 2, 0, tzinfo=UTC))
    await Case.filter(id=stray.id).update(estate_id=None, status=Status.CLOSED)
    await board.sign_in(Role.MANAGER)
    rows = {row[0]: row[1:] for row in table(await board.page(f"{PAGE}?month=2026-11"))}
    assert rows["No estate"][:2] == ["1", "0"]
    assert rows["All estates"][:2] == ["4", "2"]
    staff = await board.sign_in(Role.MANAGER)
    await StaffEstate.create(staff=staff, estate=estates.west)
    rows = {row[0]: row[1:] for row in table(await board.page(f"{PAGE}?month=2026-11"))}
    assert list(rows) == ["Estate", "西苑", "All estates"]


async def test_the_total_row_agrees_with_the_statistics_of_every_case(board, estates):
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    now = board.ctx.clock.now()
    total = (await estate_figures(start, end, now))[-1]
    stats = await statistics(start, end, now)
    assert total.is_total and total.received == stats["total"] == 3
    assert total.sla_compliance == stats["sla"]["compliance"] == 0.5
    assert total.mean_hours_to_first_reply == stats["mean_hours_to_first_feedback"] == 4.0
    assert total.satisfaction_mean == stats["satisfaction"]["mean"] == 5.0
