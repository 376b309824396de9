"""Administration of estates and their resident registers in the dashboard, for admins only."""

import io

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
