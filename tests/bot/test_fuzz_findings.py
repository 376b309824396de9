"""What the update fuzzer (test_update_fuzz.py) found, as plain regression tests: updates of unusual shapes,
forged buttons and dialogs overtaken by events are handled without an error, and whatever the bot does not
answer it says in the log that it ignores."""
# ruff: noqa: F811

import logging

import pytest
from telegram import Update

from tests.bot.test_staff_dispatch import staff  # noqa: F401  (fixture)
from tests.bot.test_webhook import SECRET, hooked  # noqa: F401  (fixture)
from tests.factories import make_staff


def no_errors(caplog) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


def logged(caplog, update_id: int, words: str) -> bool:
    return any(
        f"update {update_id}" in r.getMessage() and words in r.getMessage() for r in caplog.records
    )


def raw(desk, kind: str, chat, text: str | None = "/complain", sender=None, **extra) -> Update:
    """An update the factory cannot make: `sender` None leaves out `from`."""
    body = {
        "message_id": chat.take_message_id(),
        "chat": chat.to_dict(),
        "date": desk.fake.now(),
        **extra,
    }
    if text is not None:
        body["text"] = text
    if sender is not None:
        body["from"] = sender.to_dict()
    return Update.de_json({"update_id": desk.fake.next_update_id(), kind: body}, desk.app.bot)


@pytest.mark.parametrize("text", ["/", "/ ", "/\n", "/ status"])
async def test_a_bare_slash_in_the_staff_group_is_ignored(desk, staff, caplog, text):
    """`command, *args = text[1:].split()` raised ValueError for a slash without a command word."""
    li, _ = staff["小李"]
    update = desk.up.text(li, text, chat=desk.staff_group)
    with caplog.at_level(logging.INFO):
        await desk.process(update)
    no_errors(caplog)
    assert desk.fake.chat(desk.staff_group).bot_messages() == []
    assert logged(caplog, update.update_id, "is no staff command; ignored")


async def test_a_staff_command_for_another_bot_is_left_to_that_bot(desk, staff, caplog):
    li, _ = staff["小李"]
    mine = desk.up.text(li, "/queue@qingchu_test_bot", chat=desk.staff_group)
    theirs = desk.up.text(li, "/queue@other_bot", chat=desk.staff_group)
    with caplog.at_level(logging.INFO):
        await desk.process(theirs)
        assert desk.fake.chat(desk.staff_group).bot_messages() == []
        await desk.process(mine)
    assert len(desk.fake.chat(desk.staff_group).bot_messages()) == 1
    assert logged(caplog, theirs.update_id, "a command for @other_bot; ignored")


async def test_a_message_without_a_sender_is_ignored(desk, caplog):
    """A private message without `from` raised AttributeError in every handler that asks who wrote."""
    updates = [
        raw(desk, "message", desk.chat(), "/complain"),
        raw(desk, "message", desk.chat(), "漏水"),
    ]
    channel = desk.fake.add_group("公告", supergroup=True)
    updates.append(raw(desk, "message", channel, "/start", sender_chat=channel.to_dict()))
    with caplog.at_level(logging.INFO):
        for update in updates:
            await desk.process(update)
    no_errors(caplog)
    assert desk.chat().bot_messages() == [] and desk.fake.chat(channel).bot_messages() == []
    assert all(logged(caplog, u.update_id, "has no sender; ignored") for u in updates)


async def test_a_button_outside_any_chat_is_answered_and_ignored(desk, caplog):
    """A callback query without a message (an inline message) raised AttributeError on its chat id."""
    from bot.fake_telegram.model import CallbackRecord

    query_id = desk.fake.next_callback_id()
    desk.fake.callback_queries[query_id] = CallbackRecord(
        query_id, desk.tenant.id, None, None, "m:new", 0.0
    )
    update = Update.de_json(
        {
            "update_id": desk.fake.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": desk.tenant.to_dict(),
                "chat_instance": "1",
                "inline_message_id": "AAAA",
                "data": "m:new",
            },
        },
        desk.app.bot,
    )
    with caplog.at_level(logging.INFO):
        await desk.process(update)
    no_errors(caplog)
    assert desk.fake.callback_queries[query_id].answered
    assert logged(caplog, update.update_id, "a button pressed outside any chat; ignored")


