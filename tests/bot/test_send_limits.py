"""Telegram's sending limits held together by every instance, and one poller per bot."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backend.clock import FrozenClock
from backend.context import AppContext
from backend.models import SendSlot
from backend.services import leases
from bot.app import hold_poller_lease
from bot.budget import SendBudget, SharedSendBudget
from bot.rate_limit import SendLimiter, slot_taken

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
GROUP, OTHER_GROUP, TENANT = -1001, -1002, 42


def ledgers():
    return pytest.mark.parametrize("make", [SendBudget, SharedSendBudget], ids=["memory", "shared"])


async def sends(budget, chat_id: int, count: int, at: datetime) -> int:
    """How many of `count` messages got a slot at `at` (each call returning at once)."""
    sent = 0
    for _ in range(count):
        if (slot := await budget.take(chat_id, at)) is not None:
            await budget.give_back(slot, at)
            sent += 1
    return sent


@ledgers()
@pytest.mark.parametrize(
    ("first", "then", "after", "allowed"),
    [
        # (chat, how many) sent at T0, then (chat, how many) tried `after` seconds later → how many go
        ((TENANT, 30), (TENANT, 1), 0, 0),  # 30 a second overall
        (
            (TENANT, 30),
            (TENANT, 5),
            1,
            0,
        ),  # counted over a little more than a second (network jitter) …
        ((TENANT, 30), (TENANT, 5), 1.2, 5),  # … then there is room again
        ((TENANT + 1, 10), (TENANT, 25), 0, 20),  # other private chats share the 30
        ((GROUP, 20), (GROUP, 1), 30, 0),  # 20 a minute into one group …
        ((GROUP, 20), (GROUP, 3), 61, 3),  # … a minute later (and a little), again
        ((GROUP, 20), (OTHER_GROUP, 5), 2, 5),  # another group has its own 20
        ((GROUP, 20), (TENANT, 5), 2, 5),  # a full group does not hold up tenants
    ],
)
async def test_budget(database_url, make, first, then, after, allowed):
    budget = make()
    assert await sends(budget, first[0], first[1], T0) == first[1]
    assert await sends(budget, then[0], then[1], T0 + timedelta(seconds=after)) == allowed


async def test_instances_share_one_ledger(database_url):
    one, two = SharedSendBudget(), SharedSendBudget()  # as if in two processes
    assert await sends(one, GROUP, 15, T0) == 15
    assert await sends(two, GROUP, 15, T0 + timedelta(seconds=5)) == 5
    results = await asyncio.gather(
        *(b.take(TENANT, T0 + timedelta(seconds=9)) for b in [one, two] * 20)
    )
    assert sum(slot is not None for slot in results) == 30


@ledgers()
async def test_a_call_in_flight_counts_until_a_second_after_it_returned(database_url, make):
    """However long a call takes to reach Telegram, it is counted while it may still arrive."""
    budget = make()
    slow = [
        await budget.take(TENANT, T0) for _ in range(30)
    ]  # the event loop is busy: not sent yet
    assert await sends(budget, TENANT, 1, T0 + timedelta(seconds=5)) == 0
    for slot in slow:
        await budget.give_back(slot, T0 + timedelta(seconds=6))  # they reached Telegram by now
    assert await sends(budget, TENANT, 1, T0 + timedelta(seconds=6.5)) == 0
    assert await sends(budget, TENANT, 30, T0 + timedelta(seconds=7.2)) == 30
    forgotten = make()  # a process died mid-call: its slots stop counting after a while
    [await forgotten.take(TENANT, T0) for _ in range(30)]
    assert await sends(forgotten, TENANT, 1, T0 + timedelta(seconds=31)) == 1


async def test_old_sends_are_forgotten(database_url):
    budget = SharedSendBudget()
    await sends(budget, GROUP, 5, T0)
    await budget.prune(T0 + timedelta(minutes=5))
    assert await SendSlot.all().count() == 0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_direct_replies_wait_for_a_free_slot_and_outbox_sends_are_not_counted_twice(
    database_url, monkeypatch
):
    clock = Clock()
    budget = SharedSendBudget()
    limiter = SendLimiter(budget, now=clock)
    sent: list[int] = []

    async def call(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    async def pass_time(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)  # simulated time: the pause passes at once

    monkeypatch.setattr("bot.rate_limit.asyncio.sleep", pass_time)
    for _ in range(31):
        await limiter.process_request(call, (TENANT,), {}, "sendMessage", {"chat_id": TENANT}, None)
    # The 31st waited until the first 30 were more than a second (and the jitter margin) old.
    assert len(sent) == 31 and T0 + timedelta(seconds=1.1) <= clock.now < T0 + timedelta(
        seconds=1.2
    )
    await limiter.process_request(
        call, (TENANT,), {}, "answerCallbackQuery", {}, None
    )  # not a message
    with slot_taken():  # the outbox took its slot before the call
        await limiter.process_request(call, (TENANT,), {}, "sendMessage", {"chat_id": TENANT}, None)
    assert await SendSlot.all().count() == 31


@pytest.fixture
def bot_ctx(settings, clock):
    return AppContext.build(replace(settings, bot_token="123:abc"), clock=clock)


async def test_a_second_poller_refuses_to_start_and_says_why(database_url, bot_ctx, clock):
    first = await hold_poller_lease(bot_ctx)
    with pytest.raises(leases.LeaseHeld) as refused:
        await hold_poller_lease(bot_ctx)
    assert "pid" in str(refused.value) and "BOT_MODE=webhook" in str(refused.value)
    first.cancel()  # the first instance stops: it hands the lease back
    await asyncio.gather(first, return_exceptions=True)
    second = await hold_poller_lease(bot_ctx)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def test_a_crashed_pollers_lease_expires(database_url, bot_ctx, clock: FrozenClock):
    await leases.acquire("poller:x", "dead host pid 1", clock.now(), timedelta(seconds=30))
    with pytest.raises(leases.LeaseHeld):
        await leases.acquire(
            "poller:x", "new host pid 2", clock.now() + timedelta(seconds=29), timedelta(seconds=30)
        )
    await leases.acquire(
        "poller:x", "new host pid 2", clock.now() + timedelta(seconds=31), timedelta(seconds=30)
    )
    with pytest.raises(leases.LeaseHeld, match="new host pid 2"):
        await leases.acquire(
            "poller:x",
            "dead host pid 1",
            clock.now() + timedelta(seconds=32),
            timedelta(seconds=30),
        )


async def test_two_senders_share_the_budget_without_wasting_it(desk, clock):
    """Two instances deliver the same outbox at once: 30 go out in the second, each slot used by a send."""
    from tortoise.transactions import in_transaction

    from backend.services.outbox import OutboxKind, enqueue
    from bot.delivery import deliver_due

    people = [desk.fake.add_user(f"住户{i}") for i in range(45)]
    async with in_transaction() as conn:
        for person in people:
            await enqueue(conn, chat_id=person.id, kind=OutboxKind.DIALOG_EXPIRED, now=clock.now())
    one, two = SharedSendBudget(), SharedSendBudget()
    reports = await asyncio.gather(
        deliver_due(desk.ctx, desk.app.bot, budget=one),
        deliver_due(desk.ctx, desk.app.bot, budget=two),
    )
    assert sum(r.sent for r in reports) == 30 == await SendSlot.all().count()
    clock.advance(seconds=2)
    await deliver_due(desk.ctx, desk.app.bot, budget=two)
    assert len(desk.fake.message_calls()) == 45  # the rest in the next second, none twice
