"""The dashboard in a real browser (Chromium through Playwright), served on 127.0.0.1.

Without Chromium these tests skip with the reason; with CI set, a missing browser fails instead.
Screenshots land in tests/artifacts/ for a person to look at.
"""

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from backend.api.app import create_app
from backend.context import AppContext
from backend.domain import Role, Severity
from backend.domain.commands import Assign, Close, Resolve, Supplement
from backend.models import ApiToken, CaseEvent, Department
from backend.services.actors import Actor
from backend.services.signin import create_sign_in_link
from backend.services.tokens import hash_token
from tests.conftest import FakeTriage
from tests.factories import actor_for, make_staff, tenant_draft

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture
async def browser():
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    executable = chromium_path()
    if executable is None:
        _unavailable(
            "Chromium not found: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def served(settings, clock) -> AsyncIterator[tuple[str, AppContext]]:
    ctx = AppContext.build(settings, clock, classify=lambda text: FakeTriage())
    runner = web.AppRunner(create_app(ctx), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}", ctx
    finally:
        await runner.cleanup()


async def _seed(ctx: AppContext) -> str:
    """A month of varied cases, so the charts have something to draw; returns one case number."""
    clock, cases = ctx.clock, ctx.cases
    await Department.create(code="eng", name="工程部")
    await Department.create(code="clean", name="保洁部")
    worker = actor_for(await make_staff(Role.SUPERVISOR, name="郑主管"))
    categories = ["facility", "environment", "noise", "security", "parking", "billing"]
    for day in range(1, 23):
        clock.set(datetime(2026, 11, day, 2, 0, tzinfo=UTC))
        for n in range(day % 3 + 1):
            case = await cases.submit(
                tenant_draft(
                    f"第{day}日问题{n}：楼道灯不亮",
                    telegram_id=1000 + day * 10 + n,
                    category=categories[(day + n) % len(categories)],
                ),
                Actor.system(),
            )
            if (day + n) % 2:
                await cases.handle(
                    Assign(
                        ref=case.number, department_code="eng" if n else "clean", staff_id=worker.id
                    ),
                    worker,
                )
                if day < 20:
                    clock.advance(hours=(day % 4) * 10)
                    await cases.handle(Resolve(ref=case.number, resolution="已处理"), worker)
                    await cases.handle(
                        Close(ref=case.number, satisfaction=(day + n) % 5 + 1), Actor.system()
                    )
                    clock.set(datetime(2026, 11, day, 2, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 23, 1, 30, tzinfo=UTC))
    case = await cases.submit(
        tenant_draft(
            "3栋1202卫生间天花板漏水，滴到地板上了，楼上没人在家 <img src=x onerror=alert(1)>",
            telegram_id=42,
            expectation="尽快找到楼上业主并维修",
            location="卫生间天花板",
            severity=Severity.IMPORTANT,
        ),
        Actor.system(),
    )
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return case.number


async def _no_horizontal_scroll(page, viewport: dict = PHONE) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width}px"


async def test_sign_in_overview_action_and_phone_layout(browser, served):
    base, ctx = served
    number = await _seed(ctx)
    manager = await make_staff(Role.MANAGER, name="赵经理", locale="zh_CN")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    desktop = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await desktop.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: problems.append(f"dialog {d.message}"))

    link = await create_sign_in_link(manager, ctx.settings, ctx.clock.now())
    await page.goto(link.replace(ctx.settings.base_url, base))
    assert page.url == f"{base}/dashboard/"
    assert await page.locator(".tile").count() == 9
    assert await page.locator("svg").count() == 4
    assert "赵经理" in await page.locator("header").inner_text()
    await page.screenshot(path=str(ARTIFACTS / "overview-desktop.png"), full_page=True)

    await page.goto(f"{base}/dashboard/cases/{number}")
    assert "<img src=x onerror=alert(1)>" in await page.locator(".fields").first.inner_text()
    note = page.locator("form[action$='/note']")
    await note.locator("textarea[name=note]").fill("师傅今天下午三点上门查看")
    await note.locator("input[value=tenant]").check()
    await note.locator("button[type=submit]").click()
    await page.wait_for_url(f"{base}/dashboard/cases/{number}?done=note")
    assert "师傅今天下午三点上门查看" in await page.locator(".timeline").inner_text()
    assert await CaseEvent.filter(
        action="note", note="师傅今天下午三点上门查看", public=True
    ).exists()
    await page.screenshot(path=str(ARTIFACTS / "case-desktop.png"), full_page=True)

    phone = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        storage_state=await desktop.storage_state(),
    )
    small = await phone.new_page()
    small.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for path, shot in (
        ("/dashboard/", "overview-phone.png"),
        (f"/dashboard/cases/{number}", "case-phone.png"),
        ("/dashboard/cases", "cases-phone.png"),
        ("/dashboard/reports/2026-11", None),
    ):
        await small.goto(base + path)
        await _no_horizontal_scroll(small)
        if shot:  # the list is long: its first screens are enough to judge the cards
            clip = (
                {"x": 0, "y": 0, "width": PHONE["width"], "height": 1600}
                if shot == "cases-phone.png"
                else None
            )
            await small.screenshot(path=str(ARTIFACTS / shot), full_page=True, clip=clip)
    await page.goto(f"{base}/dashboard/cases")
    await page.screenshot(path=str(ARTIFACTS / "cases-desktop.png"), full_page=True)
    assert not problems, problems  # no CSP violation, no script error, no alert
    await phone.close()
    await desktop.close()


