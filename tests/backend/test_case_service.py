"""The case service: every change writes the case, an event and the outbox together."""

import asyncio
from datetime import timedelta

import pytest

from backend.domain import (
    Action,
    Channel,
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    Role,
    Severity,
    Status,
    ValidationFailed,
)
from backend.domain.commands import (
    AddNote,
    Assign,
    Cancel,
    ChangeCategory,
    ChangeSeverity,
    Claim,
    Close,
    Escalate,
    MarkInvalid,
    Reopen,
    Resolve,
    Start,
    Supplement,
)
from backend.domain.commands import Attachment as Photo
from backend.models import (
    Attachment,
    Case,
    CaseEvent,
    Complainant,
    Department,
    OutboxMessage,
    TriageCorrection,
)
from backend.services.actors import Actor
from backend.services.drafts import AttachmentDraft
from tests.conftest import FakeTriage, on_postgres
from tests.factories import actor_for, make_staff, tenant_draft


async def outbox_kinds(case: Case) -> list[str]:
    return [m.kind for m in await OutboxMessage.filter(case_id=case.id).order_by("id")]


async def test_submit_records_case_event_receipt_and_card(service):
    case = await service.submit(
        tenant_draft(attachments=[AttachmentDraft("photo-1")]), Actor.system()
    )
    assert case.number == "QC-20261123-0001"
    assert case.status is Status.NEW
    assert case.category == "facility" and case.category_suggested == "facility"
    assert case.building == "3"
    assert case.off_hours is False
    assert case.feedback_due_at == case.received_at + timedelta(hours=24)
    assert [e.action for e in await CaseEvent.filter(case_id=case.id)] == ["submit"]
    assert await outbox_kinds(case) == ["receipt", "staff_card", "card_photo"]
    receipt = await OutboxMessage.get(case_id=case.id, kind="receipt")
    assert receipt.chat_id == 777 and receipt.payload["number"] == case.number
    assert await Attachment.filter(case_id=case.id).count() == 1
    tenant = await Complainant.get(telegram_id=777)
    assert (tenant.name, tenant.phone, tenant.unit) == (
        "王女士",
        "+8613812345678",
        "3-1-1202",
    )  # E.164


async def test_numbers_count_up_per_day_and_restart_the_next_day(service, clock):
    first = await service.submit(tenant_draft(), Actor.system())
    second = await service.submit(tenant_draft(telegram_id=778), Actor.system())
    clock.advance(days=1)
    third = await service.submit(tenant_draft(telegram_id=779), Actor.system())
    assert [first.number, second.number, third.number] == [
        "QC-20261123-0001",
        "QC-20261123-0002",
        "QC-20261124-0001",
    ]


async def test_number_uses_the_local_date(service, clock):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))  # already 01:00 on the 24th in Shanghai
    case = await service.submit(tenant_draft(), Actor.system())
    assert case.number.startswith("QC-20261124-")
    assert case.off_hours is True


async def test_submit_is_idempotent_on_client_key(service):
    first = await service.submit(tenant_draft(client_key="dialog-42"), Actor.system())
    again = await service.submit(tenant_draft(client_key="dialog-42"), Actor.system())
    assert again.id == first.id
    assert await Case.all().count() == 1
    assert await OutboxMessage.filter(kind="receipt").count() == 1


async def test_empty_description_is_refused_and_nothing_is_written(service):
    with pytest.raises(ValidationFailed) as error:
        await service.submit(tenant_draft(text="   "), Actor.system())
    assert error.value.details["field"] == "description"
    assert await Case.all().count() == 0


async def test_bad_phone_is_refused(service):
    with pytest.raises(ValidationFailed) as error:
        await service.submit(tenant_draft(contact_phone="12"), Actor.system())
    assert error.value.details["field"] == "contact_phone"


