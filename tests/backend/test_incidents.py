"""Incidents linked when a case is filed: one incident per outage, whatever instance files the cases."""

import asyncio

import pytest

from backend.context import AppContext
from backend.domain import NotFound, PermissionDenied, Role, Severity, Status
from backend.models import Case, CaseEvent, Incident, IncidentNote, IncidentStatus, OutboxMessage
from backend.services.actors import Actor
from backend.services.incident_words import keywords, similar
from tests.conftest import FakeTriage
from tests.factories import actor_for, make_staff, tenant_draft


@pytest.fixture
def ctx(settings, clock):
    return AppContext.build(settings, clock, classify=lambda text: FakeTriage())


async def file(ctx, text: str, unit: str, telegram_id: int, **extra) -> Case:
    return await ctx.cases.submit(
        tenant_draft(text, telegram_id=telegram_id, unit=unit, **extra), Actor.system()
    )


async def three_households(ctx) -> list[Case]:
    return [
        await file(ctx, text, unit, 900 + i)
        for i, (text, unit) in enumerate(
            [("12栋停水了", "12-1-101"), ("家里没水了", "12-1-202"), ("断水了怎么回事", "12-2-303")]
        )
    ]


def test_outage_words_of_one_thing_fit_and_other_problems_do_not():
    water = keywords("12栋停水了，什么时候来水")
    assert similar(keywords("家里没水了"), water)
    assert similar(keywords("断水了"), water)
    assert not similar(keywords("楼上漏水到我家天花板"), water)
    assert not similar(keywords("电梯坏了"), water)
    assert similar(keywords("No water in building 12 since noon"), water)  # another language
    assert similar(keywords("楼里一滴水都没有"), water)
    assert similar(keywords("漏水"), keywords("楼上漏水到我家"))
    assert similar(keywords("了吗？"), water)  # no keywords: building and category decide


async def test_the_third_household_opens_the_incident_and_the_earlier_cases_join(ctx):
    first, second, third = await three_households(ctx)
    incident = await Incident.get()
    assert incident.status is IncidentStatus.PROPOSED and incident.building == "12"
    assert "停水" in incident.keywords
    for case in (first, second, third):
        await case.refresh_from_db()
        assert case.incident_id == incident.id and case.severity is Severity.MAJOR
    # Cases 1 and 2 have their own cards; the third has none: the incident's card stands for it.
    cards = await OutboxMessage.filter(kind="staff_card").values_list("case_id", flat=True)
    assert sorted(cards) == [first.id, second.id]
    assert await OutboxMessage.filter(kind="incident_card").count() == 1
    # A fourth joins at filing: a receipt, no card.
    fourth = await file(ctx, "停水", "12-3-404", 950)
    await fourth.refresh_from_db()
    assert fourth.incident_id == incident.id
    assert await OutboxMessage.filter(case_id=fourth.id, kind="staff_card").count() == 0
    assert await OutboxMessage.filter(case_id=fourth.id, kind="receipt").count() == 1


async def test_two_reports_from_one_unit_and_cases_without_a_building_stay_single(ctx):
    for i in range(3):
        await file(ctx, "停水了", "12-1-101", 960 + i)
    for i in range(3):
        await file(ctx, "停水了", "", 970 + i)
    assert await Incident.all().count() == 0
    assert await Case.filter(incident_id__isnull=False).count() == 0


async def test_two_concurrent_submits_open_one_incident(ctx):
    await file(ctx, "12栋停水了", "12-1-101", 980)
    await file(ctx, "停水了", "12-1-202", 981)
    await asyncio.gather(
        file(ctx, "停水了", "12-2-303", 982),
        file(ctx, "也停水了", "12-2-404", 983),
    )
    assert await Incident.all().count() == 1
    incident = await Incident.get()
    assert await Case.filter(incident_id=incident.id).count() == 4
    assert await OutboxMessage.filter(kind="incident_card").count() == 1


