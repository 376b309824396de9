"""Administration of estates and their resident registers in the dashboard, for admins only."""

import io
from dataclasses import replace

import pytest
from aiohttp import FormData
from openpyxl import load_workbook

from backend.domain import Role
from backend.models import Estate, Resident
from backend.services.estates import add_estate

ESTATES = "/dashboard/admin/estates"
HEADER = "building,unit,name,phone,role\n"


async def _estate(board, code: str = "park", name: str = "阳光花园"):
    return await add_estate(code, name, board.ctx.clock.now(), board.ctx.settings)


async def _upload(board, code: str, text: str, mode: str, token: str | None = None):
    form = FormData()
    form.add_field("csrf_token", token or await board.csrf(ESTATES))
    form.add_field("mode", mode)
    form.add_field("file", text.encode(), filename="register.csv", content_type="text/csv")
    return await board.client.post(f"{ESTATES}/{code}/residents", data=form, allow_redirects=False)


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
async def test_other_roles_are_refused_every_estate_page_and_form(board, role):
    await _estate(board)
    await board.sign_in(role)
    for path in (ESTATES, f"{ESTATES}/park/residents", f"{ESTATES}/park/residents.xlsx"):
        response = await board.client.get(path, allow_redirects=False)
        assert response.status == 403, path
    token = await board.csrf()
    assert (await board.post(ESTATES, {"code": "x", "name": "x"}, token=token)).status == 403
    edit = await board.post(f"{ESTATES}/park", {"name": "改名"}, token=token)
    assert edit.status == 403
    upload = await _upload(board, "park", HEADER + "3,1202,张三,,owner\n", "import", token)
    assert upload.status == 403
    assert await Estate.filter(code="x").count() == 0
    assert (await Estate.get(code="park")).name == "阳光花园"
    assert await Resident.all().count() == 0


async def test_admin_adds_and_edits_an_estate(board):
    await board.sign_in(Role.ADMIN)
    assert 'href="/dashboard/admin/estates"' in await board.page("/dashboard/admin/staff")
    response = await board.post(
        ESTATES,
        {
            "code": "park",
            "name": "阳光花园",
            "staff_chat_id": "-1001234",
            "timezone": "Asia/Hong_Kong",
        },
    )
    assert response.status == 303 and response.headers["Location"] == f"{ESTATES}?saved=park"
    page = await board.page(response.headers["Location"])
    assert "Estate park saved." in page and "阳光花园" in page and "-1001234" in page
    estate = await Estate.get(code="park")
    assert estate.staff_chat_id == -1001234 and estate.timezone == "Asia/Hong_Kong"

    response = await board.post(
        f"{ESTATES}/park", {"name": "阳光花园二期", "duty_phone": "020-12345678", "timezone": ""}
    )
    assert response.status == 303
    estate = await Estate.get(code="park")
    assert (estate.name, estate.duty_phone, estate.timezone) == ("阳光花园二期", "020-12345678", "")
    assert estate.staff_chat_id is None and not estate.active  # fields left empty, box unticked
    page = await board.page(ESTATES)
    assert "STAFF_CHAT_ID" in page and "Inactive" in page


async def test_a_taken_code_is_refused_beside_the_code(board):
    await _estate(board)
    before = await Estate.all().count()
    await board.sign_in(Role.ADMIN)
    response = await board.post(ESTATES, {"code": "PARK", "name": "另一个"})
    page = await response.text()
    assert response.status == 400
    assert 'id="error-add-code">Another estate already uses this code.' in page
    assert 'value="另一个"' in page
    assert await Estate.all().count() == before


async def test_a_bad_time_zone_is_shown_beside_the_field_and_nothing_typed_is_lost(board):
    await board.sign_in(Role.ADMIN)
    response = await board.post(
        ESTATES,
        {"code": "park", "name": "阳光花园", "address": "中山路1号", "timezone": "Mars/Base"},
    )
    page = await response.text()
    assert response.status == 400
    assert 'id="error-add-timezone">Unknown time zone.' in page
    assert 'aria-describedby="error-add-timezone"' in page
    for typed in ('value="park"', 'value="阳光花园"', 'value="中山路1号"', 'value="Mars/Base"'):
        assert typed in page
    assert await Estate.filter(code="park").count() == 0

    await _estate(board)
    response = await board.post(f"{ESTATES}/park", {"name": "新名", "timezone": "Nowhere"})
    page = await response.text()
    assert response.status == 400 and 'id="error-edit-park-timezone"' in page
    assert 'value="新名"' in page
    assert (await Estate.get(code="park")).name == "阳光花园"


async def test_a_dry_run_lists_bad_rows_by_line_and_writes_nothing(board):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    text = HEADER + "3,1202,张三,13812345678,owner\n3,1203,李四,12345,tenant\n3,1204,王五,,guest\n"
    response = await _upload(board, "park", text, "check")
    page = await response.text()
    assert response.status == 400
    assert "line 3: phone: Phone 12345 is not a valid number" in page
    assert "line 4: role:" in page
    assert "Nothing was imported: 2 problems." in page
    assert await Resident.all().count() == 0


async def test_check_only_counts_then_import_writes_and_the_list_masks_phones(board):
    estate = await _estate(board)
    await board.sign_in(Role.ADMIN)
    text = HEADER + "3,1202,张三,13812345678,owner\n3,1202,李四,,tenant\n5,101,王五,,shop\n"
    checked = await (await _upload(board, "park", text, "check")).text()
    assert "Check only: 3 would be added, 0 updated, 0 unchanged. Nothing was saved." in checked
    assert await Resident.all().count() == 0

    response = await _upload(board, "park", text, "import")
    assert response.status == 200
    assert "Imported: 3 added, 0 updated, 0 unchanged." in await response.text()
    assert await Resident.filter(estate_id=estate.id).count() == 3
    page = await board.page(f"{ESTATES}/park/residents")
    assert "3 residents in 2 units" in page
    assert "138****5678" in page and "13812345678" not in page
    assert "Owner" in page and "Shop" in page


