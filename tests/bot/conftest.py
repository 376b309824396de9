"""A tenant (and staff) talking to the real Application through the in-process Bot API fake."""

from dataclasses import dataclass, field, replace

import pytest

from backend.context import AppContext
from backend.i18n import _
from bot.app import build_application
from bot.fake_telegram import FakeBotApi, FakeUser
from tests.conftest import FakeTriage


def t(message: str, locale: str = "zh_CN", **values: object) -> str:
    """What the bot says in `locale` (tests must not depend on catalog wording)."""
    return _(message, locale, **values)


@dataclass
class Triager:
    """A switchable stand-in for nlp.classify."""

    result: FakeTriage = field(default_factory=FakeTriage)
    emergency_words: tuple[str, ...] = ("煤气", "着火", "困在电梯")

    def __call__(self, text: str) -> FakeTriage:
        if any(word in text for word in self.emergency_words):
            triage = FakeTriage("security", "major", "complaint")
            triage.emergency = True
            return triage
        return self.result


class Desk:
    def __init__(self, ctx: AppContext, fake: FakeBotApi, *, forum: bool = False) -> None:
        self.ctx, self.fake = ctx, fake
        self.app = build_application(ctx, request=fake.request(), rate_limit=False)
        self.tenant: FakeUser = fake.add_user("王芳", language_code="zh-hans")
        self.staff_group = fake.add_group(
            "物业客服群", chat_id=ctx.settings.staff_chat_id, forum=forum
        )
        self.up = None

    async def __aenter__(self) -> "Desk":
        await self.app.initialize()
        self.up = self.fake.updates(self.app.bot)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.app.shutdown()

    async def restart(self) -> None:
        """A new Application on the same database, as after a restart of the service."""
        await self.app.shutdown()
        self.app = build_application(self.ctx, request=self.fake.request(), rate_limit=False)
        await self.app.initialize()
        self.up = self.fake.updates(self.app.bot)

    async def process(self, update) -> None:
        await self.app.process_update(update)

    async def send(self, text: str, user: FakeUser | None = None) -> None:
        await self.process(self.up.text(user or self.tenant, text))

    async def command(self, name: str, args: str = "", user: FakeUser | None = None) -> None:
        await self.process(self.up.command(user or self.tenant, name, args))

    def chat(self, user: FakeUser | None = None):
        return self.fake.chat(user or self.tenant)

    def last(self, user: FakeUser | None = None) -> str:
        message = self.chat(user).last()
        return message.text or message.caption or ""

    def with_button(self, label: str, user: FakeUser | None = None):
        for message in reversed(self.chat(user).bot_messages()):
            if any(label == text for row in message.buttons for text, _ in row):
                return message
        raise LookupError(f"no message with a button {label!r}; last: {self.last(user)!r}")

    async def press(self, label: str, user: FakeUser | None = None) -> None:
        message = self.with_button(label, user)
        await self.process(self.up.press(user or self.tenant, message, label))


@pytest.fixture
def triager() -> Triager:
    return Triager()


@pytest.fixture
async def desk(settings, clock, triager):
    fake = FakeBotApi()
    ctx = AppContext.build(replace(settings, bot_token=fake.token), clock, classify=triager)
    async with Desk(ctx, fake) as desk:
        yield desk
    desk.fake.assert_all_callback_queries_answered()