async def test_a_note_sent_twice_with_one_key_goes_out_once(ctx):
    await three_households(ctx)
    incident = await Incident.get()
    agent = actor_for(await make_staff(Role.AGENT))
    sent = await ctx.cases.incidents.send_note(incident.id, "预计18:00恢复供水", agent, "form:1")
    again = await ctx.cases.incidents.send_note(incident.id, "预计18:00恢复供水", agent, "form:1")
    assert (sent.cases, again.cases, again.repeat) == (3, 0, True)
    assert await CaseEvent.filter(action="note", public=True).count() == 3
    assert await OutboxMessage.filter(kind="tenant_update").count() == 3
    assert await IncidentNote.filter(kind="note").count() == 1


async def test_supervisors_add_and_remove_cases_and_resolve_the_incident(ctx):
    await three_households(ctx)
    incident = await Incident.get()
    lone = await file(ctx, "水管漏水", "5-1-101", 990)
    agent = actor_for(await make_staff(Role.AGENT))
    supervisor = actor_for(await make_staff(Role.SUPERVISOR, name="陈主管"))
    with pytest.raises(PermissionDenied):
        await ctx.cases.incidents.add_case(incident.id, lone.number, agent)
    with pytest.raises(NotFound):
        await ctx.cases.incidents.add_case(incident.id, "QC-20990101-0001", supervisor)
    assert await ctx.cases.incidents.add_case(incident.id, lone.number, supervisor)
    assert not await ctx.cases.incidents.add_case(incident.id, lone.number, supervisor)
    assert await ctx.cases.incidents.remove_case(incident.id, lone.id, supervisor)
    await lone.refresh_from_db()
    assert lone.incident_id is None
    assert await ctx.cases.incidents.confirm(incident.id, agent)
    sent = await ctx.cases.incidents.resolve(incident.id, "已恢复供水", supervisor, "form:2")
    assert sent.cases == 3
    incident = await Incident.get()
    assert incident.status is IncidentStatus.RESOLVED and incident.resolution == "已恢复供水"
    assert {c.status for c in await Case.filter(incident_id=incident.id)} == {Status.RESOLVED}
    kinds = [n.kind for n in await IncidentNote.filter(incident_id=incident.id).order_by("id")]
    assert kinds == ["open", "add", "remove", "confirm", "resolve"]
    # A new report after the resolution starts afresh (a new incident once three households report).
    await file(ctx, "又停水了", "12-1-101", 991)
    assert await Incident.all().count() == 1


async def test_an_emergency_keeps_its_own_card_during_an_incident(settings, clock):
    def classify(text: str) -> FakeTriage:
        triage = FakeTriage()
        triage.emergency = "煤气" in text
        return triage

    ctx = AppContext.build(settings, clock, classify=classify)
    await three_households(ctx)
    gas = await file(ctx, "停水了，还闻到煤气味", "12-3-505", 995)
    await gas.refresh_from_db()
    assert gas.incident_id is None
    assert await OutboxMessage.filter(case_id=gas.id, kind="staff_card").count() == 1


async def test_a_supply_cut_filed_as_facility_or_utilities_is_one_incident(ctx):
    """Triage may read "停水" as the city's and "没水" as the estate's: one water cut is one event."""
    reports = [
        ("12栋停水了", "12-1-101", "utilities"),
        ("家里没水了", "12-1-202", "facility"),
        ("水龙头一滴水都没有", "12-2-303", "facility"),
        ("No water since noon", "12-2-404", "utilities"),
    ]
    cases = [
        await file(ctx, text, unit, 900 + i, category=category)
        for i, (text, unit, category) in enumerate(reports)
    ]
    lift = await file(ctx, "电梯坏了", "12-1-505", 990, category="facility")
    leak = await file(ctx, "楼上漏水到我家", "12-1-606", 991, category="facility")
    (incident,) = await Incident.all()
    for case in cases:
        await case.refresh_from_db()
        assert case.incident_id == incident.id, case.description
    for other in (lift, leak):
        await other.refresh_from_db()
        assert other.incident_id is None, other.description
