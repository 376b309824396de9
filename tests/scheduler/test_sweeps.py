"""The scheduler keeps every promise of docs/domain.md#what-happens-when-a-clock-runs-out: escalation, feedback, aging, collective complaints,
the follow-up survey — each acted on exactly once, however often it sweeps."""

import asyncio

import pytest

from backend.context import AppContext
from backend.domain import Role, Severity, Status
from backend.domain.commands import (
    AddNote,
    AnswerSurvey,
    Claim,
    CommentSurvey,
    JoinIncident,
    Resolve,
    Start,
)
from backend.models import Case, CaseEvent, Incident, OutboxMessage
from backend.services.actors import Actor
from scheduler import sweep_all
from tests.conftest import FakeTriage, on_postgres
from tests.factories import actor_for, make_staff, tenant_draft


@pytest.fixture
def ctx(settings, clock):
    return AppContext.build(settings, clock, classify=lambda text: FakeTriage())


async def kinds(kind: str) -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(kind=kind).order_by("id"))


async def test_nothing_happens_before_a_clock_runs_out(ctx, clock):
    await ctx.cases.submit(tenant_draft(), Actor.system())
    clock.advance(minutes=9)
    assert (await sweep_all(ctx)).total == 0


async def test_unclaimed_case_climbs_the_ladder_once_per_miss(ctx, clock):
    supervisor = await make_staff(Role.SUPERVISOR)
    manager = await make_staff(Role.MANAGER)
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    clock.advance(minutes=11)
    assert (await sweep_all(ctx)).acted == {"assign": 1}
    assert (await sweep_all(ctx)).total == 0  # the same miss is acted on once
    clock.advance(minutes=11)
    assert (await sweep_all(ctx)).acted == {"assign": 1}
    clock.advance(minutes=30)
    assert (await sweep_all(ctx)).total == 0  # at the top: the manager already knows
    events = await CaseEvent.filter(case_id=case.id, action="escalate").order_by("id")
    assert [e.data["level"] for e in events] == [2, 3]
    assert [m.chat_id for m in await kinds("escalation")] == [supervisor.telegram_id]
    assert [m.chat_id for m in await kinds("manager_alert")] == [manager.telegram_id]


async def test_claimed_case_does_not_escalate_for_assignment(ctx, clock):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    clock.advance(minutes=30)
    assert (await sweep_all(ctx)).total == 0


async def test_missed_feedback_sends_an_honest_note_and_reminds_the_owner(ctx, clock):
    agent = await make_staff(name="小李")
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    clock.advance(hours=23)
    await ctx.cases.handle(Start(ref=case.number), actor_for(agent))
    clock.advance(hours=1, minutes=1)
    report = await sweep_all(ctx)
    assert (
        report.acted["feedback"] == 1
    )  # (general: the resolution promise runs out at the same time)
    note = [m for m in await kinds("tenant_update") if m.payload["event"] == "auto_progress"]
    assert len(note) == 1 and note[0].payload["owner"] == "小李"
    assert [m.chat_id for m in await kinds("reminder")] == [agent.telegram_id]
    assert "feedback" not in (await sweep_all(ctx)).acted


async def test_a_human_note_in_time_means_no_automatic_note(ctx, clock):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await ctx.cases.handle(AddNote(ref=case.number, note="明天上午上门"), actor_for(agent))
    clock.advance(hours=23, minutes=59)
    assert "feedback" not in (await sweep_all(ctx)).acted


async def test_missed_resolution_escalates_and_a_second_miss_again(ctx, clock):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    await ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await ctx.cases.handle(AddNote(ref=case.number, note="已安排"), actor_for(agent))
    clock.advance(hours=25)  # general: resolved within 24 h
    assert (await sweep_all(ctx)).acted == {"resolve": 1}
    clock.advance(hours=24)
    assert (await sweep_all(ctx)).acted == {"resolve": 1}
    await case.refresh_from_db()
    assert case.escalation_level == 3


