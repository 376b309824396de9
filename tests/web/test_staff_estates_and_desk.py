"""Who works where (Admin → Staff) and where the front desk files a case when the operator sees several
estates: chosen among the estates they see, never one they do not (docs/domain.md#estates)."""

import re
from dataclasses import dataclass

import pytest

from backend.domain import Role
from backend.models import Case, Estate, Staff, StaffEstate
from backend.services.estates import staff_estate_ids
from backend.web.views_admin_staff import estates_seen
from tests.factories import make_staff
from tests.web.conftest import CSRF, Board

STAFF = "/dashboard/admin/staff"
DESK = "/dashboard/cases/new"
KEY = re.compile(r'name="client_key" value="([^"]+)"')
ESTATE_SELECT = re.compile(r'<select name="estate" required[^>]*>(.*?)</select>', re.S)


@dataclass
class Two:
    a: Estate
    b: Estate


@pytest.fixture
async def two(board) -> Two:
    now = board.ctx.clock.now()
    a = await Estate.create(code="east", name="东苑", created_at=now, updated_at=now)
    b = await Estate.create(code="west", name="西苑", created_at=now, updated_at=now)
    return Two(a, b)


async def send(board: Board, path: str, pairs: list[tuple[str, str]], page: str = STAFF):
    """Post a form with repeated fields (estate boxes), as a browser does."""
    token = CSRF.search(await board.page(page)).group(1)
    return await board.client.post(
        path, data=[("csrf_token", token), *pairs], allow_redirects=False
    )


async def sign_in_to(board: Board, role: Role, *estates: Estate) -> Staff:
    staff = await board.sign_in(role)
    for estate in estates:
        await StaffEstate.create(staff=staff, estate=estate)
    return staff


# ---- what the list shows -------------------------------------------------------------------------

NAMES = {1: "east · 东苑", 2: "west · 西苑"}


@pytest.mark.parametrize(
    ("role", "member_of", "names", "shown"),
    [
        (Role.AGENT, [2], NAMES, (None, ["west · 西苑"])),
        (Role.MANAGER, [1, 2], NAMES, (None, ["east · 东苑", "west · 西苑"])),
        (Role.MANAGER, [], NAMES, ("All estates (head office)", [])),
        (Role.ADMIN, [], NAMES, ("All estates (head office)", [])),
        (Role.AGENT, [], NAMES, (None, [])),  # named for none among several: sees nothing
        (Role.SUPERVISOR, [], {1: "east · 东苑"}, ("All estates", [])),
        (Role.MANAGER, [], {1: "east · 东苑"}, ("All estates", [])),
    ],
)
def test_the_list_shows_what_each_person_actually_sees(role, member_of, names, shown):
    assert estates_seen(role, member_of, names) == shown


# ---- Admin → Staff -------------------------------------------------------------------------------


async def test_admin_sets_an_agents_estates_and_the_list_shows_them(board, two):
    await board.sign_in(Role.ADMIN)
    agent = await make_staff(Role.AGENT, name="小李")
    page = await board.page(STAFF)
    assert f'name="estate" value="{two.a.id}"' in page and "All estates (head office)" in page

    response = await send(
        board,
        f"{STAFF}/{agent.id}/update",
        [("role", "agent"), ("department", ""), ("estate", str(two.b.id))],
    )
    assert response.status == 303, await response.text()
    assert await staff_estate_ids(agent.id) == [two.b.id]
    row = (await board.page(STAFF)).split("小李")[1].split("</tr>")[0]
    assert "west · 西苑" in row and "east · 东苑" not in row.split("<details")[0]

    response = await send(
        board,
        STAFF,
        [
            ("telegram_id", "777001"),
            ("name", "老王"),
            ("role", "supervisor"),
            ("estate", str(two.a.id)),
            ("estate", str(two.b.id)),
        ],
    )
    assert response.status == 303, await response.text()
    added = await Staff.get(telegram_id=777001)
    assert await staff_estate_ids(added.id) == [two.a.id, two.b.id]


async def test_clearing_every_box_makes_a_manager_head_office(board, two):
    await board.sign_in(Role.ADMIN)
    manager = await make_staff(Role.MANAGER, name="张经理")
    await StaffEstate.create(staff=manager, estate=two.a)
    response = await send(
        board, f"{STAFF}/{manager.id}/update", [("role", "manager"), ("department", "")]
    )
    assert response.status == 303
    assert await staff_estate_ids(manager.id) == []
    row = (await board.page(STAFF)).split("张经理")[1].split("</tr>")[0]
    assert "All estates (head office)" in row


