"""Words on the dashboard a manager reads as they are meant (issue 15, items 17 and 18): one label per
thing, the timeline's actors in the page's language, who has a case, dates typed in the page's format, whole
numbers on axes of counts, and a reopened case that no longer carries its old rating."""

import csv
import io
import re
from html import unescape

import pytest

from backend.domain import Role
from backend.domain.commands import AddNote, Assign, Claim, Close, Resolve, Supplement
from backend.i18n import _
from backend.models import Department
from backend.services.actors import Actor
from backend.web.charts import Series, bar_chart, count_ticks
from tests.factories import actor_for, make_staff

LOCALES = ("zh_CN", "zh_TW", "en")
DT = re.compile(r"<dt>([^<]*)</dt>")
ACTOR = re.compile(r'</div>\s*<div class="muted">([^<]*)</div>')


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_field_and_time_limit_of_a_case_has_its_own_label(board, locale):
    """ "办结" named both the resolution text and the resolve deadline."""
    await board.sign_in(Role.MANAGER, locale=locale)
    case = await board.new_case()
    await board.ctx.cases.handle(Claim(ref=case.number), actor_for(await make_staff(Role.AGENT)))
    page = await board.page(f"/dashboard/cases/{case.number}")
    labels = [unescape(label) for label in DT.findall(page)]
    assert len(labels) > 30 and len(labels) == len(set(labels)), sorted(
        label for label in labels if labels.count(label) > 1
    )
    what_was_done, deadline = _("What was done", locale), _("Resolution deadline", locale)
    assert what_was_done != deadline and {what_was_done, deadline} <= set(labels)
    assert _("Case reopened", locale) != _(
        "Reopened", locale
    )  # the timeline's action, the count of reopenings


@pytest.mark.parametrize(
    ("locale", "tenant", "system"),
    [("zh_CN", "业主", "系统"), ("zh_TW", "住戶", "系統"), ("en", "Tenant", "System")],
)
async def test_timeline_actors_are_named_in_the_page_language(board, locale, tenant, system):
    case = await board.new_case()  # filed by the system (Actor.system("test"))
    await board.ctx.cases.handle(
        Supplement(ref=case.number, location="卫生间"), Actor.tenant(case.complainant_id)
    )
    await board.ctx.cases.handle(
        Supplement(ref=case.number, expectation="尽快维修"),
        Actor.tenant(case.complainant_id, "王女士"),
    )
    staff = await board.sign_in(Role.SUPERVISOR, locale=locale, name="郑主管")
    await board.ctx.cases.handle(AddNote(ref=case.number, note="已联系楼上业主"), actor_for(staff))
    actors = ACTOR.findall(await board.page(f"/dashboard/cases/{case.number}"))
    assert actors == [system, tenant, f"{tenant} · 王女士", "郑主管"], actors
    assert not {"tenant", "system", "test", "scheduler"} & set(actors)


async def test_a_department_without_a_person_shows_just_the_department(board):
    await Department.create(code="eng", name="工程部")
    staff = await board.sign_in(Role.SUPERVISOR, locale="zh_CN", name="郑主管")
    only_department = await board.new_case(telegram_id=1)
    both = await board.new_case(telegram_id=2)
    await board.new_case(telegram_id=3)  # nobody yet
    await board.ctx.cases.handle(
        Assign(ref=only_department.number, department_code="eng"), actor_for(staff)
    )
    await board.ctx.cases.handle(
        Assign(ref=both.number, department_code="eng", staff_id=staff.id), actor_for(staff)
    )
    page = await board.page("/dashboard/cases")
    owners = {
        number: " ".join(_text(cell).split())
        for number, cell in re.findall(
            r'cases/(QC-[\d-]+)">.*?data-label="负责人">(.*?)</td>', page, re.S
        )
    }
    assert owners[only_department.number] == "工程部"
    assert owners[both.number] == "郑主管 · 工程部"
    assert list(owners.values()).count("—") == 1