async def test_a_file_that_is_no_register_is_refused_politely(board):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    form = FormData()
    form.add_field("csrf_token", await board.csrf(ESTATES))
    form.add_field("mode", "import")
    form.add_field("file", b"%PDF-1.4 ...", filename="r.csv", content_type="text/csv")
    response = await board.client.post(f"{ESTATES}/park/residents", data=form)
    assert response.status == 400
    assert "This is not a CSV or Excel (.xlsx) file." in await response.text()


async def test_the_register_exports_as_xlsx_that_imports_back_unchanged(board):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    await _upload(board, "park", HEADER + "3,1202,张三,13812345678,owner\n", "import")
    response = await board.client.get(f"{ESTATES}/park/residents.xlsx")
    assert response.status == 200
    assert response.content_type.endswith("spreadsheetml.sheet")
    assert "residents-park.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await response.read())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["building", "unit", "name", "phone", "role"]
    assert rows[1][:3] == ["3", "1202", "张三"] and rows[1][4] == "owner"
    form = FormData()
    form.add_field("csrf_token", await board.csrf(ESTATES))
    form.add_field("mode", "check")
    form.add_field("file", await response.read(), filename="back.xlsx")
    again = await board.client.post(f"{ESTATES}/park/residents", data=form)
    assert "0 would be added, 0 updated, 1 unchanged" in await again.text()
    assert (await board.client.get(f"{ESTATES}/nowhere/residents")).status == 404


@pytest.fixture
def named_bot(board):
    board.ctx.settings = replace(board.ctx.settings, bot_username="qingchu_bot")


@pytest.mark.parametrize(
    ("kind", "content_type", "magic"),
    [("png", "image/png", b"\x89PNG\r\n\x1a\n"), ("pdf", "application/pdf", b"%PDF")],
)
async def test_an_admin_downloads_the_lobby_poster(board, named_bot, kind, content_type, magic):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    page = await board.page(ESTATES)
    assert f'href="{ESTATES}/park/poster.{kind}?locale=en"' in page
    assert "https://t.me/qingchu_bot?start=park" in page
    response = await board.client.get(f"{ESTATES}/park/poster.{kind}?locale=zh_TW")
    assert response.status == 200
    assert response.content_type == content_type
    assert (await response.read()).startswith(magic)
    assert "poster-park-zh_TW" in response.headers["Content-Disposition"]
    assert (await board.client.get(f"{ESTATES}/nowhere/poster.{kind}")).status == 404


async def test_other_roles_get_no_poster(board, named_bot):
    await _estate(board)
    await board.sign_in(Role.MANAGER)
    assert (await board.client.get(f"{ESTATES}/park/poster.png")).status == 403


async def test_without_a_bot_username_the_poster_page_says_to_set_it(board):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    response = await board.client.get(f"{ESTATES}/park/poster.pdf")
    assert response.status == 400
    assert "Please set BOT_USERNAME" in await response.text()


async def test_an_admin_sets_and_clears_the_opening_hours(board):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    assert "policy" in await board.page(ESTATES)
    form = {"name": "阳光花园", "active": "on", "opens": "8:00", "closes": "20:00"}
    response = await board.post(f"{ESTATES}/park", {**form, "closed_on": "2027-01-01, 2027-02-17"})
    assert response.status == 303
    estate = await Estate.get(code="park")
    assert estate.business_hours == {
        "start": "08:00",
        "end": "20:00",
        "holidays": ["2027-01-01", "2027-02-17"],
    }
    page = await board.page(ESTATES)
    assert "08:00–20:00" in page and 'value="2027-01-01, 2027-02-17"' in page
    response = await board.post(f"{ESTATES}/park", {"name": "阳光花园", "active": "on"})
    assert response.status == 303
    assert (await Estate.get(code="park")).business_hours == {}


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"opens": "25:00"}, "opens", "Enter a time such as 08:00"),
        ({"opens": "20:00", "closes": "08:00"}, "closes", "The closing time must be later"),
        ({"closed_on": "2027-01-01, 2027-13-01"}, "closed_on", "Enter dates such as 2027-01-01"),
    ],
)
async def test_bad_opening_hours_are_shown_beside_the_field(board, typed, field, message):
    await _estate(board)
    await board.sign_in(Role.ADMIN)
    response = await board.post(f"{ESTATES}/park", {"name": "新名", "active": "on", **typed})
    page = await response.text()
    assert response.status == 400
    assert f'id="error-edit-park-{field}">{message}' in page
    for value in typed.values():
        assert f'value="{value}"' in page
    estate = await Estate.get(code="park")
    assert estate.name == "阳光花园" and estate.business_hours == {}


async def test_the_filed_page_gives_the_duty_phone_of_the_cases_estate(board):
    estate = await add_estate(
        "park", "阳光花园", board.ctx.clock.now(), board.ctx.settings, duty_phone="020-88886666"
    )
    case = await board.new_case(estate_id=estate.id)
    case.triage = {**(case.triage or {}), "emergency": True, "triggers": ["fire"]}
    await case.save()
    await board.sign_in(Role.ADMIN)
    page = await board.page(f"/dashboard/cases/{case.number}/filed")
    assert "Duty phone: 020-88886666" in page and "400-800-1234" not in page
