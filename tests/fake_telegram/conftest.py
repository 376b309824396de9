from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.fake_telegram import FakeBotApi, FakeUser, UpdateFactory


class FakeClock:
    """A monotonic clock tests move by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeBotApi:
    return FakeBotApi(clock=clock)


def build_app(fake: FakeBotApi) -> Application:
    return (
        Application.builder()
        .token(fake.token)
        .request(fake.request())
        .get_updates_request(fake.request())
        .build()
    )


@pytest.fixture
async def app(fake: FakeBotApi) -> AsyncIterator[Application]:
    application = build_app(fake)
    async with application:
        yield application


@pytest.fixture
def updates(fake: FakeBotApi, app: Application) -> UpdateFactory:
    return fake.updates(app.bot)


@pytest.fixture
def tenant(fake: FakeBotApi) -> FakeUser:
    return fake.add_user("王芳", username="wangfang", language_code="zh-hans")
