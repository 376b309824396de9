"""Fixtures of the backend tests."""

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.context import AppContext
from backend.domain import Role
from backend.services.tokens import create_token
from tests.conftest import FakeTriage


@pytest.fixture
async def api(settings, clock):
    """The API app on a test server; `api.auth(role)` makes a token's Authorization header."""
    ctx = AppContext.build(settings, clock, classify=lambda text: FakeTriage())
    client = TestClient(TestServer(create_app(ctx)))
    await client.start_server()
    client.ctx = ctx

    async def auth(role: Role = Role.AGENT) -> dict[str, str]:
        plaintext, _ = await create_token(f"{role.value} client", role, clock.now())
        return {"Authorization": f"Bearer {plaintext}"}

    client.auth = auth
    try:
        yield client
    finally:
        await client.close()