async def test_major_case_alerts_every_manager_at_once(settings, clock):
    from backend.services.cases import CaseService

    manager = await make_staff(Role.MANAGER)
    await make_staff(Role.AGENT)
    service = CaseService(settings, clock, classify=lambda t: FakeTriage("security", "major"))
    case = await service.submit(tenant_draft("楼道里有很浓的煤气味"), Actor.system())
    assert case.severity is Severity.MAJOR
    assert case.feedback_due_at == case.received_at + timedelta(hours=1)
    alerts = await OutboxMessage.filter(kind="manager_alert")
    assert [a.chat_id for a in alerts] == [manager.telegram_id]


async def test_second_complaint_in_30_days_is_important(service, clock):
    await service.submit(tenant_draft(), Actor.system())
    clock.advance(days=10)
    again = await service.submit(tenant_draft("又漏水了"), Actor.system())
    assert again.severity is Severity.IMPORTANT
    clock.advance(days=31)
    later = await service.submit(tenant_draft("漏水"), Actor.system())
    assert later.severity is Severity.GENERAL


async def test_a_returning_tenant_is_remembered_with_their_latest_details(service, clock):
    await service.submit(tenant_draft(), Actor.system())
    before = await Complainant.get(telegram_id=777)
    clock.advance(days=2)
    other = await service.submit(
        tenant_draft("楼下晚上很吵", category="noise", contact_name="王阿姨", unit=""),
        Actor.system(),
    )
    assert other.severity is Severity.GENERAL  # another category: not a repeat
    assert other.complainant_id == before.id
    tenant = await Complainant.get(telegram_id=777)
    assert (tenant.name, tenant.unit, tenant.updated_at) == ("王阿姨", "3-1-1202", clock.now())
    assert await Complainant.all().count() == 1


async def test_the_case_a_submit_returns_is_the_stored_row(service):
    case = await service.submit(
        tenant_draft(client_key="k-1", attachments=[AttachmentDraft("photo-1")]), Actor.system()
    )
    stored = await Case.get(id=case.id)
    names = Case._meta.fields_db_projection
    assert {name: getattr(case, name) for name in names} == {
        name: getattr(stored, name) for name in names
    }
    case.status = Status.ASSIGNED  # the instance can be saved like one the ORM created
    await case.save()
    assert (await Case.get(id=case.id)).status is Status.ASSIGNED


async def test_off_hours_case_goes_to_the_duty_officer(service, clock):
    from datetime import UTC, datetime

    officer = await make_staff(Role.SUPERVISOR, on_duty=True)
    clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    case = await service.submit(tenant_draft(), Actor.system())
    duty = await OutboxMessage.get(kind="duty_alert")
    assert duty.chat_id == officer.telegram_id and duty.case_id == case.id


async def test_triage_failure_never_loses_the_complaint(settings, clock):
    from backend.services.cases import CaseService

    def broken(text):
        raise RuntimeError("model file damaged")

    case = await CaseService(settings, clock, classify=broken).submit(
        tenant_draft(), Actor.system()
    )
    assert case.category == "other"


async def test_phone_registered_case_without_telegram(service):
    agent = await make_staff()
    draft = tenant_draft(telegram_id=None, channel=Channel.PHONE)
    case = await service.submit(draft, actor_for(agent))
    assert case.channel is Channel.PHONE
    assert await outbox_kinds(case) == ["staff_card"]  # no chat to send a receipt to


async def test_full_life_of_a_case(service, clock):
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    await service.handle(Claim(ref=case.number), actor_for(agent))
    clock.advance(minutes=5)
    await service.handle(Start(ref=case.number), actor_for(agent))
    await service.handle(AddNote(ref=case.number, note="师傅下午两点上门检查"), actor_for(agent))
    clock.advance(hours=3)
    change = await service.handle(
        Resolve(ref=case.number, resolution="已更换楼上的角阀，漏水已止住"), actor_for(agent)
    )
    case = change.case
    assert case.status is Status.RESOLVED
    assert case.first_feedback_at is not None and case.feedback_due_at is None
    assert case.assign_due_at is None and case.resolve_due_at is None
    assert case.followup_due_at == case.resolved_at + timedelta(hours=4)
    tenant = Actor.tenant(case.complainant_id)
    closed = await service.handle(
        Close(ref=case.number, reason="confirmed", satisfaction=5, comment="师傅很专业"), tenant
    )
    assert closed.case.status is Status.CLOSED and closed.case.satisfaction == 5
    events = await CaseEvent.filter(case_id=case.id).order_by("id")
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("submit", "", "new"),
        ("claim", "new", "assigned"),
        ("start", "assigned", "in_progress"),
        ("note", "in_progress", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("close", "resolved", "closed"),
    ]
    updates = await OutboxMessage.filter(kind="tenant_update").order_by("id")
    # the tenant closed it themselves: they are answered where they acted, not told again by the outbox
    assert [u.payload["event"] for u in updates] == ["claim", "note", "resolve"]
    assert updates[1].payload["note"] == "师傅下午两点上门检查"


