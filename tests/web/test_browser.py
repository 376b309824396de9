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
from backend.models import ApiToken, CaseEvent, Department
from backend.services.actors import Actor
from backend.services.signin import create_sign_in_link
from backend.services.tokens import hash_token
from tests.conftest import FakeTriage
from tests.factories import actor_for, make_staff, tenant_draft

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
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
        _unavailable("Chromium not found: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH")
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
            case = await cases.submit(tenant_draft(
                f"第{day}日问题{n}：楼道灯不亮", telegram_id=1000 + day * 10 + n,
                category=categories[(day + n) % len(categories)],
            ), Actor.system())
            if (day + n) % 2:
                await cases.assign(case.number, worker, department_code="eng" if n else "clean", staff_id=worker.id)
                if day < 20:
                    clock.advance(hours=(day % 4) * 10)
                    await cases.resolve(case.number, worker, "已处理")
                    await cases.close(case.number, Actor.system(), satisfaction=(day + n) % 5 + 1)
                    clock.set(datetime(2026, 11, day, 2, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 23, 1, 30, tzinfo=UTC))
    case = await cases.submit(tenant_draft(
        "3栋1202卫生间天花板漏水，滴到地板上了，楼上没人在家 <img src=x onerror=alert(1)>", telegram_id=42,
        expectation="尽快找到楼上业主并维修", location="卫生间天花板", severity=Severity.IMPORTANT,
    ), Actor.system())
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return case.number


async def _no_horizontal_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


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
    assert await CaseEvent.filter(action="note", note="师傅今天下午三点上门查看", public=True).exists()
    await page.screenshot(path=str(ARTIFACTS / "case-desktop.png"), full_page=True)

    phone = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
        storage_state=await desktop.storage_state(),
    )
    small = await phone.new_page()
    small.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for path, shot in (("/dashboard/", "overview-phone.png"), (f"/dashboard/cases/{number}", "case-phone.png"),
                       ("/dashboard/cases", "cases-phone.png"), ("/dashboard/reports/2026-11", None)):
        await small.goto(base + path)
        await _no_horizontal_scroll(small)
        if shot:  # the list is long: its first screens are enough to judge the cards
            clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": 1600} if shot == "cases-phone.png" else None
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
    await page.goto((await create_sign_in_link(agent, ctx.settings, ctx.clock.now())).replace(ctx.settings.base_url, base))
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
    await make_staff(Role.SUPERVISOR, name="郑主管", phone="13812345678",
                     department=await Department.get(code="eng"), on_duty=True)
    await make_staff(Role.AGENT, name="<script>alert(1)</script>", telegram_id=9_876_543_210_123)
    await make_staff(Role.MANAGER, name="欧阳经理（负责三期物业全部楼栋）", active=False,
                     department=await Department.get(code="clean"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
    )
    page = await context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: problems.append(f"dialog {d.message}"))
    await page.goto((await create_sign_in_link(admin, ctx.settings, ctx.clock.now())).replace(ctx.settings.base_url, base))
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

    for path in ("/dashboard/admin/invites", "/dashboard/admin/departments", "/dashboard/admin/staff"):
        await page.goto(base + path)
        await _no_horizontal_scroll(page)
    assert "<script>alert(1)</script>" in await page.locator("table.staff").inner_text()
    await page.locator("table.staff tr", has_text="郑主管").locator("summary").click()
    await _no_horizontal_scroll(page)
    await page.screenshot(path=str(ARTIFACTS / "admin-staff-phone.png"), full_page=True)
    desktop = await browser.new_context(viewport=DESKTOP, locale="zh-CN", storage_state=await context.storage_state())
    wide = await desktop.new_page()
    await wide.goto(f"{base}/dashboard/admin/staff")
    await wide.screenshot(path=str(ARTIFACTS / "admin-staff-desktop.png"), full_page=True)
    assert not problems, problems  # no CSP violation, no script error, no alert
    await desktop.close()
    await context.close()
