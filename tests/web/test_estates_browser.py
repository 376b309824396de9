"""Estates compared in Chromium at 1280 px and 390 px, and the estates admin page it sits beside.

Uses the browser and server fixtures of test_browser.py (skipped without Chromium unless CI is set);
screenshots go to tests/artifacts/ for a person to look at.
"""

from datetime import timedelta

from backend.context import AppContext
from backend.domain import Role, Status
from backend.domain.enums import ResidentRole
from backend.models import Case, Estate, Resident
from backend.services.actors import Actor
from backend.services.signin import create_sign_in_link
from tests.factories import make_staff, tenant_draft
from tests.web import test_browser as shared

ARTIFACTS, DESKTOP, PHONE = shared.ARTIFACTS, shared.DESKTOP, shared.PHONE
# The browser and the live server of test_browser.py, not copies.
browser, served = shared.browser, shared.served

ESTATES = (
    ("sunny", "阳光花园"),
    ("harbour", "海港城三期商业综合体（写字楼及裙楼商场）"),
    ("empty", "新苑"),
)


async def _seed(ctx: AppContext) -> None:
    """Three estates: one with cases and a register, one with a long name and cases, one empty."""
    now = ctx.clock.now()
    estates = [
        await Estate.create(code=code, name=name, created_at=now, updated_at=now)
        for code, name in ESTATES
    ]
    for n in range(9):
        estate = estates[n % 2]
        case = await ctx.cases.submit(
            tenant_draft(f"楼道灯不亮{n}", telegram_id=5000 + n, estate_id=estate.id),
            Actor.system(),
        )
        received = now - timedelta(days=40 if n == 8 else n + 1)  # one in October
        values: dict = {"received_at": received, "first_feedback_at": received + timedelta(hours=n)}
        if n % 3:
            values |= {
                "status": Status.CLOSED,
                "resolved_at": received + timedelta(days=n % 4),
                "satisfaction": n % 5 + 1,
            }
        await Case.filter(id=case.id).update(**values)
    await Resident.bulk_create(
        Resident(
            estate=estates[0],
            building=str(b),
            unit=f"{b}-{u}",
            name="业主",
            role=ResidentRole.OWNER,
            created_at=now,
            updated_at=now,
        )
        for b in range(1, 6)
        for u in range(1, 41)
    )


async def _page(browser, base: str, ctx: AppContext, staff, viewport: dict, storage=None):
    phone = viewport == PHONE
    context = await browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        storage_state=storage,
    )
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    if storage is None:
        link = await create_sign_in_link(staff, ctx.settings, ctx.clock.now())
        await page.goto(link.replace(ctx.settings.base_url, base))
    return context, page, problems


async def test_estates_compared_at_desktop_and_phone_width(browser, served):
    base, ctx = served
    await _seed(ctx)
    manager = await make_staff(Role.MANAGER, name="赵经理", locale="zh_CN")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = await _page(browser, base, ctx, manager, DESKTOP)
    await page.locator("nav.main-nav a[href='/dashboard/estates-compared']").click()
    await page.wait_for_url(f"{base}/dashboard/estates-compared")
    # Chinese once the pending translations are merged (locales_pending/head-office.tsv)
    assert await page.locator("h1").inner_text() in ("各小区对比", "Estates compared")
    rows = page.locator("table.estates-compared tbody tr")
    assert await rows.count() == len(ESTATES) + 1  # and the total
    sunny = await rows.filter(has_text="阳光花园").locator("td").all_inner_texts()
    assert sunny[0] == "4" and sunny[6] == "200" and sunny[7] == "2.00"
    await page.screenshot(path=str(ARTIFACTS / "estates-compared-desktop.png"), full_page=True)

    await page.locator("select[name=month]").select_option("2026-10")
    await page.locator("form.month-picker button[type=submit]").click()
    await page.wait_for_url(f"{base}/dashboard/estates-compared?month=2026-10")
    total = await rows.last.locator("td").all_inner_texts()
    assert total[0] == "1"  # one case was received in October

    storage = await context.storage_state()
    small_context, small, small_problems = await _page(browser, base, ctx, manager, PHONE, storage)
    await small.goto(f"{base}/dashboard/estates-compared")
    await shared._no_horizontal_scroll(small)
    await small.screenshot(path=str(ARTIFACTS / "estates-compared-phone.png"), full_page=True)
    assert not problems + small_problems
    await small_context.close()
    await context.close()


async def test_the_estates_admin_page_renders(browser, served):
    base, ctx = served
    await _seed(ctx)
    admin = await make_staff(Role.ADMIN, name="周管理员", locale="zh_CN")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = await _page(browser, base, ctx, admin, DESKTOP)
    response = await page.goto(f"{base}/dashboard/admin/estates")
    assert response is not None and response.status == 200
    for _code, name in ESTATES:
        assert name in await page.content()
    await page.screenshot(path=str(ARTIFACTS / "admin-estates-desktop.png"), full_page=True)
    small_context, small, small_problems = await _page(
        browser, base, ctx, admin, PHONE, await context.storage_state()
    )
    await small.goto(f"{base}/dashboard/admin/estates")
    await small.screenshot(path=str(ARTIFACTS / "admin-estates-phone.png"), full_page=True)
    assert not problems + small_problems
    await small_context.close()
    await context.close()