async def test_two_staff_claim_at_once_one_wins(service):
    a, b = await make_staff(name="小李"), await make_staff(name="小张")
    case = await service.submit(tenant_draft(), Actor.system())
    results = await asyncio.gather(
        service.handle(Claim(ref=case.number), actor_for(a)),
        service.handle(Claim(ref=case.number), actor_for(b)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], Conflict)
    assert winners[0].case.owner_id in (a.id, b.id)


async def test_illegal_transition_changes_nothing(service):
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    with pytest.raises(IllegalTransition):
        await service.handle(Resolve(ref=case.number, resolution="done"), actor_for(agent))
    fresh = await Case.get(id=case.id)
    assert fresh.status is Status.NEW and fresh.resolution == ""
    assert await CaseEvent.filter(case_id=case.id).count() == 1


async def test_unknown_case(service):
    with pytest.raises(NotFound):
        await service.handle(Start(ref="QC-20261123-9999"), Actor.system())


async def test_agent_cannot_resolve_a_colleagues_case(service):
    owner, colleague = await make_staff(), await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    await service.handle(Claim(ref=case.number), actor_for(owner))
    with pytest.raises(PermissionDenied):
        await service.handle(Resolve(ref=case.number, resolution="done"), actor_for(colleague))
    supervisor = await make_staff(Role.SUPERVISOR)
    await service.handle(Resolve(ref=case.number, resolution="处理完毕"), actor_for(supervisor))


async def test_tenant_cancels_only_own_case_before_work_starts(service):
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    stranger = Actor.tenant(case.complainant_id + 100)
    with pytest.raises(PermissionDenied):
        await service.handle(Cancel(ref=case.number), stranger)
    await service.handle(Claim(ref=case.number), actor_for(agent))
    await service.handle(Start(ref=case.number), actor_for(agent))
    with pytest.raises(IllegalTransition):
        await service.handle(Cancel(ref=case.number), Actor.tenant(case.complainant_id))


async def test_cancel_before_work(service):
    case = await service.submit(tenant_draft(), Actor.system())
    change = await service.handle(
        Cancel(ref=case.number, reason="已经自己修好了"), Actor.tenant(case.complainant_id)
    )
    assert change.case.status is Status.CANCELLED
    assert change.case.assign_due_at is None and change.case.resolve_due_at is None


async def test_invalid_needs_a_reason_and_tells_the_tenant(service):
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    with pytest.raises(ValidationFailed):
        await service.handle(MarkInvalid(ref=case.number, reason="  "), actor_for(agent))
    change = await service.handle(
        MarkInvalid(ref=case.number, reason="属市政供水，请致电自来水公司热线"), actor_for(agent)
    )
    assert change.case.status is Status.INVALID
    update = await OutboxMessage.get(kind="tenant_update")
    assert update.payload["event"] == "invalid" and "自来水" in update.payload["note"]


