"""One unit of work per update (docs/decisions/0007): a polled update's inbox row is written with the
dialog step it leads to, in one transaction, before anything is sent; a pressed button is answered
once that step is saved."""

import pytest
from tortoise.exceptions import OperationalError

from backend.models import InboxUpdate
from backend.services import dialogs as dialog_service
from backend.services import inbox
from backend.services.dialogs import Flow
from bot.dialogs import load_dialog
from tests.bot.conftest import t

MORE = "Noted. Send more if there is more; press “That's all” when you are done."
SORRY = "Sorry, something went wrong on our side. Please try again in a moment."


async def test_a_step_is_saved_before_its_button_is_answered_or_anything_is_sent(desk, monkeypatch):
    await desk.command("complain")
    await desk.send("电梯按钮失灵")
    store = dialog_service.store_dialog
    calls_when_saved: list[list[str]] = []

    async def watched(*args, **kwargs):
        await store(*args, **kwargs)
        calls_when_saved.append([call.method for call in desk.fake.calls])

    monkeypatch.setattr("bot.dialogs.store_dialog", watched)
    before = len(desk.fake.calls)
    await desk.press(t("That's all"))
    assert len(calls_when_saved) == 1
    assert len(calls_when_saved[0]) == before  # nothing of this update had left when it was saved
    assert [call.method for call in desk.fake.calls[before:]] == [
        "answerCallbackQuery",
        "sendMessage",
    ]
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).state == "confirm"


async def test_a_step_whose_save_fails_writes_nothing_of_it_and_its_update_is_still_recorded_once(
    desk, monkeypatch
):
    await desk.command("complain")

    def broken(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(dialog_service.Dialog, "filter", broken)
    message = desk.up.text(desk.tenant, "电梯按钮失灵")
    await desk.process(message)
    monkeypatch.undo()
    assert desk.last() == t(SORRY)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.parts == []
    assert await InboxUpdate.filter(update_id=message.update_id).count() == 1
    await desk.process(desk.up.redeliver(message))  # recorded: a redelivery is not handled again
    assert desk.last() == t(SORRY)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.parts == []


async def test_a_redelivered_message_is_not_handled_twice(desk):
    await desk.command("complain")
    message = desk.up.text(desk.tenant, "电梯按钮失灵")
    await desk.process(message)
    sent = len(desk.chat().bot_messages())
    await desk.process(desk.up.redeliver(message))
    assert len(desk.chat().bot_messages()) == sent and desk.last() == t(MORE)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.parts == ["电梯按钮失灵"]
    assert await InboxUpdate.filter(update_id=message.update_id).count() == 1


async def test_a_write_that_meets_its_update_already_recorded_writes_nothing(desk):
    seen = inbox.SeenUpdate(update_id=9001, chat_id=42, received_at=desk.ctx.clock.now())
    now = desk.ctx.clock.now()
    await dialog_service.store_dialog(42, 42, Flow.INTAKE, "describe", {}, now, seen=seen)
    with pytest.raises(inbox.AlreadyRecorded):
        await dialog_service.store_dialog(42, 42, Flow.INTAKE, "unit", {}, now, seen=seen)
    with pytest.raises(inbox.AlreadyRecorded):
        await dialog_service.remove_dialog(42, 42, seen=seen)
    assert (await load_dialog(42, 42)).state == "describe"
    assert await InboxUpdate.filter(update_id=9001).count() == 1
