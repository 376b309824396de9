"""Every Telegram rule the fake enforces, seen through PTB's exceptions."""

import re

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken
from telegram.ext import Application

from bot.fake_telegram import FakeBotApi, FakeUser, UpdateFactory


def tg(description: str) -> str:
    """Match Telegram's description as PTB shows it (``str.capitalize()`` lowercases it)."""
    return "(?i)" + re.escape(description)


NOT_MODIFIED = tg("message is not modified: specified new message content")


def _kb(**button: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("按钮", **button)]])


@pytest.fixture
def bot(app: Application) -> Bot:
    return app.bot


async def test_text_length_limits(bot: Bot, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest, match=tg("Message text is empty")):
        await bot.send_message(tenant.id, "")
    with pytest.raises(BadRequest, match=tg("Message text is empty")):
        await bot.send_message(tenant.id, " \n ")
    with pytest.raises(BadRequest, match=tg("Message text is empty")):
        await bot.send_message(tenant.id, "<b></b>", parse_mode=ParseMode.HTML)
    await bot.send_message(tenant.id, "字" * 4096)
    with pytest.raises(BadRequest, match=tg("Message is too long")):
        await bot.send_message(tenant.id, "字" * 4097)
    # the limit applies after entity parsing: tags do not count
    await bot.send_message(tenant.id, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)


async def test_caption_limit(bot: Bot, tenant: FakeUser) -> None:
    await bot.send_photo(tenant.id, b"x", caption="c" * 1024)
    with pytest.raises(BadRequest, match=tg("Message caption is too long")):
        await bot.send_photo(tenant.id, b"x", caption="c" * 1025)


@pytest.mark.parametrize("data", ["", "x" * 65, "工" * 22])  # 22 × 3 bytes = 66 bytes
async def test_callback_data_must_be_1_to_64_bytes(bot: Bot, tenant: FakeUser, data: str) -> None:
    with pytest.raises(BadRequest, match=tg("Button_data_invalid")):
        await bot.send_message(tenant.id, "t", reply_markup=_kb(callback_data=data))


async def test_callback_data_of_64_bytes_is_fine(bot: Bot, tenant: FakeUser) -> None:
    await bot.send_message(tenant.id, "t", reply_markup=_kb(callback_data="工" * 21 + "a"))


async def test_inline_button_needs_exactly_one_action(bot: Bot, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest, match=tg("Text buttons are unallowed")):
        await bot.send_message(tenant.id, "t", reply_markup={"inline_keyboard": [[{"text": "x"}]]})
    both = {"inline_keyboard": [[{"text": "x", "callback_data": "a", "url": "https://a.b"}]]}
    with pytest.raises(BadRequest, match=tg("exactly one of the optional fields")):
        await bot.send_message(tenant.id, "t", reply_markup=both)


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("Tom & Jerry", "Character '&' at byte offset 4 must be escaped"),
        ("1 > 0", "Character '>' at byte offset 2 must be escaped"),
        ("<br>", 'Unsupported start tag "br"'),
    ],
)
async def test_html_is_validated(bot: Bot, tenant: FakeUser, html: str, error: str) -> None:
    with pytest.raises(BadRequest, match=tg("can't parse entities: " + error)):
        await bot.send_message(tenant.id, html, parse_mode=ParseMode.HTML)


