"""Polling through getUpdates, and the fake served over HTTP to a PTB bot."""

import asyncio
import datetime as dtm

import aiohttp
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.fake_telegram import FakeBotApi, serve_fake_bot_api

from .conftest import build_app


async def test_polling_processes_an_update(fake: FakeBotApi) -> None:
    tenant = fake.add_user("Tenant")
    app = build_app(fake)
    seen = asyncio.Event()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("echo: " + (update.message.text or ""))
        seen.set()

    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=10))
        factory = fake.updates(app.bot)
        factory.enqueue(factory.text(tenant, "poll me"))
        await asyncio.wait_for(seen.wait(), 5)
        await app.updater.stop()  # cancels the pending 10 s long poll at once
        await app.stop()
    assert fake.chat(tenant).texts() == ["echo: poll me"]
    assert fake.pending_updates == []  # confirmed by the final getUpdates(offset=...)
    assert fake.calls_for("deleteWebhook")


async def test_get_updates_offset_and_limit(fake: FakeBotApi) -> None:
    user = fake.add_user()
    factory = fake.updates()
    ids = [factory.enqueue(factory.text(user, str(i))).update_id for i in range(3)]
    status, body = fake.handle("getUpdates", {"limit": 2})
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    status, body = fake.handle("getUpdates", {"offset": ids[1] + 1})
    assert [u["update_id"] for u in body["result"]] == ids[2:]
    assert fake.handle("getUpdates", {"offset": -1})[1]["result"][0]["update_id"] == ids[2]
    assert len(fake.pending_updates) == 1


async def test_long_poll_returns_on_timeout_without_blocking(fake: FakeBotApi) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    status, body = await fake.handle_async("getUpdates", {"timeout": "0.05"})
    assert status == 200 and body["result"] == []
    assert loop.time() - start < 1


async def test_http_server_with_ptb_bot(fake: FakeBotApi) -> None:
    tenant = fake.add_user("Tenant")
    server = await serve_fake_bot_api(fake, port=0)
    try:
        bot = Bot(fake.token, base_url=server.base_url, base_file_url=server.base_file_url)
        async with bot:
            assert bot.username == "qingchu_test_bot"
            msg = await bot.send_message(
                tenant.id,
                "<b>你好</b>",
                parse_mode="HTML",
                reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
            )
            assert msg.text == "你好" and msg.reply_markup is not None
            photo = await bot.send_photo(tenant.id, b"\x89PNG...", caption="图")
            file = await bot.get_file(photo.photo[-1].file_id)
            assert bytes(await file.download_as_bytearray()) == b"\x89PNG..."
            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await bot.edit_message_text(
                    "<b>你好</b>",
                    tenant.id,
                    msg.message_id,
                    parse_mode="HTML",
                    reply_markup=msg.reply_markup,
                )
            fake.fail_next("sendMessage", kind="network")
            with pytest.raises(NetworkError):
                await bot.send_message(tenant.id, "x")
        async with aiohttp.ClientSession() as http:
            url = f"http://{server.host}:{server.port}"
            async with http.post(
                f"{url}/bot{fake.token}/sendMessage",
                json={"chat_id": tenant.id, "text": "json body"},
            ) as resp:
                assert (await resp.json())["result"]["text"] == "json body"
            async with http.get(f"{url}/bot{fake.token}/nope") as resp:
                assert resp.status == 404
            async with http.post(
                f"{url}/_fake/updates",
                json={
                    "message": {
                        "message_id": 99,
                        "date": 0,
                        "text": "hi",
                        "chat": {"id": tenant.id, "type": "private"},
                    }
                },
            ) as resp:
                assert (await resp.json())["ok"]
            async with http.get(f"{url}/_fake/chats/{tenant.id}") as resp:
                texts = [m.get("text") for m in (await resp.json())["result"]]
                assert texts[0] == "你好" and "json body" in texts
        assert len(fake.pending_updates) == 1
        assert [c.method for c in fake.calls][:2] == ["getMe", "sendMessage"]
    finally:
        await server.close()