async def test_unresolved_after_30_days_becomes_major(ctx, clock):
    manager = await make_staff(Role.MANAGER)
    case = await ctx.cases.submit(tenant_draft(), Actor.system())
    clock.advance(days=30)
    report = await sweep_all(ctx)
    assert report.acted.get("aged") == 1
    await case.refresh_from_db()
    assert case.severity is Severity.MAJOR
    event = await CaseEvent.get(case_id=case.id, action="change_severity")
    assert event.data["reason"] == "unresolved_30_days" and event.actor_kind.value == "system"
    assert manager.telegram_id in [m.chat_id for m in await kinds("manager_alert")]
    assert "aged" not in (await sweep_all(ctx)).acted


async def test_three_households_in_one_building_make_one_major_incident(ctx, clock):
    manager = await make_staff(Role.MANAGER)
    units = ["7-1-301", "7-2-502", "7-1-1101"]
    for i, unit in enumerate(units):
        await ctx.cases.submit(
            tenant_draft("楼道里水管漏水", telegram_id=300 + i, unit=unit), Actor.system()
        )
        clock.advance(hours=1)
    await ctx.cases.submit(
        tenant_draft("楼道里水管漏水", telegram_id=400, unit="8-1-101"), Actor.system()
    )
    report = await sweep_all(ctx)
    assert (
        "collective" not in report.acted
    )  # linked when the third household filed (the sweep is the net)
    incident = await Incident.get()
    linked = await Case.filter(incident_id=incident.id)
    assert sorted(c.unit for c in linked) == sorted(units)
    assert all(c.severity is Severity.MAJOR for c in linked)
    assert (await Case.get(unit="8-1-101")).incident_id is None
    assert [m.chat_id for m in await kinds("manager_alert")].count(manager.telegram_id) == 1
    # A fourth household joins the same incident.
    await ctx.cases.submit(
        tenant_draft("水管漏水", telegram_id=500, unit="7-3-201"), Actor.system()
    )
    assert "collective" not in (await sweep_all(ctx)).acted
    assert await Case.filter(incident_id=incident.id).count() == 4
    assert await Incident.all().count() == 1


async def test_two_reports_from_one_household_are_not_collective(ctx, clock):
    for i in range(3):
        await ctx.cases.submit(tenant_draft(telegram_id=600 + i, unit="9-1-101"), Actor.system())
    assert "collective" not in (await sweep_all(ctx)).acted


async def resolved_case(ctx, clock, **draft):
    agent = await make_staff()
    case = await ctx.cases.submit(tenant_draft(**draft), Actor.system())
    await ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await ctx.cases.handle(Resolve(ref=case.number, resolution="已修好"), actor_for(agent))
    return case


async def test_survey_reminder_and_close_as_no_response(ctx, clock):
    case = await resolved_case(ctx, clock)
    clock.advance(hours=4)
    assert (await sweep_all(ctx)).acted == {"survey": 1}
    assert len(await kinds("survey")) == 1
    clock.advance(hours=24)
    assert (await sweep_all(ctx)).acted == {"survey_reminder": 1}
    clock.advance(hours=48)
    assert (await sweep_all(ctx)).acted == {"survey_close": 1}
    await case.refresh_from_db()
    assert case.status is Status.CLOSED and case.close_reason == "no_response"
    assert (await sweep_all(ctx)).total == 0


async def test_survey_answers(ctx, clock):
    case = await resolved_case(ctx, clock)
    clock.advance(hours=4)
    await sweep_all(ctx)
    tenant = Actor.tenant(case.complainant_id)
    answer = AnswerSurvey(ref=case.id, solved=True, satisfaction=4)
    change = await ctx.cases.handle(answer, tenant)
    assert change.case.status is Status.CLOSED and change.case.satisfaction == 4
    await ctx.cases.handle(CommentSurvey(ref=case.id, comment="师傅很耐心"), tenant)
    await case.refresh_from_db()
    assert case.satisfaction_comment == "师傅很耐心"
    clock.advance(days=5)
    assert (await sweep_all(ctx)).total == 0  # answered: no reminder, no second close


