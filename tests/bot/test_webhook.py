"""Webhook mode: Telegram's secret is checked, an update is stored before the 200, processed once, in order."""

import asyncio
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.models import Case, InboxUpdate
from bot.webhook import process_inbox
from tests.bot.conftest import Desk, t

SECRET = "s3cret-token-for-tests-0123456789"


@pytest.fixture
async def hooked(settings, clock, triager):
    from backend.context import AppContext
    from bot.fake_telegram import FakeBotApi

    fake = FakeBotApi()
    webhook_settings = replace(
        settings,
        bot_token=fake.token,
        bot_mode="webhook",
        webhook_url="https://desk.example.org/telegram/hook",
        webhook_secret=SECRET,
    )
    ctx = AppContext.build(webhook_settings, clock, classify=triager)
    async with Desk(ctx, fake) as desk:
        client = TestClient(TestServer(create_app(ctx)))
        await client.start_server()
        desk.http = client
        try:
            yield desk
        finally:
            await client.close()


async def post(desk, update, secret=SECRET):
    return await desk.http.post(
        "/telegram/hook", json=update.to_dict(), headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )


async def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(hooked):
    update = hooked.up.command(hooked.tenant, "start")
    assert (await post(hooked, update, secret="guess")).status == 403
    response = await hooked.http.post("/telegram/hook", json=update.to_dict())
    assert response.status == 403
    assert await InboxUpdate.all().count() == 0


async def test_update_is_stored_before_200_then_processed_once(hooked):
    update = hooked.up.command(hooked.tenant, "start")
    assert (await post(hooked, update)).status == 200
    row = await InboxUpdate.get(update_id=update.update_id)
    assert row.payload["update_id"] == update.update_id and row.processed_at is None
    assert (await post(hooked, update)).status == 200  # Telegram redelivers: still 200, stored once
    assert await process_inbox(hooked.ctx, hooked.app) == 1
    assert hooked.last().startswith(t("Hello! This is the property service desk."))
    assert await process_inbox(hooked.ctx, hooked.app) == 0
    assert len(hooked.chat().bot_messages()) == 1


async def test_a_whole_complaint_through_the_webhook_in_order(hooked):
    up, tenant = hooked.up, hooked.tenant
    for update in (up.command(tenant, "complain"), up.text(tenant, "楼道灯坏了")):
        assert (await post(hooked, update)).status == 200
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("That's all")), t("That's all")))
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("✅ Correct")), t("✅ Correct")))
    for text in ("2-1-301", "+8613812345678", "王芳"):
        await post(hooked, up.text(tenant, text))
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("Skip")), t("Skip")))
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("Skip")), t("Skip")))
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("✅ Submit")), t("✅ Submit")))
    await process_inbox(hooked.ctx, hooked.app)
    case = await Case.get()
    assert (case.unit, case.contact_phone, case.contact_name) == (
        "2-1-301",
        "+8613812345678",
        "王芳",
    )


async def test_a_chat_waits_while_its_earlier_update_is_claimed_elsewhere(hooked, clock):
    first, second = (
        hooked.up.command(hooked.tenant, "start"),
        hooked.up.command(hooked.tenant, "help"),
    )
    await post(hooked, first)
    await post(hooked, second)
    # Another instance holds the first update.
    await InboxUpdate.filter(update_id=first.update_id).update(
        claimed_until=clock.now().replace(year=2099)
    )
    assert await process_inbox(hooked.ctx, hooked.app) == 0
    assert hooked.chat().bot_messages() == []


async def test_malformed_bodies_are_400(hooked):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    assert (await hooked.http.post("/telegram/hook", data=b"{nope", headers=headers)).status == 400
    assert (
        await hooked.http.post("/telegram/hook", json={"update_id": "x"}, headers=headers)
    ).status == 400


async def test_start_sets_the_webhook_with_the_secret(hooked):
    from bot.app import start_bot

    running = await start_bot(hooked.ctx, send=False, request=hooked.fake.request())
    try:
        call = hooked.fake.calls_for("setWebhook")[-1]
        assert call.params["url"] == "https://desk.example.org/telegram/hook"
        assert call.params["secret_token"] == SECRET
        await post(hooked, hooked.up.command(hooked.tenant, "start"))
        for _ in range(50):  # the same process is woken at once
            if hooked.chat().bot_messages():
                break
            await asyncio.sleep(0.02)
        assert hooked.chat().bot_messages()
    finally:
        await running.stop()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_MODE": "webhook"}, "WEBHOOK_URL"),
        (
            {
                "BOT_MODE": "webhook",
                "WEBHOOK_URL": "http://example.org/hook",
                "WEBHOOK_SECRET": SECRET,
            },
            "WEBHOOK_URL",
        ),
        (
            {
                "BOT_MODE": "webhook",
                "WEBHOOK_URL": "https://example.org/hook",
                "WEBHOOK_SECRET": "short",
            },
            "WEBHOOK_SECRET",
        ),
    ],
)
def test_webhook_settings_are_checked(env, variable):
    from backend.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as error:
        load_settings(env=env, env_file=None)
    assert str(error.value).startswith(variable)


