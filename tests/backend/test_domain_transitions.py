"""The life of a case, as in docs/domain.md#statuses-and-transitions: new → assigned → in_progress → resolved → closed, with side paths."""

import pytest

from backend.domain import Action, IllegalTransition, Status, allowed_actions, next_status

A, S = Action, Status

LEGAL = [
    # action        from             to
    (A.CLAIM, S.NEW, S.ASSIGNED),
    (A.ASSIGN, S.NEW, S.ASSIGNED),
    (A.ASSIGN, S.ASSIGNED, S.ASSIGNED),  # hand over to someone else
    (A.ASSIGN, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.START, S.ASSIGNED, S.IN_PROGRESS),
    (A.NOTE, S.NEW, S.NEW),
    (A.NOTE, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.NOTE, S.RESOLVED, S.RESOLVED),
    (A.RESOLVE, S.IN_PROGRESS, S.RESOLVED),
    (A.RESOLVE, S.ASSIGNED, S.RESOLVED),  # fixed on the spot
    (A.CLOSE, S.RESOLVED, S.CLOSED),  # tenant confirmed, or no answer
    (A.REOPEN, S.RESOLVED, S.IN_PROGRESS),  # "not solved"
    (A.REOPEN, S.CLOSED, S.IN_PROGRESS),
    (A.INVALID, S.NEW, S.INVALID),
    (A.INVALID, S.ASSIGNED, S.INVALID),
    (A.INVALID, S.IN_PROGRESS, S.INVALID),
    (A.CANCEL, S.NEW, S.CANCELLED),
    (A.CANCEL, S.ASSIGNED, S.CANCELLED),
    (A.ESCALATE, S.NEW, S.NEW),
    (A.ESCALATE, S.IN_PROGRESS, S.IN_PROGRESS),
    (A.RECATEGORIZE, S.ASSIGNED, S.ASSIGNED),
]

ILLEGAL = [
    (A.CLAIM, S.ASSIGNED),  # somebody already has it
    (A.START, S.NEW),  # nobody owns it yet
    (A.RESOLVE, S.NEW),
    (A.CLOSE, S.IN_PROGRESS),  # only a resolved case can be closed
    (A.REOPEN, S.IN_PROGRESS),
    (A.CANCEL, S.IN_PROGRESS),  # work has started: the tenant can no longer cancel
    (A.CANCEL, S.RESOLVED),
    (A.INVALID, S.RESOLVED),
    (A.ESCALATE, S.CLOSED),
    (A.NOTE, S.CLOSED),
    (A.NOTE, S.CANCELLED),
    (A.ASSIGN, S.INVALID),
    (A.REOPEN, S.CANCELLED),
    (A.REOPEN, S.INVALID),
]


@pytest.mark.parametrize(("action", "before", "after"), LEGAL)
def test_legal_transitions(action, before, after):
    assert next_status(action, before) is after


@pytest.mark.parametrize(("action", "before"), ILLEGAL)
def test_illegal_transitions_raise(action, before):
    with pytest.raises(IllegalTransition) as error:
        next_status(action, before)
    assert error.value.details == {"action": action.value, "status": before.value}


@pytest.mark.parametrize("final", [S.CANCELLED, S.INVALID])
def test_final_states_allow_nothing(final):
    assert allowed_actions(final) == []


def test_closed_case_can_only_be_reopened_or_commented():
    assert allowed_actions(S.CLOSED) == [A.REOPEN, A.COMMENT]


def test_new_case_offers_dispatch_buttons_first():
    assert allowed_actions(S.NEW)[:2] == [A.CLAIM, A.ASSIGN]