async def test_not_solved_reopens_and_escalates(ctx, clock):
    supervisor = await make_staff(Role.SUPERVISOR)
    case = await resolved_case(ctx, clock)
    clock.advance(hours=4)
    await sweep_all(ctx)
    answer = AnswerSurvey(ref=case.id, solved=False)
    change = await ctx.cases.handle(answer, Actor.tenant(case.complainant_id))
    assert change.case.status is Status.IN_PROGRESS and change.case.escalation_level == 2
    assert supervisor.telegram_id in [m.chat_id for m in await kinds("escalation")]
    clock.advance(days=3)
    assert "survey_close" not in (await sweep_all(ctx)).acted


async def test_major_case_survey_after_24h_by_a_supervisor_when_there_is_no_chat(ctx, clock):
    supervisor = await make_staff(Role.SUPERVISOR)
    case = await resolved_case(ctx, clock, telegram_id=None, severity=Severity.MAJOR)
    clock.advance(hours=23)
    assert "survey" not in (await sweep_all(ctx)).acted
    clock.advance(hours=1)
    assert (await sweep_all(ctx)).acted.get("survey") == 1
    calls = await kinds("followup_call")
    assert [m.chat_id for m in calls] == [supervisor.telegram_id]
    clock.advance(days=5)
    await case.refresh_from_db()
    assert (await sweep_all(ctx)).total == 0 and case.status is Status.RESOLVED


async def test_a_day_of_downtime_is_caught_up_once(ctx, clock):
    for i in range(5):
        await ctx.cases.submit(tenant_draft(telegram_id=100 + i), Actor.system())
    clock.advance(days=1)
    first = await sweep_all(ctx)
    assert first.acted["assign"] == 5 and first.acted["feedback"] == 5
    assert (await sweep_all(ctx)).acted.get("feedback") is None


@pytest.mark.skipif(
    not on_postgres(), reason="two sweepers on separate connections need PostgreSQL"
)
async def test_two_schedulers_act_once_on_each_of_500_due_cases(ctx, clock):
    for i in range(500):
        await ctx.cases.submit(tenant_draft(telegram_id=10_000 + i), Actor.system())
    clock.advance(minutes=11)
    reports = await asyncio.gather(sweep_all(ctx), sweep_all(ctx))
    while any(r.total for r in reports):  # batches of 200: sweep until nothing is left
        reports = await asyncio.gather(sweep_all(ctx), sweep_all(ctx))
    assert await CaseEvent.filter(action="escalate").count() == 500
    assert await Case.filter(escalation_level=2).count() == 500


@pytest.mark.skipif(
    not on_postgres(), reason="two sweepers on separate connections need PostgreSQL"
)
@pytest.mark.parametrize("pause", ["after_finding_no_incident", "after_creating_the_incident"])
async def test_two_schedulers_open_one_incident_and_alert_the_managers_once(
    ctx, clock, settings, monkeypatch, pause
):
    manager = await make_staff(Role.MANAGER)
    for i, unit in enumerate(["7-1-301", "7-2-502", "7-1-1101"]):
        await ctx.cases.submit(
            tenant_draft("楼道里水管漏水", telegram_id=300 + i, unit=unit), Actor.system()
        )
    other = AppContext.build(settings, clock, classify=lambda text: FakeTriage())
    # The first instance is descheduled at the worst moment while the second one sweeps.
    owner, name = (
        (ctx.cases.incidents, "open_incident")
        if pause == "after_finding_no_incident"
        else (ctx.cases, "handle")
    )
    original = getattr(owner, name)

    async def paused(*args, **kwargs):
        joining = isinstance(args[0], JoinIncident) and args[0].alert_managers
        if name == "open_incident" or joining:
            await asyncio.sleep(0.2)
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, paused)

    async def second_instance():
        await asyncio.sleep(0.1)
        await sweep_all(other)

    await asyncio.gather(sweep_all(ctx), second_instance())
    incident = await Incident.get()  # one incident, not one per instance
    assert await Case.filter(incident_id=incident.id).count() == 3
    assert [m.chat_id for m in await kinds("manager_alert")] == [
        manager.telegram_id
    ]  # told once, not zero times
