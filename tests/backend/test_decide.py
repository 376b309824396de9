"""The pure domain step: each command's decision on representative case states, without a database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.domain import (
    Action,
    ActorKind,
    Conflict,
    IllegalTransition,
    PermissionDenied,
    Role,
    Severity,
    Status,
    ValidationFailed,
    due_times,
    load_policy,
)
from backend.domain.commands import (
    AddNote,
    AgeToMajor,
    AnswerSurvey,
    Assign,
    Attachment,
    Cancel,
    ChangeCategory,
    ChangeSeverity,
    Claim,
    Close,
    CloseReason,
    CloseUnanswered,
    CommentSurvey,
    Escalate,
    EscalateMissedClock,
    FeedbackOverdue,
    JoinIncident,
    LeaveIncident,
    MarkInvalid,
    RemindSurvey,
    Reopen,
    Resolve,
    ResolveIncidentCase,
    SendSurvey,
    Start,
    Supplement,
)
from backend.domain.decide import (
    ActorFacts,
    CaseState,
    Correction,
    DepartmentRef,
    Notice,
    StaffRef,
    To,
    decide,
)
from backend.domain.enums import DueClock
from backend.domain.messages import FollowupCall, OutboxKind

POLICY = load_policy()
TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NOW = RECEIVED + timedelta(hours=1)

TENANT = ActorFacts(ActorKind.TENANT, id=7, name="王女士")
OTHER_TENANT = ActorFacts(ActorKind.TENANT, id=8)
AGENT = ActorFacts(ActorKind.STAFF, id=1, name="李师傅", role=Role.AGENT)
COLLEAGUE = ActorFacts(ActorKind.STAFF, id=2, name="张师傅", role=Role.AGENT)
SUPERVISOR = ActorFacts(ActorKind.STAFF, id=3, name="陈主管", role=Role.SUPERVISOR)
MANAGER = ActorFacts(ActorKind.STAFF, id=4, name="刘经理", role=Role.MANAGER)
API = ActorFacts(ActorKind.API, id=9, name="crm", role=Role.ADMIN)
SYSTEM = ActorFacts(ActorKind.SYSTEM, name="scheduler")


def state(status: Status = Status.NEW, **changes) -> CaseState:
    """A general case received an hour ago by tenant 7, with its clocks running."""
    due = due_times(RECEIVED, Severity.GENERAL, POLICY, TZ)
    base = CaseState(
        id=11,
        number="TS-20261123-0001",
        status=status,
        severity=Severity.GENERAL,
        category="facility",
        category_suggested="facility",
        locale="zh_CN",
        owner_id=None,
        complainant_id=7,
        incident_id=None,
        escalation_level=1,
        reopen_count=0,
        received_at=RECEIVED,
        promised_assign_at=due.assign,
        promised_feedback_at=due.first_feedback,
        promised_resolve_at=due.resolve,
        assign_due_at=due.assign,
        feedback_due_at=due.first_feedback,
        resolve_due_at=due.resolve,
        hard_due_at=due.hard_limit,
        followup_due_at=None,
        survey_reminder_at=None,
        survey_close_at=None,
        assigned_at=None,
        first_feedback_at=None,
        satisfaction=None,
        satisfaction_comment="",
        solved_confirmed=None,
        actor=AGENT,
        timezone=TZ,
        phone_region="CN",
    )
    return replace(base, **changes)


def owned(status: Status = Status.ASSIGNED, owner: ActorFacts = AGENT, **changes) -> CaseState:
    values = {"owner_id": owner.id, "assigned_at": RECEIVED, "assign_due_at": None}
    return state(status, **(values | changes))


def resolved(**changes) -> CaseState:
    stopped = {"resolve_due_at": None, "hard_due_at": None}
    return owned(Status.RESOLVED, **(stopped | {"followup_due_at": NOW} | changes))


def run(command, case: CaseState, actor: ActorFacts | None = None, now: datetime = NOW):
    return decide(command, replace(case, actor=actor or case.actor), now, POLICY)


def kinds(decision) -> list[tuple[To, OutboxKind]]:
    return [(n.to, n.kind) for n in decision.notices]


REF = "TS-20261123-0001"

# ---- who may do what, from which status -------------------------------------------------------------

ALLOWED = [
    # command                                  case                     actor       leads to
    (Claim(ref=REF), state(), AGENT, Status.ASSIGNED),
    (Assign(ref=REF, staff_id=2), state(), AGENT, Status.ASSIGNED),
    (Start(ref=REF), owned(), AGENT, Status.IN_PROGRESS),
    (Start(ref=REF), owned(owner=COLLEAGUE), SUPERVISOR, Status.IN_PROGRESS),
    (AddNote(ref=REF, note="在路上"), owned(owner=COLLEAGUE), AGENT, Status.ASSIGNED),
    (Resolve(ref=REF, resolution="已修好"), owned(Status.IN_PROGRESS), AGENT, Status.RESOLVED),
    (Resolve(ref=REF, resolution="已修好"), owned(), AGENT, Status.RESOLVED),  # fixed on the spot
    (Reopen(ref=REF, reason="还在漏"), resolved(), SUPERVISOR, Status.IN_PROGRESS),
    (Reopen(ref=REF, reason="还在漏"), resolved(), TENANT, Status.IN_PROGRESS),
    (Reopen(ref=REF, reason="还在漏"), owned(Status.CLOSED), MANAGER, Status.IN_PROGRESS),
    (Close(ref=REF, reason=CloseReason.MANUAL), resolved(), SUPERVISOR, Status.CLOSED),
    (Close(ref=REF, reason="manual"), resolved(), API, Status.CLOSED),
    (MarkInvalid(ref=REF, reason="非物业范围"), state(), AGENT, Status.INVALID),
    (Cancel(ref=REF), state(), TENANT, Status.CANCELLED),
    (Cancel(ref=REF), owned(), SUPERVISOR, Status.CANCELLED),
    (Escalate(ref=REF, reason="需要经理"), owned(Status.IN_PROGRESS), AGENT, Status.IN_PROGRESS),
    (ChangeCategory(ref=REF, category="noise", reason="打桩"), resolved(), AGENT, Status.RESOLVED),
    (ChangeSeverity(ref=REF, severity="important", reason="老人"), state(), AGENT, Status.NEW),
    (Supplement(ref=REF, unit="3-1-1202"), state(), TENANT, Status.NEW),
    (CommentSurvey(ref=REF, comment="很好"), owned(Status.CLOSED), TENANT, Status.CLOSED),
]


@pytest.mark.parametrize(("command", "case", "actor", "after"), ALLOWED)
def test_allowed_commands_lead_to_their_status(command, case, actor, after):
    decision = run(command, case, actor)
    assert decision.changes["status"] is after
    assert (decision.event.from_status, decision.event.to_status) == (case.status, after)
    assert decision.event.action is getattr(command, "action", Action.COMMENT)


REFUSED = [
    # command                                  case                      actor        error
    (Claim(ref=REF), state(), API, PermissionDenied),  # a token is nobody
    (Claim(ref=REF), owned(), COLLEAGUE, Conflict),  # two staff pressed at once
    (Claim(ref=REF), state(Status.RESOLVED), AGENT, IllegalTransition),
    (Start(ref=REF), owned(owner=COLLEAGUE), AGENT, PermissionDenied),  # a colleague's case
    (Start(ref=REF), state(), AGENT, IllegalTransition),  # nobody owns it yet
    (Resolve(ref=REF, resolution="好了"), owned(owner=COLLEAGUE), AGENT, PermissionDenied),
    (Resolve(ref=REF, resolution="好了"), state(), AGENT, IllegalTransition),
    (Reopen(ref=REF, reason="还在漏"), resolved(), AGENT, PermissionDenied),
    (Reopen(ref=REF, reason="还在漏"), owned(Status.CLOSED), SUPERVISOR, PermissionDenied),
    (Reopen(ref=REF, reason="还在漏"), owned(Status.CLOSED), TENANT, PermissionDenied),
    (Reopen(ref=REF, reason="还在漏"), resolved(), OTHER_TENANT, PermissionDenied),
    (Close(ref=REF), resolved(), AGENT, PermissionDenied),
    (Close(ref=REF), owned(Status.IN_PROGRESS), SUPERVISOR, IllegalTransition),
    (Cancel(ref=REF), owned(Status.IN_PROGRESS), TENANT, IllegalTransition),  # work started
    (Cancel(ref=REF), state(), AGENT, PermissionDenied),
    (AddNote(ref=REF, note="hi"), state(), TENANT, PermissionDenied),
    (MarkInvalid(ref=REF, reason="x"), resolved(), AGENT, IllegalTransition),
    (Escalate(ref=REF, reason="x"), state(escalation_level=3), AGENT, IllegalTransition),  # top
    (Escalate(ref=REF, reason="x"), resolved(), AGENT, IllegalTransition),
    (CommentSurvey(ref=REF, comment="好"), owned(Status.IN_PROGRESS), TENANT, IllegalTransition),
]


@pytest.mark.parametrize(("command", "case", "actor", "error"), REFUSED)
def test_refused_commands(command, case, actor, error):
    with pytest.raises(error):
        run(command, case, actor)


INVALID_INPUT = [
    # command                                                      field
    (AddNote(ref=REF, note="   "), "note"),
    (AddNote(ref=REF, note="长" * 4001), "note"),
    (Resolve(ref=REF, resolution=""), "resolution"),
    (Assign(ref=REF), "staff_id"),
    (Close(ref=REF, reason="cancelled"), "reason"),  # only a cancel sets it
    (Close(ref=REF, satisfaction=6), "satisfaction"),
    (ChangeCategory(ref=REF, category="weather", reason="x"), "category"),
    (ChangeCategory(ref=REF, category="facility", reason="x"), "category"),  # the one it has
    (ChangeSeverity(ref=REF, severity="urgent", reason="x"), "severity"),
    (ChangeSeverity(ref=REF, severity="general", reason="x"), "severity"),  # the one it has
    (Supplement(ref=REF, contact_phone="12"), "contact_phone"),
    (Supplement(ref=REF, location="长" * 201), "location"),
    (AnswerSurvey(ref=REF, solved=True), "satisfaction"),
    (CommentSurvey(ref=REF, comment=" "), "comment"),
]


@pytest.mark.parametrize(("command", "field"), INVALID_INPUT)
def test_invalid_input_names_the_field(command, field):
    with pytest.raises(ValidationFailed) as refused:
        run(command, resolved(), MANAGER)
    assert refused.value.details["field"] == field


# ---- what each command changes and tells ------------------------------------------------------------


def test_claim_takes_the_case_and_stops_the_assign_clock():
    decision = run(Claim(ref=REF), state(), AGENT)
    assert decision.changes == {
        "status": Status.ASSIGNED,
        "owner_id": AGENT.id,
        "assigned_at": NOW,
        "assign_due_at": None,
    }
    assert decision.event.data == {"owner": AGENT.name} and decision.event.public
    assert kinds(decision) == [
        (To.TENANT, OutboxKind.TENANT_UPDATE),
        (To.STAFF_CHAT, OutboxKind.CARD_REFRESH),
        (To.OWNER, OutboxKind.OWNER_BRIEF),
    ]
    assert decision.notices[0].payload.to_json() == {
        "number": REF,
        "event": "claim",
        "note": "",
        "owner": AGENT.name,
    }


def test_a_claimed_case_names_who_has_it():
    with pytest.raises(Conflict) as conflict:
        run(Claim(ref=REF), owned(owner_name="李师傅"), COLLEAGUE)
    assert conflict.value.details["owner"] == "李师傅"


def test_assign_to_a_staff_member_takes_their_department():
    case = state(assign_to_staff=StaffRef(2, "张师傅", department_id=5))
    decision = run(Assign(ref=REF, staff_id=2), case, SUPERVISOR)
    assert decision.changes["owner_id"] == 2 and decision.changes["department_id"] == 5
    assert decision.changes["assign_due_at"] is None
    assert (To.OWNER, OutboxKind.OWNER_BRIEF) in kinds(decision)


def test_assign_to_a_department_only_keeps_the_assign_clock():
    case = state(assign_to_department=DepartmentRef(5, "工程部"))
    decision = run(Assign(ref=REF, department_code="engineering"), case, SUPERVISOR)
    assert decision.changes == {"status": Status.ASSIGNED, "department_id": 5}
    assert decision.event.data == {"department": "工程部"}
    assert (To.OWNER, OutboxKind.OWNER_BRIEF) not in kinds(decision)


FIRST_FEEDBACK = [
    # command                                       actor     counts as the first feedback
    (AddNote(ref=REF, note="明天上门"), AGENT, True),
    (AddNote(ref=REF, note="明天上门"), API, True),
    (AddNote(ref=REF, note="内部备注", to_tenant=False), AGENT, False),
    (Resolve(ref=REF, resolution="已修好"), AGENT, True),
    (Start(ref=REF), AGENT, False),  # not a word to the tenant
    (Escalate(ref=REF, reason="需要经理"), AGENT, False),
]


@pytest.mark.parametrize(("command", "actor", "counts"), FIRST_FEEDBACK)
def test_the_first_feedback_stops_the_feedback_clock(command, actor, counts):
    decision = run(command, owned(), actor)
    stopped = {"first_feedback_at": NOW, "feedback_due_at": None}
    assert (stopped.items() <= decision.changes.items()) is counts


def test_a_later_feedback_keeps_the_first_time():
    decision = run(AddNote(ref=REF, note="还要一天"), owned(first_feedback_at=RECEIVED), AGENT)
    assert "first_feedback_at" not in decision.changes


def test_a_private_note_tells_only_the_staff_chat():
    decision = run(AddNote(ref=REF, note="内部备注", to_tenant=False), owned(), AGENT)
    assert not decision.event.public
    assert kinds(decision) == [(To.STAFF_CHAT, OutboxKind.CARD_REFRESH)]


def test_resolve_stops_the_work_clocks_and_arms_the_follow_up():
    decision = run(Resolve(ref=REF, resolution="已修好"), owned(Status.IN_PROGRESS), AGENT)
    after = POLICY.sla[Severity.GENERAL].followup_after
    assert decision.changes | {"first_feedback_at": NOW} == {
        "status": Status.RESOLVED,
        "resolution": "已修好",
        "resolved_at": NOW,
        "resolve_due_at": None,
        "hard_due_at": None,
        "followup_due_at": NOW + after,
        "survey_reminder_at": None,
        "survey_close_at": None,
        "first_feedback_at": NOW,
        "feedback_due_at": None,
    }


def test_reopen_goes_one_level_up_and_forgets_the_answer():
    case = owned(
        Status.CLOSED, satisfaction=2, satisfaction_comment="没修好", solved_confirmed=True
    )
    decision = run(Reopen(ref=REF, reason="还在漏"), case, MANAGER)
    changes = decision.changes
    assert changes["escalation_level"] == 2 and changes["reopen_count"] == 1
    assert changes["severity"] is Severity.IMPORTANT  # the tenant was dissatisfied
    assert changes["satisfaction"] is None and changes["solved_confirmed"] is None
    assert changes["resolve_due_at"] == NOW + POLICY.sla[Severity.GENERAL].resolve
    assert decision.event.data == {
        "level": 2,
        "reopen_count": 1,
        "previous_satisfaction": 2,
        "previous_comment": "没修好",
        "previous_solved": True,
    }
    alert = decision.notices[-1]
    assert (alert.to, alert.kind, alert.role) == (To.ROLE, OutboxKind.ESCALATION, Role.SUPERVISOR)
    assert alert.payload.to_json() == {"number": REF, "reason": "reopened", "level": 2}


def test_reopen_at_the_top_level_tells_the_managers():
    decision = run(Reopen(ref=REF, reason="还在漏"), resolved(escalation_level=3), SUPERVISOR)
    alert = decision.notices[-1]
    assert decision.changes["escalation_level"] == 3
    assert (alert.kind, alert.role) == (OutboxKind.MANAGER_ALERT, Role.MANAGER)


def test_the_tenant_who_acted_is_not_told_again():
    decision = run(Reopen(ref=REF, reason="还在漏"), resolved(), TENANT)
    assert decision.event.public
    assert (To.TENANT, OutboxKind.TENANT_UPDATE) not in kinds(decision)


CLOSES = [
    # command                                                   close_reason   solved  rating
    (Close(ref=REF), "confirmed", True, None),
    (Close(ref=REF, reason="manual"), "manual", None, None),
    (Close(ref=REF, satisfaction=5, comment=" 很好 "), "confirmed", True, 5),
    (AnswerSurvey(ref=REF, solved=True, satisfaction=4), "confirmed", True, 4),
]


@pytest.mark.parametrize(("command", "reason", "solved", "rating"), CLOSES)
def test_close_records_why_and_the_rating(command, reason, solved, rating):
    decision = run(command, resolved(survey_reminder_at=NOW), SUPERVISOR)
    changes = decision.changes
    assert changes["close_reason"] == reason and changes["closed_at"] == NOW
    assert changes.get("solved_confirmed") is solved and changes.get("satisfaction") == rating
    assert changes["survey_reminder_at"] is None and changes["followup_due_at"] is None
    assert decision.event.data == {"reason": reason, "satisfaction": rating}


def test_a_rating_keeps_its_comment_stripped():
    decision = run(Close(ref=REF, satisfaction=5, comment=" 很好 "), resolved(), SUPERVISOR)
    assert decision.changes["satisfaction_comment"] == "很好"


def test_not_solved_reopens():
    decision = run(AnswerSurvey(ref=REF, solved=False), resolved(), TENANT)
    assert decision.event.action is Action.REOPEN
    assert decision.event.note == "the tenant says the problem is not solved"


STOPPING = [MarkInvalid(ref=REF, reason="非物业范围"), Cancel(ref=REF, reason=" 不需要了 ")]


@pytest.mark.parametrize("command", STOPPING)
def test_invalid_and_cancel_stop_every_clock(command):
    decision = run(command, state(), SUPERVISOR)
    for clock in DueClock:
        assert decision.changes[clock.column] is None
    assert decision.changes["closed_at"] == NOW
    assert decision.event.note in ("非物业范围", "不需要了")


def test_escalate_tells_the_next_level():
    decision = run(Escalate(ref=REF, reason="需要主管"), owned(), AGENT)
    assert decision.changes == {"status": Status.ASSIGNED, "escalation_level": 2}
    assert decision.event.data == {"level": 2} and not decision.event.public
    assert decision.notices[-1].payload.to_json() == {
        "number": REF,
        "reason": "escalated",
        "level": 2,
    }


def test_change_category_is_training_data():
    case = state(category_suggested="environment")
    decision = run(ChangeCategory(ref=REF, category="noise", reason="是打桩"), case, AGENT)
    assert decision.changes["category"] == "noise"
    assert decision.event.data == {"from": "facility", "to": "noise"}
    assert decision.correction == Correction(suggested="environment", corrected="noise")


def test_raising_severity_tightens_promises_and_running_clocks():
    case = state(assign_due_at=None)  # claimed already: the assign clock is stopped
    decision = run(ChangeSeverity(ref=REF, severity="major", reason="有老人被困"), case, AGENT)
    tighter = due_times(RECEIVED, Severity.MAJOR, POLICY, TZ)
    changes = decision.changes
    assert changes["promised_assign_at"] == tighter.assign
    assert changes["promised_resolve_at"] == tighter.resolve
    assert changes["resolve_due_at"] == tighter.resolve
    assert changes["feedback_due_at"] == tighter.first_feedback
    assert changes["assign_due_at"] is None  # a stopped clock stays stopped
    assert "hard_due_at" not in changes  # the hard limit does not depend on severity
    alert = decision.notices[-1]
    assert (alert.kind, alert.role, alert.payload.reason) == (
        OutboxKind.MANAGER_ALERT,
        Role.MANAGER,
        "major",
    )


def test_a_clock_already_earlier_is_kept():
    early = RECEIVED + timedelta(minutes=1)
    decision = run(
        ChangeSeverity(ref=REF, severity="major", reason="x"), state(resolve_due_at=early), AGENT
    )
    assert decision.changes["resolve_due_at"] == early


def test_lowering_severity_never_loosens_a_promise():
    case = state(severity=Severity.MAJOR)
    decision = run(ChangeSeverity(ref=REF, severity="general", reason="误报"), case, SUPERVISOR)
    assert decision.changes == {"status": Status.NEW, "severity": Severity.GENERAL}
    assert kinds(decision) == [(To.STAFF_CHAT, OutboxKind.CARD_REFRESH)]


def test_supplement_normalises_the_phone_and_the_building():
    command = Supplement(
        ref=REF,
        unit=" 3-1-1202 ",
        contact_phone="138 1234 5678",
        location="",
        attachments=(Attachment("file-1"),),
    )
    decision = run(command, state(), TENANT)
    assert decision.changes == {
        "status": Status.NEW,
        "unit": "3-1-1202",
        "contact_phone": "+8613812345678",
        "building": "3",
    }
    assert decision.event.data == {"fields": ["contact_phone", "unit", "attachments"]}
    assert decision.attachments == (Attachment("file-1"),) and not decision.event.public


def test_a_comment_sent_twice_is_kept_once():
    case = owned(Status.CLOSED, satisfaction_comment="师傅很耐心")
    assert run(CommentSurvey(ref=REF, comment=" 师傅很耐心 "), case, TENANT) is None
    decision = run(CommentSurvey(ref=REF, comment="谢谢"), case, TENANT)
    assert decision.changes == {"status": Status.CLOSED, "satisfaction_comment": "谢谢"}


# ---- the scheduler's commands act only while due ----------------------------------------------------

LATE = RECEIVED + timedelta(days=40)
SECOND = timedelta(seconds=1)
NOT_DUE = [
    # command                                               case
    (EscalateMissedClock(ref=REF, clock=DueClock.ASSIGN), state(assign_due_at=NOW + SECOND)),
    (EscalateMissedClock(ref=REF, clock=DueClock.ASSIGN), owned()),  # stopped
    (EscalateMissedClock(ref=REF, clock=DueClock.RESOLVE), resolved()),
    (FeedbackOverdue(ref=REF), state(feedback_due_at=NOW, first_feedback_at=NOW)),
    (FeedbackOverdue(ref=REF), state(feedback_due_at=NOW + SECOND)),
    (AgeToMajor(ref=REF), state(received_at=NOW - timedelta(days=29))),
    (AgeToMajor(ref=REF), state(received_at=LATE, severity=Severity.MAJOR)),
    (JoinIncident(ref=REF, incident_id=3, households=4), state(incident_id=2)),
    (JoinIncident(ref=REF, incident_id=3, households=4), resolved()),
    (LeaveIncident(ref=REF, incident_id=3), state(incident_id=None)),
    (LeaveIncident(ref=REF, incident_id=3), state(incident_id=2)),
    (ResolveIncidentCase(ref=REF, incident_id=3, resolution="已恢复"), resolved(incident_id=3)),
    (ResolveIncidentCase(ref=REF, incident_id=3, resolution="已恢复"), owned(incident_id=None)),
    (SendSurvey(ref=REF), resolved(followup_due_at=None)),
    (SendSurvey(ref=REF), owned(followup_due_at=NOW)),  # reopened meanwhile
    (RemindSurvey(ref=REF), resolved(survey_reminder_at=NOW + timedelta(minutes=1))),
    (CloseUnanswered(ref=REF), resolved(survey_close_at=None)),
]


@pytest.mark.parametrize(("command", "case"), NOT_DUE)
def test_nothing_to_do_when_no_longer_due(command, case):
    assert run(command, case, SYSTEM) is None


MISSED = [
    # clock             level before  level after  re-armed
    (DueClock.ASSIGN, 1, 2, True),
    (DueClock.RESOLVE, 2, 3, False),  # at the top the manager already knows
    (DueClock.RESOLVE, 3, 3, False),
]


@pytest.mark.parametrize(("clock", "before", "after", "rearmed"), MISSED)
def test_a_missed_clock_escalates(clock, before, after, rearmed):
    case = state(Status.NEW, escalation_level=before, **{clock.column: NOW})
    decision = run(EscalateMissedClock(ref=REF, clock=clock), case, SYSTEM)
    clocks = POLICY.sla[Severity.GENERAL]
    duration = clocks.assign if clock is DueClock.ASSIGN else clocks.resolve
    assert decision.changes[clock.column] == (NOW + duration if rearmed else None)
    assert decision.changes["escalation_level"] == after
    assert decision.event.data == {"level": after, "clock": clock.value, "missed": NOW.isoformat()}
    assert decision.event.note == f"{clock.value} clock missed"
    assert decision.notices[-1].payload.reason == f"{clock.value}_overdue"


def test_the_feedback_clock_sends_an_honest_note_and_reminds_the_owner():
    case = owned(feedback_due_at=NOW, owner_name="李师傅")
    decision = run(FeedbackOverdue(ref=REF), case, SYSTEM)
    assert decision.changes == {"status": Status.ASSIGNED, "feedback_due_at": None}
    assert not decision.event.public and decision.event.data == {"auto": True}
    assert kinds(decision) == [
        (To.STAFF_CHAT, OutboxKind.CARD_REFRESH),
        (To.TENANT, OutboxKind.TENANT_UPDATE),
        (To.OWNER_OR_STAFF_CHAT, OutboxKind.REMINDER),
    ]
    assert decision.notices[1].payload.to_json() == {
        "number": REF,
        "event": "auto_progress",
        "note": "",
        "owner": "李师傅",
        "expected": case.promised_resolve_at.isoformat(),
    }


def test_an_old_case_becomes_major():
    case = state(received_at=NOW - timedelta(days=POLICY.major_after_days))
    decision = run(AgeToMajor(ref=REF), case, SYSTEM)
    assert decision.changes["severity"] is Severity.MAJOR
    assert decision.notices[-1].payload.reason == "unresolved_long"


@pytest.mark.parametrize(("alert", "told"), [(True, 1), (False, 0)])
def test_joining_an_incident_makes_the_case_major(alert, told):
    command = JoinIncident(ref=REF, incident_id=3, households=4, alert_managers=alert)
    decision = run(command, state(), SYSTEM)
    assert decision.changes == {
        "status": Status.NEW,
        "incident_id": 3,
        "severity": Severity.MAJOR,
    }
    assert kinds(decision).count((To.ROLE, OutboxKind.MANAGER_ALERT)) == told


@pytest.mark.parametrize(
    ("has_card", "cards"),
    [(False, [(To.STAFF_CHAT, OutboxKind.STAFF_CARD, "card:11")]), (True, [])],
)
def test_leaving_an_incident_gives_the_case_its_own_card_unless_it_has_one(has_card, cards):
    case = state(incident_id=3, severity=Severity.MAJOR, has_staff_card=has_card)
    decision = run(LeaveIncident(ref=REF, incident_id=3), case, SUPERVISOR)
    assert decision.changes == {"status": Status.NEW, "incident_id": None}
    assert decision.event.action is Action.NOTE and not decision.event.public
    assert decision.event.data == {"incident": 3, "left": True}
    posted = [
        (n.to, n.kind, n.dedupe_key) for n in decision.notices if n.kind is OutboxKind.STAFF_CARD
    ]
    assert posted == cards


@pytest.mark.parametrize(
    ("case", "owner"),
    [
        (
            state(incident_id=3),
            3,
        ),  # nobody took it: the supervisor who resolved the incident owns it
        (owned(incident_id=3), 1),  # its owner keeps it
        (owned(Status.IN_PROGRESS, incident_id=3), 1),
    ],
)
def test_an_incident_resolves_each_open_case_and_starts_its_survey(case, owner):
    command = ResolveIncidentCase(ref=REF, incident_id=3, resolution=" 供水已恢复 ")
    decision = run(command, case, SUPERVISOR)
    assert decision.changes["status"] is Status.RESOLVED
    assert decision.changes.get("owner_id", case.owner_id) == owner
    assert decision.changes["resolution"] == "供水已恢复"
    assert decision.changes["followup_due_at"] is not None
    assert decision.event.from_status is case.status and decision.event.data["incident"] == 3
    assert (To.TENANT, OutboxKind.TENANT_UPDATE) in kinds(decision)


def test_an_agent_cannot_resolve_a_colleagues_case_through_the_incident():
    command = ResolveIncidentCase(ref=REF, incident_id=3, resolution="供水已恢复")
    with pytest.raises(PermissionDenied):
        run(command, owned(incident_id=3), COLLEAGUE)
    with pytest.raises(ValidationFailed):
        run(
            ResolveIncidentCase(ref=REF, incident_id=3, resolution=" "), owned(incident_id=3), AGENT
        )


def test_the_survey_goes_to_the_tenants_chat_with_its_clocks():
    decision = run(SendSurvey(ref=REF), resolved(tenant_has_chat=True), SYSTEM)
    assert decision.changes["survey_reminder_at"] == NOW + POLICY.survey_reminder_after
    assert decision.changes["survey_close_at"] == NOW + POLICY.survey_close_after
    survey = decision.notices[-1]
    assert (survey.to, survey.kind, survey.dedupe_key) == (
        To.TENANT,
        OutboxKind.SURVEY,
        "survey:11:0",
    )


def test_a_tenant_without_a_chat_gets_a_phone_call():
    decision = run(SendSurvey(ref=REF), resolved(tenant_has_chat=False), SYSTEM)
    assert decision.changes["survey_reminder_at"] is None
    assert decision.changes["survey_close_at"] is None
    call = decision.notices[-1]
    assert call == Notice(
        To.ROLE_OR_STAFF_CHAT,
        FollowupCall(number=REF),
        role=POLICY.sla[Severity.GENERAL].followup_by,
    )
    assert call.kind is OutboxKind.FOLLOWUP_CALL


def test_the_survey_reminder_is_sent_once_per_reopening():
    decision = run(RemindSurvey(ref=REF), resolved(survey_reminder_at=NOW, reopen_count=1), SYSTEM)
    assert decision.changes["survey_reminder_at"] is None
    assert decision.notices[-1].dedupe_key == "survey-reminder:11:1"


def test_an_unanswered_survey_closes_the_case_and_tells_the_tenant():
    decision = run(CloseUnanswered(ref=REF), resolved(survey_close_at=NOW), SYSTEM)
    assert decision.changes["close_reason"] == "no_response"
    assert decision.event.public and decision.event.data == {"reason": "no_response"}
    assert (To.TENANT, OutboxKind.TENANT_UPDATE) in kinds(decision)