@pytest.mark.parametrize(
    ("locale", "hint"), [("zh_CN", "年-月-日"), ("zh_TW", "年-月-日"), ("en", "YYYY-MM-DD")]
)
async def test_date_filters_are_text_in_the_page_format(board, locale, hint):
    await board.sign_in(Role.AGENT, locale=locale)
    page = await board.page("/dashboard/cases?from=2026-11-2&to=2026/11/23")
    fields = re.findall(
        r'<input type="(\w+)" name="(from|to)" value="([^"]*)"[^>]*placeholder="([^"]*)"', page
    )
    assert fields == [("text", "from", "2026-11-02", hint), ("text", "to", "2026-11-23", hint)]
    assert 'type="date"' not in page


async def test_a_date_that_cannot_be_read_is_said_so_and_kept(board):
    first = await board.new_case(telegram_id=1)
    board.ctx.clock.advance(days=1)
    second = await board.new_case(telegram_id=2)
    await board.sign_in(Role.AGENT, locale="zh_CN")
    page = await board.page("/dashboard/cases?from=2026年11月24日")
    assert (
        second.number in page and first.number not in page
    )  # the way people write dates in Chinese
    page = await board.page("/dashboard/cases?from=2026-13-01")
    assert "“2026-13-01”不是有效日期" in page and 'value="2026-13-01"' in page
    assert first.number in page and second.number in page  # not filtered on, and the reader is told


def test_counts_get_whole_number_ticks():
    assert count_ticks(0) == [0, 1]
    assert count_ticks(1) == [0, 1]
    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(6) == [0, 2, 4, 6]
    assert count_ticks(23) == [0, 5, 10, 15, 20, 25]
    assert count_ticks(101) == [0, 50, 100, 150]
    ratings = bar_chart(
        "本月满意度评分", ["1", "2", "3", "4", "5"], [Series("", [0, 0, 1, 0, 0])], head=["", ""]
    )
    assert [label.text for label in ratings.y_labels] == ["0", "1"]
    sla = bar_chart("SLA", ["w1"], [Series("", [50.0])], head=["", ""], percent=True)
    assert [label.text for label in sla.y_labels] == ["0%", "50%", "100%"]


async def test_the_satisfaction_tile_is_a_short_figure_with_the_answers_below(board):
    case = await board.new_case()
    agent = actor_for(await make_staff(Role.AGENT))
    await board.ctx.cases.handle(Claim(ref=case.number), agent)
    await board.ctx.cases.handle(Resolve(ref=case.number, resolution="已修好"), agent)
    await board.ctx.cases.handle(
        Close(ref=case.number, satisfaction=4), Actor.tenant(case.complainant_id)
    )
    await board.sign_in(Role.MANAGER, locale="zh_CN")
    page = await board.page("/dashboard/")
    tile = re.search(
        r'<span class="tile-value">([^<]*)</span>\s*<span class="tile-label">本月满意度</span>\s*'
        r'<span class="tile-note">([^<]*)</span>',
        page,
    )
    assert tile and tile.groups() == ("4.00 / 5", "共 1 份评价")


async def test_a_reopened_case_shows_and_exports_no_old_rating(board):
    """Item 18 on the dashboard: the case page, the list's export and the timeline after a reopen."""
    case = await board.new_case()
    agent = actor_for(await make_staff(Role.AGENT))
    await board.ctx.cases.handle(Claim(ref=case.number), agent)
    await board.ctx.cases.handle(Resolve(ref=case.number, resolution="已修好"), agent)
    await board.ctx.cases.handle(
        Close(ref=case.number, satisfaction=2, comment="修得太慢"),
        Actor.tenant(case.complainant_id),
    )
    await board.sign_in(Role.MANAGER, locale="zh_CN")

    async def exported_rating() -> str:
        response = await board.client.get("/dashboard/cases.csv")
        rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
        return rows[1][rows[0].index("满意度")]

    assert await exported_rating() == "2"
    response = await board.post(
        f"/dashboard/cases/{case.number}/reopen", {"reason": "业主来电说还在漏水"}
    )
    assert response.status == 303, await response.text()
    assert await exported_rating() == ""
    page = _text(await board.page(f"/dashboard/cases/{case.number}"))
    assert "2 / 5" not in page.split("记清楚")[0]  # the fields above the timeline
    assert "重开前的评分：2 / 5，业主意见：“修得太慢”" in page