async def test_updates_the_bot_does_not_answer_are_logged(desk, caplog):
    """Edits, reactions, inline queries and chatter in groups other than the staff group get no answer —
    and a log line naming the update."""
    sent = desk.up.text(desk.tenant, "楼道灯坏了")
    await desk.process(sent)
    group = desk.fake.add_group("业主群", members=[desk.tenant])
    updates = [
        desk.up.edit(sent.message, "楼道灯又坏了"),
        Update.de_json(
            {
                "update_id": desk.fake.next_update_id(),
                "message_reaction": {
                    "chat": desk.chat().to_dict(),
                    "message_id": sent.message.message_id,
                    "user": desk.tenant.to_dict(),
                    "date": desk.fake.now(),
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                },
            },
            desk.app.bot,
        ),
        Update.de_json(
            {
                "update_id": desk.fake.next_update_id(),
                "inline_query": {
                    "id": "1",
                    "from": desk.tenant.to_dict(),
                    "query": "漏水",
                    "offset": "",
                },
            },
            desk.app.bot,
        ),
        desk.up.text(desk.tenant, "大家好", chat=group),
    ]
    answered = len(desk.chat().bot_messages())
    with caplog.at_level(logging.INFO):
        for update in updates:
            await desk.process(update)
    no_errors(caplog)
    assert (
        len(desk.chat().bot_messages()) == answered and desk.fake.chat(group).bot_messages() == []
    )
    for update in updates:
        assert logged(caplog, update.update_id, "ignored"), update.to_dict()


async def test_a_redelivered_webhook_update_is_logged(hooked, caplog):
    update = hooked.up.command(hooked.tenant, "start")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            assert (
                await hooked.http.post("/telegram/hook", json=update.to_dict(), headers=headers)
            ).status == 200
    assert logged(
        caplog, update.update_id, "was recorded before (Telegram redelivered it); ignored"
    )


async def test_staff_chatter_is_ignored_quietly(desk, caplog):
    """Staff talk in their group all day: that is logged at DEBUG only."""
    member = desk.fake.add_user("小王")
    await make_staff(name="小王", telegram_id=member.id)
    update = desk.up.text(member, "今天谁值班？", chat=desk.staff_group)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await desk.process(update)
    assert desk.fake.chat(desk.staff_group).bot_messages() == []
    record = next(r for r in caplog.records if f"update {update.update_id}" in r.getMessage())
    assert record.levelno == logging.DEBUG and "not a reply to a prompt" in record.getMessage()


@pytest.mark.parametrize(
    "forged",
    [
        "s:claim:²",
        "s:claim:٣",
        "s:claim:2147483648",
        "s:claim:99999999999999999999",
        "s:to:{case}:²",
        "s:to:{case}:99999999999999999999",
        "s:dept:{case}:2147483648",
        "v:yes:99999999999999999999",
        "v:rate:{case}:²",
        "v:rate:{case}:99999999999999999999",
        "q:99999999999999999999:3",
        "q:²:3",
        "q:1:²",
    ],
)
async def test_forged_numbers_in_button_data_are_stale_buttons(desk, clock, caplog, forged):
    """Digits of another script ("²": isdigit() but int() fails) and ids beyond the id columns (SQLite:
    OverflowError; PostgreSQL: out of range) raised in the handlers; now such a press is a stale button."""
    from tests.bot.test_tenant_survey import resolved_and_surveyed

    case = await resolved_and_surveyed(desk, clock)
    agent = desk.fake.add_user("小张")
    await make_staff(name="小张", telegram_id=agent.id)
    data = forged.format(case=case.id)
    if data.startswith("s:"):
        card = desk.fake.chat(desk.staff_group).bot_messages()[0]
        update = desk.up.callback(agent, card, data)
    else:
        update = desk.up.callback(desk.tenant, desk.chat().last(), data)
    caplog.clear()  # (the set-up's owner brief went to a staff member the fake does not know)
    with caplog.at_level(logging.INFO):
        await desk.process(update)
    no_errors(caplog)
    assert desk.fake.callback_queries[update.callback_query.id].answered
    await case.refresh_from_db()
    assert case.status.value == "resolved" and case.satisfaction is None


async def test_details_for_an_emergency_cancelled_meanwhile_do_not_break_the_dialog(desk, caplog):
    """An emergency is filed at once and the questions come afterwards; the tenant cancelled the case in
    between, and the next answer raised IllegalTransition (cannot supplement a cancelled case)."""
    from backend.models import Case

    await desk.command("complain")
    await desk.send("厨房里有很重的煤气味")
    case = await Case.get()
    await desk.command("cancel", case.number)
    await case.refresh_from_db()
    assert case.status.value == "cancelled"
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await desk.send("3-1-1202")
    no_errors(caplog)
    assert any("supplement refused" in r.getMessage() for r in caplog.records)
    await case.refresh_from_db()
    assert case.unit == ""  # nothing is added to a cancelled case …
    await desk.send("13812345678")  # … and the dialog goes on to its end
    await desk.send("王女士")
    no_errors(caplog)
    assert case.number in desk.last()
