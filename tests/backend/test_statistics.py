"""Statistics count the way a manager would: mean times and SLA compliance for a period."""

from datetime import timedelta

from backend.domain import Role
from backend.domain.commands import AddNote, AnswerSurvey, Claim, Close, Reopen, Resolve
from backend.models import Case, CaseEvent
from backend.services.actors import Actor
from backend.services.queries import statistics
from backend.services.reports import monthly_report
from tests.factories import actor_for, make_staff, tenant_draft


async def test_mean_hours_and_compliance(service, clock):
    agent = await make_staff()
    start = clock.now()
    quick = await service.submit(tenant_draft(telegram_id=1), Actor.system())
    slow = await service.submit(tenant_draft(telegram_id=2), Actor.system())
    await service.submit(tenant_draft(telegram_id=3), Actor.system())  # never answered
    await service.handle(Claim(ref=quick.number), actor_for(agent))
    await service.handle(Claim(ref=slow.number), actor_for(agent))
    clock.advance(hours=2)
    await service.handle(AddNote(ref=quick.number, note="师傅在路上"), actor_for(agent))
    clock.advance(hours=4)
    # 6 h after receipt: on time
    await service.handle(Resolve(ref=quick.number, resolution="已修好"), actor_for(agent))
    clock.advance(hours=24)
    # 30 h: late (general: 24 h)
    await service.handle(Resolve(ref=slow.number, resolution="已修好"), actor_for(agent))
    stats = await statistics(start - timedelta(hours=1), clock.now(), clock.now())
    assert (
        stats["mean_hours_to_first_feedback"] == 16.0
    )  # 2 h (the note) and 30 h (the late resolution)
    assert stats["mean_hours_to_resolve"] == 18.0  # (6 + 30) / 2
    assert stats["sla"] == {
        "resolved_on_time": 1,
        "resolved_late": 1,
        "open_past_promise": 1,
        "compliance": round(1 / 3, 4),
    }


async def test_no_cases_no_means(service, clock):
    stats = await statistics(clock.now() - timedelta(days=1), clock.now(), clock.now())
    assert stats["mean_hours_to_resolve"] is None and stats["mean_hours_to_first_feedback"] is None


async def test_a_reopened_closed_case_loses_its_rating_and_the_event_keeps_it(
    service, clock, settings
):
    """Issue 15, item 18: the old answer no longer describes the case; statistics and reports stop counting it."""
    agent, manager = await make_staff(), await make_staff(Role.MANAGER)
    start = clock.now()
    rated = await service.submit(tenant_draft(telegram_id=1), Actor.system())
    kept = await service.submit(tenant_draft(telegram_id=2), Actor.system())
    for case in (rated, kept):
        await service.handle(Claim(ref=case.number), actor_for(agent))
        await service.handle(Resolve(ref=case.number, resolution="已修好"), actor_for(agent))
    await service.handle(
        Close(ref=rated.number, satisfaction=2, comment="修得太慢"),
        Actor.tenant(rated.complainant_id),
    )
    await service.handle(Close(ref=kept.number, satisfaction=5), Actor.tenant(kept.complainant_id))
    before = await statistics(start, clock.now() + timedelta(hours=1), clock.now())
    assert before["satisfaction"] == {
        "answers": 2,
        "mean": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }

    clock.advance(hours=1)
    change = await service.handle(
        Reopen(ref=rated.number, reason="业主来电说还在漏水"), actor_for(manager)
    )
    case = await Case.get(id=rated.id)
    assert (case.satisfaction, case.satisfaction_comment, case.solved_confirmed) == (None, "", None)
    assert (
        change.event.data["previous_satisfaction"] == 2
        and change.event.data["previous_comment"] == "修得太慢"
    )
    assert change.event.data["previous_solved"] is True
    stored = await CaseEvent.get(id=change.event.id)  # the history keeps the answer
    assert (stored.data["previous_satisfaction"], stored.data["previous_comment"]) == (
        2,
        "修得太慢",
    )

    after = await statistics(start, clock.now(), clock.now())
    assert after["satisfaction"] == {
        "answers": 1,
        "mean": 5.0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
    }
    report = await monthly_report(2026, 11, settings, clock.now(), locale="en")
    assert (report.overall.satisfaction_answers, report.overall.mean_satisfaction) == (1, 5.0)


async def test_reopening_a_resolved_case_records_no_rating_it_never_had(service, clock):
    agent = await make_staff()
    case = await service.submit(tenant_draft(telegram_id=1), Actor.system())
    await service.handle(Claim(ref=case.number), actor_for(agent))
    await service.handle(Resolve(ref=case.number, resolution="已修好"), actor_for(agent))
    answer = AnswerSurvey(ref=case.id, solved=False)
    change = await service.handle(answer, Actor.tenant(case.complainant_id))
    assert "previous_satisfaction" not in change.event.data and change.case.satisfaction is None