async def test_an_update_processed_again_after_a_crash_is_not_applied_twice(hooked):
    """An instance died after saving the dialog but before marking the update done: the next instance
    must not take the unit for the phone number, and it asks the open question again."""
    up, tenant = hooked.up, hooked.tenant
    for update in (up.command(tenant, "complain"), up.text(tenant, "楼道灯坏了")):
        await post(hooked, update)
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("That's all")), t("That's all")))
    await process_inbox(hooked.ctx, hooked.app)
    await post(hooked, up.press(tenant, hooked.with_button(t("✅ Correct")), t("✅ Correct")))
    unit = up.text(tenant, "2-1-301")
    await post(hooked, unit)
    await process_inbox(hooked.ctx, hooked.app)
    question = hooked.last()
    await InboxUpdate.filter(update_id=unit.update_id).update(
        processed_at=None
    )  # as if the instance died
    assert await process_inbox(hooked.ctx, hooked.app) == 1
    assert hooked.last() == question  # the same question, not "that is not a phone number"
    from bot.dialogs import load_dialog

    dialog = await load_dialog(tenant.id, tenant.id)
    assert dialog.draft.unit == "2-1-301" and not dialog.draft.phone


async def test_after_a_crash_mid_description_the_tenant_is_asked_for_more_and_an_emergency_is_filed(
    hooked,
):
    from backend.logs import set_update
    from bot.dialogs import load_dialog, save_dialog

    up, tenant = hooked.up, hooked.tenant
    await post(hooked, up.command(tenant, "complain"))
    await process_inbox(hooked.ctx, hooked.app)
    part = up.text(tenant, "楼道灯坏了")
    await post(hooked, part)
    await process_inbox(hooked.ctx, hooked.app)
    await InboxUpdate.filter(update_id=part.update_id).update(
        processed_at=None
    )  # died before marking it done
    await process_inbox(hooked.ctx, hooked.app)
    assert hooked.last() == t(
        "Noted. Send more if there is more; press “That's all” when you are done."
    )
    assert (await load_dialog(tenant.id, tenant.id)).draft.parts == ["楼道灯坏了"]  # kept once

    # This time the instance died after saving an emergency but before filing it.
    alarm = up.text(tenant, "楼下有很重的煤气味")
    await post(hooked, alarm)
    dialog = await load_dialog(tenant.id, tenant.id)
    dialog.draft.parts.append("楼下有很重的煤气味")
    set_update(alarm.update_id)
    await save_dialog(dialog, hooked.ctx.clock.now())
    set_update(None)
    await process_inbox(hooked.ctx, hooked.app)
    case = await Case.get()
    assert "煤气" in case.description and case.severity.value == "major"


async def test_a_press_already_answered_by_a_crashed_instance_still_moves_the_dialog_on(hooked):
    up, tenant = hooked.up, hooked.tenant
    for update in (up.command(tenant, "complain"), up.text(tenant, "楼道灯坏了")):
        await post(hooked, update)
    await process_inbox(hooked.ctx, hooked.app)
    press = up.press(tenant, hooked.with_button(t("That's all")), t("That's all"))
    await post(hooked, press)
    await hooked.app.bot.answer_callback_query(
        press.callback_query.id
    )  # the instance that died got this far
    await process_inbox(hooked.ctx, hooked.app)
    assert hooked.with_button(
        t("✅ Correct")
    )  # Telegram refused the second answer; the tenant is not stuck


async def test_a_chat_held_by_another_instance_waits_and_other_chats_go_on(hooked, clock):
    from datetime import timedelta

    up, first, second = hooked.up, hooked.tenant, hooked.fake.add_user("李")
    start, text = up.command(first, "start"), up.text(first, "你好")
    for update in (start, text, up.command(second, "start")):
        await post(hooked, update)
    # Another instance is handling the first tenant's /start right now.
    await InboxUpdate.filter(update_id=start.update_id).update(
        claimed_until=clock.now() + timedelta(seconds=10)
    )
    assert await process_inbox(hooked.ctx, hooked.app) == 1  # the second tenant is not held up
    assert (
        await InboxUpdate.filter(processed_at=None).count() == 2
    )  # the first tenant's text waits its turn
    await InboxUpdate.filter(update_id=start.update_id).update(
        claimed_until=None
    )  # that instance died
    assert await process_inbox(hooked.ctx, hooked.app) == 2
    rows = await InboxUpdate.filter(chat_id=first.id).order_by("update_id")
    assert rows[0].processed_at <= rows[1].processed_at
