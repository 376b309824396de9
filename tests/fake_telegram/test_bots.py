"""Real PTB applications driven through the fake with process_update."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fake_telegram import FakeBotApi, FakeUser, UpdateFactory


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ 确认", callback_data="confirm:1"),
                InlineKeyboardButton("✏️ 修改", callback_data="edit:1"),
            ],
            [InlineKeyboardButton("帮助", url="https://example.org/help")],
        ]
    )
    lang = update.effective_user.language_code
    await update.effective_message.reply_text(
        f"<b>您好</b>, lang={lang}", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"已选择 {query.data}")


def _install(app: Application) -> None:
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))


async def test_echo_bot(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    _install(app)
    await app.process_update(updates.text(tenant, "楼上漏水"))
    await app.process_update(updates.text(tenant, "second"))
    chat = fake.chat(tenant)
    assert chat.texts() == ["楼上漏水", "second"]
    assert [m.outgoing for m in chat.transcript()] == [False, True, False, True]
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage", "sendMessage"]
    assert fake.calls[1].params["chat_id"] == tenant.id
    assert fake.calls[1].params["text"] == "楼上漏水"


async def test_callback_button_bot(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    _install(app)
    await app.process_update(updates.command(tenant, "start"))
    card = fake.chat(tenant).last()
    assert card.text == "您好, lang=zh-hans"
    assert card.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert fake.chat(tenant).buttons() == [
        [("✅ 确认", "confirm:1"), ("✏️ 修改", "edit:1")],
        [("帮助", "https://example.org/help")],
    ]
    await app.process_update(updates.press(tenant, card, "✅ 确认"))
    assert card.edited and card.text == "已选择 confirm:1"
    assert card.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert fake.unanswered_callback_queries() == []
    fake.assert_all_callback_queries_answered()


async def test_press_unknown_label_or_url_button_raises(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    _install(app)
    await app.process_update(updates.command(tenant, "start"))
    card = fake.chat(tenant).last()
    for label in ("nope", "帮助"):
        try:
            updates.press(tenant, card, label)
        except LookupError:
            continue
        raise AssertionError(f"pressing {label!r} should fail")


async def test_unanswered_callback_query_is_reported(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    async def rude(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.edit_message_reply_markup(None)

    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(rude))
    await app.process_update(updates.command(tenant, "start"))
    await app.process_update(updates.press(tenant, fake.chat(tenant).last(), "✏️ 修改"))
    [pending] = fake.unanswered_callback_queries()
    assert pending.data == "edit:1" and pending.user_id == tenant.id


async def test_redelivered_update_keeps_update_id(updates: UpdateFactory, tenant: FakeUser) -> None:
    first = updates.text(tenant, "hi")
    again = updates.redeliver(first)
    assert again.update_id == first.update_id and again.message is not None
    assert again.message.message_id == first.message.message_id  # type: ignore[union-attr]
    assert updates.text(tenant, "next").update_id == first.update_id + 1


async def test_group_and_forum_topic(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    staff = fake.add_user("李师傅", language_code="zh-hans")
    group = fake.add_group("维修组", members={staff: "administrator"}, forum=True)
    topic = await app.bot.create_forum_topic(group.id, "工单 #12")
    _install(app)
    await app.process_update(
        updates.text(staff, "收到", chat=group, thread_id=topic.message_thread_id)
    )
    reply = fake.chat(group.id).last()
    assert reply.text == "收到" and reply.message_thread_id == topic.message_thread_id
    member = await app.bot.get_chat_member(group.id, staff.id)
    assert member.status == "administrator"
    assert (await app.bot.get_chat_member(group.id, tenant.id)).status == "left"
    assert (await app.bot.get_chat_member(group.id, app.bot.id)).status == "administrator"
    chat = await app.bot.get_chat(group.id)
    assert chat.is_forum and chat.title == "维修组"


async def test_media_in_and_out(
    app: Application, fake: FakeBotApi, updates: UpdateFactory, tenant: FakeUser
) -> None:
    photo_update = updates.photo(tenant, b"JPEGDATA", caption="墙面裂缝")
    assert photo_update.message is not None
    file_id = photo_update.message.photo[-1].file_id
    assert photo_update.message.caption == "墙面裂缝"
    downloaded = await (await app.bot.get_file(file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"JPEGDATA"

    sent = await app.bot.send_photo(
        tenant.id, file_id, caption="<i>已收到</i>", parse_mode=ParseMode.HTML
    )
    assert sent.caption == "已收到" and sent.photo[-1].file_id == file_id
    doc = await app.bot.send_document(tenant.id, b"report", filename="r.csv", caption="月报")
    assert doc.document is not None and doc.document.file_name == "r.csv"
    assert fake.file_bytes(doc.document.file_id) == b"report"
    group = await app.bot.send_media_group(
        tenant.id,
        [
            InputMediaPhoto(b"one", caption="1"),
            InputMediaPhoto(file_id),
        ],
    )
    assert len(group) == 2 and group[0].media_group_id == group[1].media_group_id
    assert fake.chat(tenant).texts()[-4:] == ["已收到", "月报", "1", ""]
    assert await app.bot.send_chat_action(tenant.id, "typing")
    assert fake.chat(tenant).last_action == "typing"


async def test_factory_message_kinds_parse_in_ptb(
    updates: UpdateFactory, tenant: FakeUser, fake: FakeBotApi
) -> None:
    cases = [
        (updates.document(tenant, caption="合同"), filters.Document.ALL),
        (updates.sticker(tenant), filters.Sticker.ALL),
        (updates.voice(tenant), filters.VOICE),
        (updates.location(tenant, 31.0, 121.0), filters.LOCATION),
        (updates.contact(tenant), filters.CONTACT),
        (updates.command(tenant, "start", "ref123"), filters.COMMAND),
    ]
    for update, message_filter in cases:
        assert message_filter.check_update(update), update
    contact = cases[4][0].message.contact  # type: ignore[union-attr]
    assert contact is not None and contact.user_id == tenant.id
    edited = updates.edit(fake.chat(tenant).transcript()[-1], "/start other")
    assert edited.edited_message is not None and edited.edited_message.text == "/start other"
    assert fake.chat(tenant).transcript()[-1].edited


async def test_commands_and_webhook_info(app: Application, fake: FakeBotApi) -> None:
    from telegram import BotCommand

    assert await app.bot.set_my_commands([BotCommand("start", "开始"), BotCommand("new", "投诉")])
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "new"]
    assert await app.bot.delete_my_commands()
    assert await app.bot.get_my_commands() == ()
    assert await app.bot.set_webhook("https://bot.example.org/tg", secret_token="s3cret")
    info = await app.bot.get_webhook_info()
    assert info.url == "https://bot.example.org/tg"
    assert await app.bot.delete_webhook()
    assert (await app.bot.get_webhook_info()).url == ""
    me = await app.bot.get_me()
    assert me.is_bot and me.username == "qingchu_test_bot"
    assert await app.bot.log_out() and await app.bot.close()