async def test_reopen_escalates_one_level_and_raises_severity(service):
    agent = await make_staff()
    supervisor = await make_staff(Role.SUPERVISOR)
    case = await service.submit(tenant_draft(), Actor.system())
    await service.handle(Claim(ref=case.number), actor_for(agent))
    await service.handle(Resolve(ref=case.number, resolution="已处理"), actor_for(agent))
    change = await service.handle(
        Reopen(ref=case.number, reason="还是漏水"), Actor.tenant(case.complainant_id)
    )
    assert change.case.status is Status.IN_PROGRESS
    assert change.case.escalation_level == 2 and change.case.reopen_count == 1
    assert change.case.severity is Severity.IMPORTANT  # the tenant was dissatisfied
    assert change.case.followup_due_at is None and change.case.resolve_due_at is not None
    escalation = await OutboxMessage.get(kind="escalation")
    assert escalation.chat_id == supervisor.telegram_id


async def test_escalation_stops_at_the_manager(service):
    manager = await make_staff(Role.MANAGER)
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    await service.handle(Escalate(ref=case.number, reason="十分钟无人接单"), actor_for(agent))
    change = await service.handle(Escalate(ref=case.number, reason="再次超时"), Actor.system())
    assert change.case.escalation_level == 3
    alert = await OutboxMessage.get(kind="manager_alert")
    assert alert.chat_id == manager.telegram_id
    with pytest.raises(IllegalTransition):
        await service.handle(Escalate(ref=case.number, reason="again"), Actor.system())
    events = [e.action for e in await CaseEvent.filter(case_id=case.id)]
    assert events.count("escalate") == 2


async def test_category_change_is_kept_as_a_triage_correction(service):
    agent = await make_staff()
    case = await service.submit(tenant_draft("楼上天天半夜拖椅子"), Actor.system())
    await service.handle(
        ChangeCategory(ref=case.number, category="noise", reason="是噪音不是设施"), actor_for(agent)
    )
    correction = await TriageCorrection.get(case_id=case.id)
    assert (correction.text, correction.suggested, correction.corrected) == (
        "楼上天天半夜拖椅子",
        "facility",
        "noise",
    )
    with pytest.raises(ValidationFailed):
        await service.handle(
            ChangeCategory(ref=case.number, category="weather", reason="x"), actor_for(agent)
        )


async def test_raising_severity_tightens_the_clocks_and_alerts_managers(service):
    manager = await make_staff(Role.MANAGER)
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    change = await service.handle(
        ChangeSeverity(ref=case.number, severity="major", reason="整栋楼停水"), actor_for(agent)
    )
    assert change.case.feedback_due_at == case.received_at + timedelta(hours=1)
    assert (await OutboxMessage.get(kind="manager_alert")).chat_id == manager.telegram_id
    lowered = await service.handle(
        ChangeSeverity(ref=case.number, severity="general", reason="误判，只是一户"),
        actor_for(agent),
    )
    assert lowered.case.severity is Severity.GENERAL
    assert lowered.case.feedback_due_at == case.received_at + timedelta(
        hours=1
    )  # promises never lengthen


async def test_assigning_an_unknown_department_names_the_active_codes(service):
    agent = await make_staff()
    case = await service.submit(tenant_draft(), Actor.system())
    with pytest.raises(ValidationFailed) as error:
        await service.handle(
            Assign(ref=case.number, department_code="engineering"), actor_for(agent)
        )
    assert "there is no active department yet" in error.value.message
    await Department.create(code="engineering", name="工程部")
    await Department.create(code="cleaning", name="保洁部")
    await Department.create(code="greening", name="绿化部", active=False)
    with pytest.raises(ValidationFailed) as error:
        await service.handle(Assign(ref=case.number, department_code="eng"), actor_for(agent))
    assert (
        error.value.message
        == "no active department 'eng'; the active department codes are cleaning, engineering"
    )
    assert error.value.details == {"field": "department"}


async def test_assign_to_a_department(service):
    agent = await make_staff()
    engineering = await Department.create(code="engineering", name="工程部")
    case = await service.submit(tenant_draft(), Actor.system())
    change = await service.handle(
        Assign(ref=case.number, department_code="engineering"), actor_for(agent)
    )
    assert change.case.department_id == engineering.id
    assert change.case.status is Status.ASSIGNED
    assert change.case.assign_due_at is not None  # nobody owns it yet: the clock still runs
    change = await service.handle(Assign(ref=case.number, staff_id=agent.id), actor_for(agent))
    assert change.case.assign_due_at is None


