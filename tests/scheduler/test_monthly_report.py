"""On the 1st every manager gets last month's report in Telegram: a summary and the XLSX file, once."""

from datetime import UTC, datetime

from backend.domain import Role
from backend.models import OutboxMessage
from backend.services.actors import Actor
from bot.delivery import deliver_due
from scheduler import send_monthly_report
from tests.bot.conftest import desk, triager  # noqa: F401  (fixtures)
from tests.factories import make_staff, tenant_draft


async def test_managers_get_the_report_once(desk, clock):  # noqa: F811
    clock.set(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))
    await desk.ctx.cases.submit(tenant_draft(), Actor.system())
    manager_user = desk.fake.add_user("刘经理")
    await make_staff(Role.MANAGER, name="刘经理", telegram_id=manager_user.id)
    await make_staff(Role.AGENT)
    clock.set(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))  # 08:00 local on the 1st
    assert await send_monthly_report(desk.ctx) == 2
    assert (
        await send_monthly_report(desk.ctx) == 0
    )  # a second run (another instance, a catch-up) adds nothing
    await deliver_due(desk.ctx, desk.app.bot)
    chat = desk.fake.chat(manager_user)
    summary, document = chat.bot_messages()[-2:]
    assert "2026-10" in summary.text
    assert document.document is not None and document.document["file_name"] == "report-2026-10.xlsx"
    assert await OutboxMessage.filter(kind="report", sent_at__isnull=True).count() == 0
