"""The dashboard in the real app (aiohttp TestClient), a frozen clock and signed-in staff."""

import re
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.context import AppContext
from backend.domain import Role
from backend.models import Staff
from backend.services.actors import Actor
from backend.services.signin import create_sign_in_link
from tests.conftest import FakeTriage
from tests.factories import make_staff, tenant_draft

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Board:
    """A browser-like client of the dashboard."""

    client: TestClient
    ctx: AppContext

    async def link_for(self, staff: Staff) -> str:
        url = await create_sign_in_link(staff, self.ctx.settings, self.ctx.clock.now())
        return url.removeprefix(self.ctx.settings.base_url)

    async def sign_in(self, role: Role = Role.MANAGER, locale: str = "en", **extra) -> Staff:
        """A new staff member signed in; English unless told, so tests can read the sentences."""
        self.client.session.cookie_jar.clear()
        staff = await make_staff(role, locale=locale, **extra)
        response = await self.client.get(await self.link_for(staff), allow_redirects=False)
        assert response.status == 303, await response.text()
        return staff

    async def page(self, path: str, status: int = 200) -> str:
        response = await self.client.get(path)
        text = await response.text()
        assert response.status == status, text
        return text

    async def csrf(self, path: str = "/dashboard/") -> str:
        match = CSRF.search(await self.page(path))
        assert match, "the page carries the CSRF token"
        return match.group(1)

    async def post(self, path: str, data: dict[str, str], *, token: str | None = None):
        form = {"csrf_token": token if token is not None else await self.csrf(), **data}
        return await self.client.post(path, data=form, allow_redirects=False)

    async def new_case(self, **extra):
        return await self.ctx.cases.submit(tenant_draft(**extra), Actor.system("test"))


@pytest.fixture
async def board(settings, clock):
    ctx = AppContext.build(settings, clock, classify=lambda text: FakeTriage())
    client = TestClient(TestServer(create_app(ctx)))
    await client.start_server()
    try:
        yield Board(client, ctx)
    finally:
        await client.close()