async def test_switching_language_in_the_browser(browser, served):
    base, ctx = served
    agent = await make_staff(Role.AGENT, name="孙客服", locale="zh_CN")
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(
        (await create_sign_in_link(agent, ctx.settings, ctx.clock.now())).replace(
            ctx.settings.base_url, base
        )
    )
    await page.locator("form.languages button[value=en]").click()
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert "Overview" in await page.locator("nav.main-nav").inner_text()
    await context.close()


async def test_admin_creates_a_token_and_the_staff_page_fits_a_phone(browser, served):
    base, ctx = served
    await Department.create(code="eng", name="工程维修部")
    await Department.create(code="clean", name="保洁部")
    admin = await make_staff(Role.ADMIN, name="周管理员", locale="zh_CN")
    await make_staff(
        Role.SUPERVISOR,
        name="郑主管",
        phone="13812345678",
        department=await Department.get(code="eng"),
        on_duty=True,
    )
    await make_staff(Role.AGENT, name="<script>alert(1)</script>", telegram_id=9_876_543_210_123)
    await make_staff(
        Role.MANAGER,
        name="欧阳经理（负责三期物业全部楼栋）",
        active=False,
        department=await Department.get(code="clean"),
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    context = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = await context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: problems.append(f"dialog {d.message}"))
    await page.goto(
        (await create_sign_in_link(admin, ctx.settings, ctx.clock.now())).replace(
            ctx.settings.base_url, base
        )
    )
    await page.locator("nav.main-nav a[href='/dashboard/admin']").click()
    await page.wait_for_url(f"{base}/dashboard/admin/staff")

    await page.goto(f"{base}/dashboard/admin/tokens")
    form = page.locator("form[action='/dashboard/admin/tokens']")
    await form.locator("input[name=name]").fill("每周导出")
    await form.locator("select[name=role]").select_option("manager")
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    plaintext = (await page.locator("#secret").inner_text()).strip()
    assert plaintext.startswith("qc_")
    token = await ApiToken.get(name="每周导出")
    assert token.token_hash == hash_token(plaintext) and token.role == Role.MANAGER
    await _no_horizontal_scroll(page)
    await page.screenshot(path=str(ARTIFACTS / "admin-token-phone.png"), full_page=True)
    await page.goto(f"{base}/dashboard/admin/tokens")
    assert plaintext not in await page.content()
    await _no_horizontal_scroll(page)

    for path in (
        "/dashboard/admin/invites",
        "/dashboard/admin/departments",
        "/dashboard/admin/staff",
    ):
        await page.goto(base + path)
        await _no_horizontal_scroll(page)
    assert "<script>alert(1)</script>" in await page.locator("table.staff").inner_text()
    await page.locator("table.staff tr", has_text="郑主管").locator("summary").click()
    await _no_horizontal_scroll(page)
    await page.screenshot(path=str(ARTIFACTS / "admin-staff-phone.png"), full_page=True)
    desktop = await browser.new_context(
        viewport=DESKTOP, locale="zh-CN", storage_state=await context.storage_state()
    )
    wide = await desktop.new_page()
    await wide.goto(f"{base}/dashboard/admin/staff")
    await wide.screenshot(path=str(ARTIFACTS / "admin-staff-desktop.png"), full_page=True)
    assert not problems, problems  # no CSP violation, no script error, no alert
    await desktop.close()
    await context.close()


# ---- layout at 1280 px and 390 px (issue 15, item 17) ------------------------------------------------