async def test_markdown_v2_reserved_characters(bot: Bot, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest, match=tg("Character '.' is reserved and must be escaped")):
        await bot.send_message(tenant.id, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
    sent = await bot.send_message(tenant.id, r"*Done*\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "Done." and sent.entities[0].type == "bold"


async def test_edit_that_changes_nothing(bot: Bot, tenant: FakeUser) -> None:
    kb = _kb(callback_data="a")
    msg = await bot.send_message(tenant.id, "<b>hi</b>", parse_mode="HTML", reply_markup=kb)
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_text(
            "<b>hi</b>", tenant.id, msg.message_id, parse_mode="HTML", reply_markup=kb
        )
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_reply_markup(tenant.id, msg.message_id, reply_markup=kb)
    # same text but bold removed is a change; then removing the keyboard is a change
    await bot.edit_message_text("hi", tenant.id, msg.message_id, reply_markup=kb)
    await bot.edit_message_reply_markup(tenant.id, msg.message_id)
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_reply_markup(tenant.id, msg.message_id)
    photo = await bot.send_photo(tenant.id, b"x", caption="cap")
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_caption(tenant.id, photo.message_id, caption="cap")
    with pytest.raises(BadRequest, match=tg("There is no text in the message to edit")):
        await bot.edit_message_text("new", tenant.id, photo.message_id)


async def test_edit_and_delete_missing_messages(
    bot: Bot, fake: FakeBotApi, tenant: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=tg("Message to edit not found")):
        await bot.edit_message_text("x", tenant.id, 999)
    msg = await bot.send_message(tenant.id, "bye")
    assert await bot.delete_message(tenant.id, msg.message_id)
    assert fake.chat(tenant).get(msg.message_id).deleted
    assert fake.chat(tenant).texts() == []
    with pytest.raises(BadRequest, match=tg("Message to delete not found")):
        await bot.delete_message(tenant.id, msg.message_id)
    with pytest.raises(BadRequest, match=tg("Message to edit not found")):
        await bot.edit_message_text("x", tenant.id, msg.message_id)


async def test_bot_cannot_edit_users_message(
    bot: Bot, updates: UpdateFactory, tenant: FakeUser
) -> None:
    incoming = updates.text(tenant, "mine").message
    assert incoming is not None
    with pytest.raises(BadRequest, match=tg("Message can't be edited")):
        await bot.edit_message_text("x", tenant.id, incoming.message_id)


async def test_callback_query_answered_twice_or_unknown(
    bot: Bot, updates: UpdateFactory, tenant: FakeUser
) -> None:
    msg = await bot.send_message(tenant.id, "t", reply_markup=_kb(callback_data="a"))
    query = updates.press(tenant, msg, "按钮").callback_query
    assert query is not None
    assert await bot.answer_callback_query(query.id, "好的")
    expired = tg("query is too old and response timeout expired or query ID is invalid")
    with pytest.raises(BadRequest, match=expired):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=expired):
        await bot.answer_callback_query("12345")


async def test_unknown_chat_and_blocked_user(bot: Bot, fake: FakeBotApi, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest, match=tg("Chat not found")):
        await bot.send_message(424242, "hi")
    fake.block(tenant)
    with pytest.raises(Forbidden, match=tg("bot was blocked by the user")):
        await bot.send_message(tenant.id, "hi")
    fake.block(tenant, blocked=False)
    await bot.send_message(tenant.id, "hi")
    stranger = fake.add_user("路人", started=False)
    with pytest.raises(Forbidden, match=tg("bot can't initiate conversation")):
        await bot.send_message(stranger.id, "hi")


async def test_reply_to_missing_message(bot: Bot, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest, match=tg("Message to be replied not found")):
        await bot.send_message(tenant.id, "x", reply_to_message_id=77)
    sent = await bot.send_message(
        tenant.id, "x", reply_to_message_id=77, allow_sending_without_reply=True
    )
    assert sent.reply_to_message is None


async def test_forum_thread_must_exist(bot: Bot, fake: FakeBotApi) -> None:
    forum = fake.add_group("Ops", forum=True)
    plain = fake.add_group("Plain")
    with pytest.raises(BadRequest, match=tg("Message thread not found")):
        await bot.send_message(forum.id, "x", message_thread_id=999)
    with pytest.raises(BadRequest, match=tg("The chat is not a forum")):
        await bot.create_forum_topic(plain.id, "t")


async def test_unknown_method_and_wrong_token(fake: FakeBotApi, bot: Bot) -> None:
    # Telegram answers 404; PTB reports it as EndPointNotFound for do_api_request
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert fake.handle("noSuchMethod") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    other = Bot("999:WRONG", request=fake.request(), get_updates_request=fake.request())
    with pytest.raises(InvalidToken):
        async with other:
            pass


async def test_set_my_commands_validates(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=tg("Bot_command_invalid")):
        await bot.set_my_commands([("Start", "大写不行")])
    with pytest.raises(BadRequest, match=tg("Bot_command_description_invalid")):
        await bot.set_my_commands([("start", "")])


async def test_webhook_blocks_get_updates(bot: Bot, fake: FakeBotApi) -> None:
    from telegram.error import Conflict

    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match=tg("webhook is active")):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=tg("bad webhook: An HTTPS URL must be provided")):
        await bot.set_webhook("http://example.org/hook")


async def test_rejected_call_changes_nothing(bot: Bot, fake: FakeBotApi, tenant: FakeUser) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(tenant.id, "x", reply_markup=_kb(callback_data="x" * 65))
    assert fake.chat(tenant).transcript() == []
    assert fake.chat(tenant).next_message_id == 1
    assert fake.calls[-1].status == 400 and not fake.calls[-1].ok
