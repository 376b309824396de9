"""Missed promises escalate one level per miss, exactly once, up to the manager."""

import asyncio

import pytest

from backend.context import AppContext
from backend.domain import Role
from backend.models import CaseEvent, OutboxMessage
from backend.services.actors import Actor
from scheduler import sweep_missed_clocks
from tests.conftest import FakeTriage, on_postgres
from tests.factories import actor_for, make_staff, tenant_draft


@pytest.fixture
def ctx(settings, clock):
    return AppContext.build(settings, clock, classify=lambda text: FakeTriage())


async def test_nothing_happens_before_the_clock_runs_out(ctx, clock):
    await ctx.cases.submit(tenant_draft(), Actor.system())
    clock.advance(minutes=9)
    assert (await sweep_missed_clocks(ctx)).escalated == 0


async def test_unclaimed_case_climbs_the_ladder(ctx, clock):
    supervisor = await make_staff(Role.SUPERVISOR)
    manager = await make_staff(Role.MANAGER)
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    clock.advance(minutes=11)
    assert (await sweep_missed_clocks(ctx)).escalated == 1
    assert (await sweep_missed_clocks(ctx)).escalated == 0  # the same miss is acted on once
    clock.advance(minutes=11)
    assert (await sweep_missed_clocks(ctx)).escalated == 1
    clock.advance(hours=1)
    assert (await sweep_missed_clocks(ctx)).escalated == 0  # at the top: the manager already knows
    events = await CaseEvent.filter(case_id=case.id, action="escalate").order_by("id")
    assert [e.data["level"] for e in events] == [2, 3]
    assert [m.chat_id for m in await OutboxMessage.filter(kind="escalation")] == [supervisor.telegram_id]
    assert [m.chat_id for m in await OutboxMessage.filter(kind="manager_alert")] == [manager.telegram_id]


async def test_claimed_case_does_not_escalate_for_assignment(ctx, clock):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.claim(case.number, actor_for(agent))
    clock.advance(minutes=30)
    assert (await sweep_missed_clocks(ctx)).escalated == 0


async def test_missed_resolution_escalates(ctx, clock):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.claim(case.number, actor_for(agent))
    clock.advance(hours=25)  # general: resolved within 24 h
    assert (await sweep_missed_clocks(ctx)).escalated == 1
    event = await CaseEvent.get(case_id=case.id, action="escalate")
    assert event.data["clock"] == "resolve" and event.actor_kind.value == "system"


async def test_a_day_of_downtime_is_caught_up_once(ctx, clock):
    for i in range(5):
        await ctx.cases.submit(tenant_draft(telegram_id=100 + i), Actor.system())
    clock.advance(days=1)
    first = await sweep_missed_clocks(ctx)
    assert first.escalated >= 5
    again = await sweep_missed_clocks(ctx)
    assert again.escalated == 0


@pytest.mark.skipif(not on_postgres(), reason="two sweepers on separate connections need PostgreSQL")
async def test_two_sweepers_act_once_each_case(ctx, clock):
    for i in range(30):
        await ctx.cases.submit(tenant_draft(telegram_id=200 + i), Actor.system())
    clock.advance(minutes=11)
    reports = await asyncio.gather(sweep_missed_clocks(ctx), sweep_missed_clocks(ctx))
    assert sum(r.escalated for r in reports) == 30
    assert await CaseEvent.filter(action="escalate").count() == 30
