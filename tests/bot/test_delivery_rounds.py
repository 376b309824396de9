"""A delivery round claims its messages at once: what it does not send is given back when it ends."""

from datetime import datetime

from tortoise.transactions import in_transaction

from backend.models import OutboxMessage
from backend.services import outbox
from backend.services.outbox import OutboxKind, enqueue
from bot.budget import SendBudget
from bot.delivery import LEASE, deliver_due


async def _expired_notices(desk, clock, count: int) -> list[int]:
    people = [desk.fake.add_user(f"住户{i}") for i in range(count)]
    async with in_transaction() as conn:
        for person in people:
            await enqueue(conn, chat_id=person.id, kind=OutboxKind.DIALOG_EXPIRED, now=clock.now())
    return [p.id for p in people]


async def _unclaimed_and_unsent() -> list[int]:
    return [m.chat_id for m in await OutboxMessage.filter(sent_at=None, claimed_until=None)]


async def test_messages_over_budget_are_given_back_for_the_next_round(desk, clock):
    chats = await _expired_notices(desk, clock, 4)
    report = await deliver_due(desk.ctx, desk.app.bot, budget=SendBudget(global_limit=2))
    assert (report.sent, report.over_budget) == (2, True)
    assert sorted(await _unclaimed_and_unsent()) == sorted(chats[2:])
    clock.advance(seconds=2)
    assert (await deliver_due(desk.ctx, desk.app.bot, budget=SendBudget())).sent == 2
    assert len(desk.fake.message_calls()) == 4  # none twice


class SlowBudget(SendBudget):
    """Each send takes longer than half the lease (the clock moves while the slot is taken)."""

    def __init__(self, clock) -> None:
        super().__init__()
        self.clock = clock

    async def take(self, chat_id: int, now: datetime):
        slot = await super().take(chat_id, now)
        self.clock.advance(seconds=LEASE.total_seconds() / 2)
        return slot


async def test_a_round_ends_before_its_claims_run_out(desk, clock):
    chats = await _expired_notices(desk, clock, 3)
    report = await deliver_due(desk.ctx, desk.app.bot, budget=SlowBudget(clock))
    assert (report.sent, report.over_budget) == (1, True)  # the next round comes at once
    assert sorted(await _unclaimed_and_unsent()) == sorted(chats[1:])


async def test_a_group_held_back_by_its_budget_has_only_its_next_message_claimed(
    desk, clock, monkeypatch
):
    group = desk.ctx.settings.staff_chat_id
    async with in_transaction() as conn:
        queued = [
            await enqueue(conn, chat_id=group, kind=OutboxKind.DIALOG_EXPIRED, now=clock.now())
            for _ in range(3)
        ]
    claims: list[set[int]] = []
    claim = outbox.claim

    async def recorded(ids, now, until):
        claims.append(set(ids))
        return await claim(ids, now, until)

    monkeypatch.setattr(outbox, "claim", recorded)
    report = await deliver_due(desk.ctx, desk.app.bot, budget=SendBudget(group_limit=1))
    assert (report.sent, report.over_budget) == (1, True)
    assert claims == [{queued[0].id}, {queued[1].id}]  # the third waits unclaimed behind the second
    assert len(await OutboxMessage.filter(sent_at=None, claimed_until=None)) == 2
