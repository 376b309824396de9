"""Operations endpoints: /readyz (database, migrations, Telegram) and /metrics (Prometheus)."""

from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.context import AppContext
from backend.services.actors import Actor
from tests.conftest import FakeTriage
from tests.factories import tenant_draft


@pytest.fixture
async def client_for(clock):
    clients = []

    async def make(settings):
        ctx = AppContext.build(settings, clock, classify=lambda text: FakeTriage())
        client = TestClient(TestServer(create_app(ctx)))
        await client.start_server()
        client.ctx = ctx
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def test_ready_without_telegram(client_for, settings):
    client = await client_for(replace(settings, bot_token=None))
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 200 and body == {
        "status": "ready",
        "database": "ok",
        "migrations": "current",
        "bot": "off",
    }


async def test_not_ready_when_the_bot_api_does_not_answer(client_for, settings):
    unreachable = replace(
        settings, bot_token="123456789:" + "x" * 35, telegram_api_base_url="http://127.0.0.1:9"
    )
    response = await (await client_for(unreachable)).get("/readyz")
    assert response.status == 503 and (await response.json())["bot"] == "unreachable"


async def test_a_webhook_instance_stays_ready_when_the_bot_api_does_not_answer(
    client_for, settings
):
    unreachable = replace(
        settings,
        bot_token="123456789:" + "x" * 35,
        telegram_api_base_url="http://127.0.0.1:9",
        bot_mode="webhook",
        webhook_url="https://desk.example.org/telegram/hook",
        webhook_secret="s3cret-token-for-tests-0123456789",
    )
    response = await (await client_for(unreachable)).get("/readyz")
    body = await response.json()
    assert response.status == 200 and body["status"] == "ready" and body["bot"] == "unreachable"


async def test_ready_with_a_reachable_bot_api(client_for, settings):
    from bot.fake_telegram import FakeBotApi
    from bot.fake_telegram.server import serve_fake_bot_api

    fake = FakeBotApi()
    server = await serve_fake_bot_api(fake)
    try:
        ok = replace(
            settings, bot_token=fake.token, telegram_api_base_url=f"http://127.0.0.1:{server.port}"
        )
        response = await (await client_for(ok)).get("/readyz")
        assert response.status == 200 and (await response.json())["bot"] == "ok"
    finally:
        await server.close()


async def test_metrics_show_cases_and_outbox(client_for, settings):
    client = await client_for(settings)
    await client.ctx.cases.submit(tenant_draft(), Actor.system())
    response = await client.get("/metrics")
    text = await response.text()
    assert response.status == 200
    assert 'qingchu_cases{status="new"} 1.0' in text
    assert "qingchu_outbox_pending 2.0" in text  # the receipt and the staff card
    assert "qingchu_sweep_seconds_bucket" in text and "qingchu_updates_total" in text
    assert "13812345678" not in text  # no personal data
