"""Monthly reports in the dashboard: managers and administrators only."""

import io

from openpyxl import load_workbook

from backend.domain import Role, Severity


async def test_agents_and_supervisors_are_refused_reports(board):
    for role in (Role.AGENT, Role.SUPERVISOR):
        await board.sign_in(role)
        for path in (
            "/dashboard/reports",
            "/dashboard/reports/2026-11",
            "/dashboard/reports/2026-11.xlsx",
        ):
            response = await board.client.get(path)
            assert response.status == 403, (role, path)
        assert 'href="/dashboard/reports"' not in await board.page("/dashboard/")


async def test_manager_views_and_downloads_a_month(board):
    await board.new_case(text="燃气味很重", severity=Severity.MAJOR, category="security")
    await board.sign_in(Role.MANAGER)
    listing = await board.page("/dashboard/reports")
    assert "/dashboard/reports/2026-11" in listing and "/dashboard/reports/2026-11.xlsx" in listing
    page = await board.page("/dashboard/reports/2026-11")
    assert "燃气味很重" in page and "QC-20261123-0001" in page
    response = await board.client.get("/dashboard/reports/2026-11.xlsx")
    assert (
        response.status == 200
        and "qingchu-report-2026-11.xlsx" in response.headers["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(await response.read()))
    assert len(workbook.sheetnames) >= 5
    assert (await board.client.get("/dashboard/reports/2026-13")).status == 404