# The number of text lines an element's content takes (rects of one line overlap vertically).
LINES_JS = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0).sort((a, b) => a.top - b.top);
  let lines = 0, bottom = -Infinity;
  for (const r of rects) {
    if (r.top >= bottom - 2) { lines += 1; bottom = r.bottom; } else { bottom = Math.max(bottom, r.bottom); }
  }
  return lines;
}"""
LONG_TEXT = (
    "12栋2单元楼道的声控灯坏了快两个星期了，晚上下楼梯完全看不见，老人小孩上下楼很危险，"
    "之前打过电话说会来修但一直没人来，请尽快安排师傅更换灯泡并检查线路"
)


async def _signed_in(
    browser, ctx: AppContext, base: str, locale: str, viewport: dict, browser_locale: str = "zh-CN"
):
    manager = await make_staff(Role.MANAGER, name="赵经理", locale=locale)
    phone = viewport == PHONE
    context = await browser.new_context(
        viewport=viewport,
        locale=browser_locale,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = await context.new_page()
    await page.goto(
        (await create_sign_in_link(manager, ctx.settings, ctx.clock.now())).replace(
            ctx.settings.base_url, base
        )
    )
    return context, page


async def _lines(locator) -> list[int]:
    return [await cell.evaluate(LINES_JS) for cell in await locator.all()]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
async def test_case_list_keeps_numbers_categories_and_statuses_on_one_line(
    browser, served, locale, viewport
):
    base, ctx = served
    await _seed(ctx)
    worker = actor_for(await make_staff(Role.SUPERVISOR, name="欧阳主管（三期工程）"))
    for n in range(
        6
    ):  # long descriptions, long names, overdue badges: what squeezed the short columns
        case = await ctx.cases.submit(
            tenant_draft(
                LONG_TEXT + str(n),
                telegram_id=4000 + n,
                unit="12栋2单元1802",
                category="security" if n % 2 else "billing",
            ),
            Actor.system(),
        )
        if n % 3 == 0:
            await ctx.cases.handle(
                Assign(ref=case.number, department_code="eng", staff_id=worker.id), worker
            )
    ctx.clock.advance(hours=2)
    context, page = await _signed_in(browser, ctx, base, locale, viewport)
    await page.goto(f"{base}/dashboard/cases")
    rows = page.locator("table.cases tbody tr")
    assert await rows.count() == 25
    for column, name in (
        (1, "number"),
        (2, "received"),
        (3, "category"),
        (4, "severity"),
        (5, "status"),
    ):
        lines = await _lines(page.locator(f"table.cases tbody td:nth-child({column})"))
        assert set(lines) == {1}, f"{name} cells wrap at {viewport['width']} px: {lines}"
    if viewport == DESKTOP:
        number = await page.locator("table.cases tbody td:nth-child(1)").first.bounding_box()
        received = await page.locator("table.cases tbody td:nth-child(2)").first.bounding_box()
        assert (
            number["height"] == received["height"]
        )  # the number cell is one line high, like the date
        description = await page.locator("table.cases tbody td.summary").first.bounding_box()
        assert description["width"] <= 0.45 * viewport["width"], description
    await _no_horizontal_scroll(page, viewport)
    suffix = "desktop" if viewport == DESKTOP else "phone"
    await page.screenshot(
        path=str(ARTIFACTS / f"cases-long-{locale}-{suffix}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": 1400},
    )
    await context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
async def test_overview_counts_get_whole_ticks_and_tiles_one_line(browser, served, viewport):
    base, ctx = served
    await _seed(ctx)
    context, page = await _signed_in(browser, ctx, base, "zh_CN", viewport)
    await page.goto(f"{base}/dashboard/")
    figures = page.locator("figure.chart")
    assert await figures.count() == 4
    for i in range(4):
        figure = figures.nth(i)
        ticks = [
            await t.text_content()
            for t in await figure.locator("svg text.axis[text-anchor=end]").all()
        ]
        assert len(ticks) >= 2, ticks
        if not ticks[-1].endswith("%"):
            assert all(t.isdigit() for t in ticks), (
                await figure.locator("figcaption").inner_text(),
                ticks,
            )
    lines = await _lines(page.locator(".tile-value"))
    assert set(lines) == {1}, f"a tile value wraps: {lines}"
    for tile in await page.locator(".tile").all():  # and stays inside its tile
        assert await tile.evaluate("t => t.scrollWidth <= t.clientWidth"), await tile.inner_text()
    assert "份评价" in await page.locator(".tile", has_text="本月满意度").inner_text()
    await _no_horizontal_scroll(page, viewport)
    suffix = "desktop" if viewport == DESKTOP else "phone"
    await page.screenshot(path=str(ARTIFACTS / f"overview-ticks-{suffix}.png"), full_page=True)
    await context.close()


async def test_date_filters_follow_the_page_language_not_the_browser(browser, served):
    """A Chinese page in an English browser: the date fields ask for 年-月-日 and take what is typed."""
    base, ctx = served
    await _seed(ctx)
    context, page = await _signed_in(browser, ctx, base, "zh_CN", DESKTOP, browser_locale="en-US")
    await page.goto(f"{base}/dashboard/cases")
    field = page.locator("form.filters input[name=from]")
    assert await field.get_attribute("placeholder") == "年-月-日"
    await field.click()
    await page.keyboard.type("2026-11-20")
    await page.locator("form.filters input[name=to]").click()
    await page.keyboard.type("2026-11-21")
    await page.screenshot(
        path=str(ARTIFACTS / "cases-dates-desktop.png"),
        clip={"x": 0, "y": 0, "width": 1280, "height": 400},
    )
    await page.locator("form.filters button[type=submit]").click()
    await page.wait_for_load_state()
    assert "from=2026-11-20" in page.url and "to=2026-11-21" in page.url, page.url
    assert (
        await page.locator("table.cases tbody tr").count() == 4
    )  # 3 cases on the 20th, 1 on the 21st
    assert await field.input_value() == "2026-11-20"
    await field.fill(
        "2026-11-31"
    )  # no such day: said in the page's language, the text kept to correct
    await page.locator("form.filters button[type=submit]").click()
    await page.wait_for_load_state()
    assert (
        "“2026-11-31”不是有效日期，请按 2026-11-23 的格式填写。"
        in await page.locator("[role=alert]").inner_text()
    )
    assert await field.input_value() == "2026-11-31"
    await page.screenshot(
        path=str(ARTIFACTS / "cases-bad-date-desktop.png"),
        clip={"x": 0, "y": 0, "width": 1280, "height": 500},
    )
    await context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
async def test_reopened_case_page_in_chinese(browser, served, viewport):
    """Distinct labels, actors in Chinese, no old rating in the fields, the old rating in the timeline."""
    base, ctx = served
    await Department.create(code="eng", name="工程部")
    worker = actor_for(await make_staff(Role.SUPERVISOR, name="郑主管"))
    case = await ctx.cases.submit(tenant_draft(LONG_TEXT, telegram_id=43), Actor.system())
    await ctx.cases.handle(
        Supplement(ref=case.number, location="3栋2单元楼道"), Actor.tenant(case.complainant_id)
    )
    await ctx.cases.handle(
        Assign(ref=case.number, department_code="eng", staff_id=worker.id), worker
    )
    await ctx.cases.handle(Resolve(ref=case.number, resolution="已更换声控灯并检查线路"), worker)
    await ctx.cases.handle(
        Close(ref=case.number, satisfaction=2, comment="修得太慢"),
        Actor.tenant(case.complainant_id),
    )
    context, page = await _signed_in(browser, ctx, base, "zh_CN", viewport)
    await page.goto(f"{base}/dashboard/cases/{case.number}")
    form = page.locator("form[action$='/reopen']")
    await form.locator("textarea[name=reason]").fill("业主来电说灯又不亮了")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url(f"{base}/dashboard/cases/{case.number}?done=reopen")
    labels = [await dt.inner_text() for dt in await page.locator(".fields dt").all()]
    assert len(labels) == len(set(labels)) and "处理结果" in labels and "处理完成时限" in labels, (
        labels
    )
    fields = await page.locator(".case-main").inner_text()
    assert "2 / 5" not in fields.split("记清楚")[0]
    timeline = await page.locator(".timeline").inner_text()
    assert "业主" in timeline and "系统" in timeline and "已重开" in timeline
    assert "tenant" not in timeline and "system" not in timeline
    assert "重开前的评分：2 / 5，业主意见：“修得太慢”" in timeline
    await _no_horizontal_scroll(page, viewport)
    suffix = "desktop" if viewport == DESKTOP else "phone"
    await page.screenshot(path=str(ARTIFACTS / f"case-reopened-{suffix}.png"), full_page=True)
    await page.locator(".timeline").screenshot(
        path=str(ARTIFACTS / f"case-reopened-timeline-{suffix}.png")
    )
    await context.close()