@pytest.mark.skipif(
    not on_postgres(), reason="concurrency of separate connections needs PostgreSQL"
)
async def test_concurrent_submits_get_unique_numbers_on_postgres(service):
    drafts = [tenant_draft(telegram_id=9000 + i) for i in range(40)]
    cases = await asyncio.gather(*(service.submit(d, Actor.system()) for d in drafts))
    numbers = [c.number for c in cases]
    assert len(set(numbers)) == 40
    assert sorted(numbers)[-1] == "QC-20261123-0040"


@pytest.mark.skipif(
    not on_postgres(), reason="concurrency of separate connections needs PostgreSQL"
)
async def test_concurrent_retries_of_one_submit_create_one_case_on_postgres(service):
    cases = await asyncio.gather(
        *(service.submit(tenant_draft(client_key="same-dialog"), Actor.system()) for _ in range(10))
    )
    assert len({c.id for c in cases}) == 1
    assert await Case.all().count() == 1


def test_every_action_has_a_command():
    from backend.domain.commands import COMMANDS

    # A submit is `CaseService.submit`; a comment is the tenant's CommentSurvey, given in the bot only.
    assert set(COMMANDS) | {Action.SUBMIT, Action.COMMENT} == set(Action)
    assert all(command.action is action for action, command in COMMANDS.items())


async def test_tenant_supplements_an_emergency_filed_early(service):
    case = await service.submit(
        tenant_draft("厨房有煤气味", unit="", contact_phone=""), Actor.system()
    )
    tenant = Actor.tenant(case.complainant_id)
    change = await service.handle(
        Supplement(
            ref=case.number,
            unit="5栋302",
            contact_phone="13900001111",
            attachments=(Photo("photo-9"),),
        ),
        tenant,
    )
    assert (change.case.unit, change.case.building, change.case.contact_phone) == (
        "5栋302",
        "5",
        "+8613900001111",
    )
    assert change.event.data["fields"] == ["contact_phone", "unit", "attachments"]
    assert await Attachment.filter(case_id=case.id).count() == 1
    with pytest.raises(ValidationFailed):
        await service.handle(Supplement(ref=case.number, contact_phone="123"), tenant)


@pytest.mark.parametrize(
    ("locale", "typed", "stored"),
    [
        ("zh_TW", "0988-123-456", "+886988123456"),  # a Taiwan mobile
        ("zh_TW", "9123 4567", "+85291234567"),  # a Hong Kong mobile
        ("zh_CN", "138 0013 8000", "+8613800138000"),
    ],
)
async def test_phones_from_taiwan_and_hong_kong_are_accepted_and_stored_in_e164(
    service, locale, typed, stored
):
    case = await service.submit(tenant_draft(contact_phone=typed, locale=locale), Actor.system())
    assert case.contact_phone == stored
    assert (await Complainant.get(id=case.complainant_id)).phone == stored
    later = await service.submit(
        tenant_draft(contact_phone="", unit="", locale=locale, telegram_id=778), Actor.system()
    )
    change = await service.handle(
        Supplement(ref=later.number, contact_phone=typed), Actor.tenant(later.complainant_id)
    )
    assert change.case.contact_phone == stored


async def test_a_refused_phone_in_a_supplement_keeps_nothing_of_it(service):
    case = await service.submit(
        tenant_draft("厨房有煤气味", unit="", contact_phone=""), Actor.system()
    )
    with pytest.raises(ValidationFailed) as refused:
        await service.handle(
            Supplement(ref=case.number, unit="5栋302", contact_phone="0988-123"),
            Actor.tenant(case.complainant_id),
        )
    assert refused.value.details["field"] == "contact_phone"
    fresh = await Case.get(id=case.id)
    assert (fresh.unit, fresh.contact_phone) == ("", "")
    assert not await CaseEvent.filter(case_id=case.id, action="supplement").exists()
