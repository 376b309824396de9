"""Severity raising, permissions, case numbers and contact details."""

import pytest

from backend.domain import (
    Action,
    ActorKind,
    PermissionDenied,
    Role,
    Severity,
    SeveritySignals,
    Status,
    automatic_severity,
    format_case_number,
    normalize_case_number,
)
from backend.domain.contact import building_of
from backend.domain.permissions import check_permission

G, IMP, M = Severity.GENERAL, Severity.IMPORTANT, Severity.MAJOR

SEVERITY_RULES = [
    # current  signals                                              expected
    (G, SeveritySignals(), G),
    (G, SeveritySignals(triage=M), M),  # fire, gas, trapped in a lift …
    (G, SeveritySignals(collective_households=3), M),  # 3 or more households
    (G, SeveritySignals(collective_households=2), G),
    (G, SeveritySignals(days_unresolved=30), M),  # unresolved after 30 days
    (G, SeveritySignals(days_unresolved=29.9), G),
    (G, SeveritySignals(repeat_within_window=True), IMP),  # second complaint within 30 days
    (G, SeveritySignals(previously_dissatisfied=True), IMP),
    (G, SeveritySignals(shop_cannot_trade=True), IMP),
    (G, SeveritySignals(via_government_or_media=True), IMP),
    (M, SeveritySignals(), M),  # never lowered automatically
    (IMP, SeveritySignals(triage=G), IMP),
    (IMP, SeveritySignals(repeat_within_window=True, triage=M), M),
]


@pytest.mark.parametrize(("current", "signals", "expected"), SEVERITY_RULES)
def test_severity_is_raised_never_lowered(current, signals, expected):
    assert automatic_severity(current, signals) is expected


PERMISSIONS = [
    # action              actor             role              owns   other owner allowed
    (Action.CLAIM, ActorKind.STAFF, Role.AGENT, False, False, True),
    (Action.CLAIM, ActorKind.API, Role.ADMIN, False, False, False),  # a token is nobody
    (Action.RESOLVE, ActorKind.STAFF, Role.AGENT, True, True, True),
    (Action.RESOLVE, ActorKind.STAFF, Role.AGENT, False, True, False),  # a colleague's case
    (Action.RESOLVE, ActorKind.STAFF, Role.SUPERVISOR, False, True, True),
    (Action.NOTE, ActorKind.STAFF, Role.AGENT, False, True, True),
    (Action.REOPEN, ActorKind.STAFF, Role.AGENT, True, True, False),
    (Action.REOPEN, ActorKind.STAFF, Role.SUPERVISOR, False, True, True),
    (Action.CLOSE, ActorKind.API, Role.MANAGER, False, True, True),
    (Action.ESCALATE, ActorKind.SYSTEM, None, False, False, True),
    (Action.CLAIM, ActorKind.STAFF, None, False, False, False),
]


@pytest.mark.parametrize(("action", "kind", "role", "owns", "other_owner", "allowed"), PERMISSIONS)
def test_staff_permissions(action, kind, role, owns, other_owner, allowed):
    def check():
        check_permission(action, kind, role, owns_case=owns, case_has_other_owner=other_owner)

    if allowed:
        check()
    else:
        with pytest.raises(PermissionDenied):
            check()


@pytest.mark.parametrize(
    ("action", "own_case", "allowed"),
    [
        (Action.CANCEL, True, True),
        (Action.CANCEL, False, False),
        (Action.REOPEN, True, True),
        (Action.RESOLVE, True, False),
        (Action.CLAIM, True, False),
    ],
)
def test_tenant_may_only_cancel_or_answer_the_survey_on_own_case(action, own_case, allowed):
    def check():
        check_permission(action, ActorKind.TENANT, is_complainant=own_case)

    if allowed:
        check()
    else:
        with pytest.raises(PermissionDenied):
            check()


def test_case_number_format():
    from datetime import date

    assert format_case_number("QC", date(2026, 11, 23), 7) == "QC-20261123-0007"
    assert format_case_number("QC", date(2026, 11, 23), 12345) == "QC-20261123-12345"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("QC-20261123-0007", "QC-20261123-0007"),
        (" qc-20261123-0007 ", "QC-20261123-0007"),
        ("QC－20261123－0007", "QC-20261123-0007"),
        ("20261123", None),
        ("DROP TABLE", None),
        (
            "QC-20261123-" + "1" * 20,
            "QC-20261123-" + "1" * 20,
        ),  # 32 characters: what the column holds
        ("QC-20261123-" + "1" * 21, None),  # longer than any stored number: not found, not an error
        ("QC-20261203-" + "1" * 28, None),
    ],
)
def test_case_number_as_typed_by_tenants(typed, number):
    assert normalize_case_number(typed) == number


def test_case_number_limit_is_the_column_length():
    from backend.domain.numbering import MAX_LENGTH
    from backend.models import Case

    assert Case._meta.fields_map["number"].max_length == MAX_LENGTH


@pytest.mark.parametrize(
    ("kind", "role", "status", "allowed"),
    [
        # a resolved case goes back to work on a supervisor's word or the tenant's "not solved" …
        (ActorKind.STAFF, Role.SUPERVISOR, Status.RESOLVED, True),
        (ActorKind.API, Role.SUPERVISOR, Status.RESOLVED, True),
        (ActorKind.TENANT, None, Status.RESOLVED, True),
        # … a closed one only on a manager's (transitions.py; docs/domain.md#who-may-cancel-reopen-and-close: the manager decides what lower levels can't)
        (ActorKind.STAFF, Role.SUPERVISOR, Status.CLOSED, False),
        (ActorKind.API, Role.SUPERVISOR, Status.CLOSED, False),
        (ActorKind.TENANT, None, Status.CLOSED, False),
        (ActorKind.STAFF, Role.MANAGER, Status.CLOSED, True),
        (ActorKind.API, Role.ADMIN, Status.CLOSED, True),
        (ActorKind.SYSTEM, None, Status.CLOSED, True),
    ],
)
def test_who_may_reopen_by_status(kind, role, status, allowed):
    def check():
        check_permission(Action.REOPEN, kind, role, is_complainant=True, status=status)

    if allowed:
        check()
    else:
        with pytest.raises(PermissionDenied):
            check()


@pytest.mark.parametrize(
    ("unit", "building"),
    [
        ("3-1-1202", "3"),
        ("3栋1202", "3"),
        ("12号楼3单元502", "12"),
        ("A座1502", "A"),
        ("商铺B12", ""),
    ],
)
def test_building_of_unit(unit, building):
    assert building_of(unit) == building
