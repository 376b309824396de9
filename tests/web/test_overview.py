"""The overview counts what the API counts: the same queries, the same period."""

import re
from datetime import UTC, datetime

from backend.domain import Role, Severity
from backend.domain.commands import AddNote, Claim, Close, Resolve
from backend.services.actors import Actor
from backend.services.tokens import create_token
from backend.web.views_overview import overview_figures
from tests.factories import actor_for, make_staff


async def _month_of_cases(board):
    clock = board.ctx.clock
    cases = board.ctx.cases
    worker = await make_staff(Role.SUPERVISOR, name="郑主管")
    actor = actor_for(worker)
    clock.set(datetime(2026, 10, 30, 2, 0, tzinfo=UTC))
    await board.new_case(text="上个月的问题", telegram_id=1)  # outside this month
    clock.set(datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
    on_time = await board.new_case(text="门禁坏了", telegram_id=2)
    await cases.handle(Claim(ref=on_time.number), actor)
    await cases.handle(AddNote(ref=on_time.number, note="马上来"), actor)
    clock.advance(hours=2)
    await cases.handle(Resolve(ref=on_time.number, resolution="换了读卡器"), actor)
    await cases.handle(
        Close(ref=on_time.number, reason="confirmed", satisfaction=4, comment="好"), Actor.system()
    )
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    late = await board.new_case(text="楼道灯不亮", telegram_id=3, category="facility")
    await cases.handle(Claim(ref=late.number), actor)
    clock.advance(days=2)
    await cases.handle(Resolve(ref=late.number, resolution="换灯"), actor)
    await cases.handle(Close(ref=late.number, reason="confirmed", satisfaction=2), Actor.system())
    clock.set(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    await board.new_case(
        text="燃气味很重", telegram_id=4, severity=Severity.MAJOR, category="security"
    )
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    await board.new_case(text="噪音", telegram_id=5, category="noise")


async def test_tiles_equal_the_api_for_the_same_period(board):
    await _month_of_cases(board)
    token, _ = await create_token("ops", Role.MANAGER, board.ctx.clock.now())
    api = {"Authorization": f"Bearer {token}"}

    async def api_json(path: str):
        response = await board.client.get(path, headers=api)
        assert response.status == 200
        return await response.json()

    figures = await overview_figures(board.ctx.settings, board.ctx.clock.now())
    assert figures.month == await api_json("/api/v1/stats?from=2026-11-01&to=2026-11-23")
    assert (
        figures.open
        == (await api_json("/api/v1/cases?status=new,assigned,in_progress"))["total"]
        == 3
    )
    assert (
        figures.overdue == (await api_json("/api/v1/cases?overdue=true"))["total"] == 2
    )  # October's and the gas smell
    assert figures.major_open == 1 and figures.unclaimed == 3 and figures.new_today == 2
    assert (
        figures.month["satisfaction"]["mean"] == 3.0 and figures.month["sla"]["compliance"] == 0.5
    )

    await board.sign_in(Role.MANAGER)
    page = await board.page("/dashboard/")
    tiles = dict(
        (label, value)
        for value, label in re.findall(
            r'class="tile-value">([^<]*)</span>\s*<span class="tile-label">([^<]*)<', page
        )
    )
    assert tiles["Open"] == "3" and tiles["Unclaimed"] == "3" and tiles["Overdue"] == "2"
    assert tiles["Major, open"] == "1" and tiles["New today"] == "2"
    assert tiles["SLA compliance this month"] == "50.0%"
    assert tiles["Satisfaction this month"] == "3.00 / 5" and "Answers: 2" in page
    month = figures.month
    assert tiles["Mean time to first feedback"] == f"{month['mean_hours_to_first_feedback']:.1f} h"
    assert tiles["Mean time to resolution"] == f"{month['mean_hours_to_resolve']:.1f} h"


async def test_charts_are_inline_svg_with_table_fallbacks(board):
    await _month_of_cases(board)
    await board.sign_in(Role.AGENT)
    page = await board.page("/dashboard/")
    assert page.count("<svg") == 4 and page.count("<details>") == 4
    assert "<script" not in page and "style=" not in page  # the CSP allows neither
    assert "11-05" in page and "50%" in page  # a day of the daily chart, a week of the SLA chart


async def test_overview_with_no_cases_at_all(board):
    await board.sign_in(Role.AGENT)
    page = await board.page("/dashboard/")
    assert page.count('class="tile"') == 9 and "—" in page
