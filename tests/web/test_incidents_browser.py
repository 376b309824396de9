"""An incident's page in Chromium, on a desk and on a phone: the floors picture, the cases, the note form.

Uses the browser and server fixtures of test_browser.py; screenshots go to tests/artifacts/.
"""

from backend.domain import Role
from backend.models import Incident
from backend.services.actors import Actor
from tests.factories import make_staff, tenant_draft
from tests.web import test_browser as shared
from tests.web.test_desk_browser import _signed_in

ARTIFACTS, DESKTOP, PHONE = shared.ARTIFACTS, shared.DESKTOP, shared.PHONE
browser, served = shared.browser, shared.served


async def test_incident_page_on_a_desk_and_a_phone(browser, served):
    base, ctx = served
    units = ["12-1-101", "12-1-302", "12-2-302", "12-1-1103", "12-2-804", "12-1-1501"]
    for i, unit in enumerate(units):
        await ctx.cases.submit(
            tenant_draft("12栋停水了，什么时候来水", telegram_id=8100 + i, unit=unit),
            Actor.system("test"),
        )
    incident = await Incident.get()
    supervisor = await make_staff(Role.SUPERVISOR, name="周主管", locale="zh_CN")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page, problems = await _signed_in(
            browser, base, ctx, supervisor, viewport=viewport
        )
        await page.goto(f"{base}/dashboard/incidents/{incident.id}")
        grid = page.locator("table.unit-grid")
        assert await grid.locator("td.hit").count() == 5  # 302 of two entrances share a cell
        assert await page.locator("textarea[name=note]").is_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page scrolls sideways at {viewport['width']} px"
        await page.screenshot(path=str(ARTIFACTS / f"incident-{name}.png"), full_page=True)
        assert problems == []
        await context.close()
