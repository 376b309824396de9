"""zh_CN (default), zh_TW and en all render every page; nothing untranslated or unfilled leaks."""

import re

import pytest

from backend.domain import Role
from backend.i18n import _

PAGES = (
    "/dashboard/",
    "/dashboard/cases",
    "/dashboard/cases/{number}",
    "/dashboard/reports",
    "/dashboard/reports/2026-11",
    "/dashboard/admin/staff",
    "/dashboard/admin/invites",
    "/dashboard/admin/departments",
    "/dashboard/admin/tokens",
)
HTML_LANG = {"zh_CN": "zh-CN", "zh_TW": "zh-TW", "en": "en"}
UNFILLED = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW", "en"])
async def test_every_page_renders_in_each_language(board, locale):
    case = await board.new_case()
    await board.sign_in(Role.ADMIN, locale=locale)
    for path in PAGES:
        page = await board.page(path.format(number=case.number))
        assert f'<html lang="{HTML_LANG[locale]}">' in page, path
        assert not UNFILLED.search(page), (path, UNFILLED.search(page))
        for label in ("Overview", "Cases", "Reports", "Administration"):
            assert f">{_(label, locale)}</a>" in page, (path, label)
    if locale != "en":
        assert re.search(r"[\u4e00-\u9fff]", page)  # Chinese text (category names at least)


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
async def test_chinese_navigation_once_translated(board, locale):
    if _("Overview", locale) == "Overview":
        pytest.skip(f"the {locale} catalog does not translate the dashboard yet (the lead adds it)")
    await board.sign_in(Role.AGENT, locale=locale)
    page = await board.page("/dashboard/")
    assert ">Overview</a>" not in page and re.search(r">[\u4e00-\u9fff]+</a>", page)


async def test_default_language_is_zh_cn_before_sign_in(board):
    response = await board.client.get("/dashboard/")
    assert '<html lang="zh-CN">' in await response.text()
    response = await board.client.get("/dashboard/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in await response.text()
