"""Statistics count the way a manager would: mean times and SLA compliance for a period."""

from datetime import timedelta

from backend.services.actors import Actor
from backend.services.queries import statistics
from tests.factories import actor_for, make_staff, tenant_draft


async def test_mean_hours_and_compliance(service, clock):
    agent = await make_staff()
    start = clock.now()
    quick = await service.submit(tenant_draft(telegram_id=1), Actor.system())
    slow = await service.submit(tenant_draft(telegram_id=2), Actor.system())
    await service.submit(tenant_draft(telegram_id=3), Actor.system())  # never answered
    await service.claim(quick.number, actor_for(agent))
    await service.claim(slow.number, actor_for(agent))
    clock.advance(hours=2)
    await service.add_note(quick.number, actor_for(agent), "师傅在路上")
    clock.advance(hours=4)
    await service.resolve(quick.number, actor_for(agent), "已修好")  # 6 h after receipt: on time
    clock.advance(hours=24)
    await service.resolve(slow.number, actor_for(agent), "已修好")  # 30 h: late (general: 24 h)
    stats = await statistics(start - timedelta(hours=1), clock.now(), clock.now())
    assert stats["mean_hours_to_first_feedback"] == 16.0  # 2 h (the note) and 30 h (the late resolution)
    assert stats["mean_hours_to_resolve"] == 18.0  # (6 + 30) / 2
    assert stats["sla"] == {"resolved_on_time": 1, "resolved_late": 1, "open_past_promise": 1,
                            "compliance": round(1 / 3, 4)}


async def test_no_cases_no_means(service, clock):
    stats = await statistics(clock.now() - timedelta(days=1), clock.now(), clock.now())
    assert stats["mean_hours_to_resolve"] is None and stats["mean_hours_to_first_feedback"] is None