async def test_a_forged_estate_is_refused_beside_the_field_and_nothing_is_lost(board, two):
    await board.sign_in(Role.ADMIN)
    agent = await make_staff(Role.AGENT, name="小李")
    await StaffEstate.create(staff=agent, estate=two.a)
    response = await send(
        board,
        STAFF,
        [
            ("telegram_id", "777002"),
            ("name", "新同事"),
            ("role", "agent"),
            ("estate", str(two.b.id)),
            ("estate", "99999"),
        ],
    )
    page = await response.text()
    assert response.status == 400
    assert 'id="error-add-estate"' in page and "Choose estates from the list." in page
    assert 'value="新同事"' in page and 'value="777002"' in page
    assert re.search(rf'name="estate" value="{two.b.id}" checked', page)
    assert not await Staff.exists(telegram_id=777002)

    response = await send(
        board,
        f"{STAFF}/{agent.id}/update",
        [("role", "supervisor"), ("department", ""), ("estate", "x1")],
    )
    page = await response.text()
    assert response.status == 400 and f'id="error-staff-{agent.id}-estate"' in page
    assert await staff_estate_ids(agent.id) == [two.a.id]
    assert (await Staff.get(id=agent.id)).role == Role.AGENT


async def test_with_one_estate_there_are_no_boxes(board):
    now = board.ctx.clock.now()
    await Estate.create(code="only", name="唯一", created_at=now, updated_at=now)
    await board.sign_in(Role.ADMIN)
    assert 'name="estate"' not in await board.page(STAFF)


# ---- the front desk ------------------------------------------------------------------------------


async def file_case(board: Board, **values: str):
    page = await board.page(DESK)
    data = {
        "csrf_token": CSRF.search(page).group(1),
        "client_key": KEY.search(page).group(1),
        "channel": "phone",
        "locale": "zh_CN",
        "phone": "13812345678",
        "description": "楼道灯不亮了",
        **values,
    }
    return await board.client.post(DESK, data=data, allow_redirects=False)


async def filed_case(response) -> Case:
    assert response.status == 303, await response.text()
    return await Case.get(number=response.headers["Location"].split("/")[-2])


async def test_head_office_must_choose_and_the_case_lands_in_the_chosen_estate(board, two):
    await sign_in_to(board, Role.MANAGER)
    form = ESTATE_SELECT.search(await board.page(DESK))
    assert form and "东苑" in form.group(1) and "西苑" in form.group(1)

    unchosen = await file_case(board)
    page = await unchosen.text()
    assert unchosen.status == 400 and "Choose the estate the case belongs to." in page
    assert 'id="error-estate"' in page and "楼道灯不亮了" in page
    assert await Case.all().count() == 0

    case = await filed_case(await file_case(board, estate=str(two.b.id)))
    assert case.estate_id == two.b.id
    done = await board.page(f"/dashboard/cases/{case.number}/filed")
    assert "Estate: 西苑 (west)" in done


async def test_an_operator_of_two_estates_chooses_between_them_only(board, two):
    now = board.ctx.clock.now()
    third = await Estate.create(code="north", name="北苑", created_at=now, updated_at=now)
    await sign_in_to(board, Role.AGENT, two.a, two.b)
    options = ESTATE_SELECT.search(await board.page(DESK)).group(1)
    assert "东苑" in options and "西苑" in options and "北苑" not in options

    forged = await file_case(board, estate=str(third.id))
    assert forged.status == 400 and 'id="error-estate"' in await forged.text()
    assert not await Case.filter(estate_id=third.id).exists()
    case = await filed_case(await file_case(board, estate=str(two.a.id)))
    assert case.estate_id == two.a.id


async def test_an_agent_of_a_cannot_file_into_b_by_forging_the_form(board, two):
    await sign_in_to(board, Role.AGENT, two.a)
    case = await filed_case(await file_case(board, estate=str(two.b.id)))
    assert case.estate_id == two.a.id
    assert not await Case.filter(estate_id=two.b.id).exists()


async def test_a_one_estate_operator_sees_no_select_and_files_in_their_estate(board, two):
    await sign_in_to(board, Role.AGENT, two.b)
    page = await board.page(DESK)
    assert '<select name="estate"' not in page
    assert f'<input type="hidden" name="estate" value="{two.b.id}">' in page
    case = await filed_case(await file_case(board))
    assert case.estate_id == two.b.id
    assert "Estate: 西苑 (west)" in await board.page(f"/dashboard/cases/{case.number}/filed")
