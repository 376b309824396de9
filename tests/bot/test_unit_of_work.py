"""One unit of work per update (docs/decisions/0007): a polled update's inbox row is written with the
dialog step it leads to, in one transaction, before anything is sent; a pressed button is answered
once that step is saved. The person and the dialog are read with the flood check, in one statement, and
used once, never after the update has written them."""

from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from tortoise.exceptions import OperationalError

from backend.models import Complainant, Dialog, InboxUpdate
from backend.services import dialogs as dialog_service
from backend.services import inbox
from backend.services.dialogs import Flow, dialog_key
from backend.services.update_reads import read_update
from bot import flood
from bot.dialogs import clear_dialog, from_row, load_dialog, save_dialog
from bot.turn import WORK, UpdateWork
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


FIELDS_OF = {
    Complainant: (
        "id",
        "telegram_id",
        "name",
        "phone",
        "unit",
        "locale",
        "created_at",
        "updated_at",
    ),
    Dialog: ("key", "chat_id", "user_id", "flow", "state", "data", "updated_at"),
}


def fields(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS_OF[type(row)]}


async def test_the_one_statement_reads_the_person_and_the_dialog_as_the_orm_does(desk):
    tenant = desk.tenant.id
    now = desk.ctx.clock.now()
    await Complainant.create(
        telegram_id=tenant, name="王芳", phone="13800000000", created_at=now, updated_at=now
    )
    await desk.command("complain")
    await desk.send("电梯按钮失灵")
    since = now - timedelta(minutes=2)
    reads = await read_update(tenant, tenant, dialog_key(tenant, tenant), 10**9, since)
    person = await Complainant.get(telegram_id=tenant)
    dialog = await Dialog.get(key=dialog_key(tenant, tenant))
    assert fields(reads.person) == fields(person)
    assert fields(reads.dialog) == fields(dialog) and reads.dialog.data["parts"] == ["电梯按钮失灵"]
    recorded = await InboxUpdate.filter(chat_id=tenant).order_by("update_id")
    assert reads.recent == [
        (row.update_id, row.received_at, row.held_until, row.processed_at) for row in recorded
    ]
    later = now + timedelta(hours=1)  # its own row, however old
    nobody = await read_update(tenant, 7, dialog_key(tenant, 7), recorded[0].update_id, later)
    assert nobody.person is None and nobody.dialog is None
    assert [row[0] for row in nobody.recent] == [recorded[0].update_id]


async def test_an_ordinary_step_reads_the_person_and_the_dialog_only_with_the_flood_check(
    desk, monkeypatch
):
    await desk.command("complain")

    async def read_again(*args, **kwargs):
        raise AssertionError("read twice in one update")

    monkeypatch.setattr("bot.turn.complainant_by_telegram_id", read_again)
    monkeypatch.setattr("bot.dialogs.dialog_row", read_again)
    await desk.send("电梯按钮失灵")
    await desk.press(t("That's all"))
    monkeypatch.undo()
    assert desk.last() != t(SORRY)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).state == "confirm"


async def test_what_the_update_read_is_used_once_and_never_after_it_wrote_the_dialog(desk):
    tenant = desk.tenant.id
    await desk.command("complain")
    now = desk.ctx.clock.now()
    _, reads = await flood.read_update(tenant, tenant, 10**9, now)
    started = from_row(reads.dialog)
    token = WORK.set(UpdateWork(reads=reads))
    try:
        work = WORK.get()
        assert work.take_person(tenant + 1) == (False, None)  # someone else: read when asked
        assert work.take_person(tenant) == (True, None)  # not a complainant yet
        assert work.take_person(tenant) == (False, None)  # asked again: read again
        await save_dialog(replace(started, state="unit"), now)  # written before it was read
        assert (await load_dialog(tenant, tenant)).state == "unit"
    finally:
        WORK.reset(token)
    token = WORK.set(UpdateWork(reads=reads))
    try:
        assert asdict(await load_dialog(tenant, tenant)) == asdict(started)  # as read, once
        await clear_dialog(tenant, tenant)
        assert await load_dialog(tenant, tenant) is None
    finally:
        WORK.reset(token)
