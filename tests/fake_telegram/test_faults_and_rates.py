"""Fault injection and rate measurement/enforcement."""

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.fake_telegram import FakeBotApi, FakeUser

from .conftest import FakeClock


@pytest.fixture
def bot(app: Application) -> Bot:
    return app.bot


async def test_retry_after_surfaces_as_retry_after(
    bot: Bot, fake: FakeBotApi, tenant: FakeUser
) -> None:
    fake.fail_next("sendMessage", kind="retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(tenant.id, "x")
    assert error.value.retry_after.total_seconds() == 7
    assert fake.chat(tenant).transcript() == []  # the failed call had no effect
    await bot.send_message(tenant.id, "x")  # only once
    assert [c.status for c in fake.calls_for("sendMessage")] == [429, 200]


async def test_network_and_timeout_faults(bot: Bot, fake: FakeBotApi, tenant: FakeUser) -> None:
    fake.fail_next("sendMessage", chat_id=tenant.id, kind="network", times=2)
    fake.fail_next("editMessageText", kind="timeout")
    for _ in range(2):
        with pytest.raises(NetworkError) as info:
            await bot.send_message(tenant.id, "x")
        assert not isinstance(info.value, TimedOut)
    msg = await bot.send_message(tenant.id, "x")
    with pytest.raises(TimedOut):
        await bot.edit_message_text("y", tenant.id, msg.message_id)
    assert fake.calls_for("sendMessage")[0].status == 0


async def test_fault_only_for_the_given_chat(bot: Bot, fake: FakeBotApi, tenant: FakeUser) -> None:
    other = fake.add_user("Other")
    fake.fail_next("sendMessage", chat_id=other.id, kind="forbidden")
    await bot.send_message(tenant.id, "fine")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(other.id, "x")
    fake.fail_next(
        "sendPhoto", kind="bad_request", description="Bad Request: PHOTO_INVALID_DIMENSIONS"
    )
    with pytest.raises(BadRequest, match="(?i)photo_invalid_dimensions"):
        await bot.send_photo(tenant.id, b"x")
    with pytest.raises(ValueError):
        fake.fail_next("sendMessage", kind="meteor")


async def test_rates_are_measured(bot: Bot, fake: FakeBotApi, clock: FakeClock) -> None:
    group = fake.add_group("Staff")
    for _ in range(5):
        await bot.send_message(group.id, "card")
        clock.advance(0.1)
    clock.advance(60)
    await bot.send_message(group.id, "later")
    assert fake.max_calls_in_window(60, chat_id=group.id) == 5
    assert fake.max_calls_in_window(1.0) == 5
    assert [round(c.timestamp - 1000.0, 1) for c in fake.message_calls(group.id)][:2] == [0, 0.1]


async def test_group_limit_is_enforced_when_asked(fake: FakeBotApi, clock: FakeClock) -> None:
    fake.enforce_rate_limits = True
    group = fake.add_group("Staff")
    for _ in range(20):
        assert fake.handle("sendMessage", {"chat_id": group.id, "text": "x"})[0] == 200
        clock.advance(1)
    status, body = fake.handle("sendMessage", {"chat_id": group.id, "text": "x"})
    assert status == 429
    assert body["parameters"]["retry_after"] == 40
    assert body["description"] == "Too Many Requests: retry after 40"
    clock.advance(40)
    assert fake.handle("sendMessage", {"chat_id": group.id, "text": "x"})[0] == 200


async def test_global_limit_is_enforced_when_asked(
    app: Application, fake: FakeBotApi, clock: FakeClock
) -> None:
    fake.enforce_rate_limits = True
    users = [fake.add_user(f"u{i}") for i in range(31)]
    for user in users[:30]:
        await app.bot.send_message(user.id, "x")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(users[30].id, "x")
    clock.advance(1.0)
    await app.bot.send_message(users[30].id, "x")
