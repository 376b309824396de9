"""The life of a case (docs/domain.md#statuses-and-transitions) as one table.

Each action maps the statuses it may start from to the status it leads to. An action that keeps the
status (a note, an escalation) maps a status to itself.
"""

from .enums import Action, Status
from .errors import IllegalTransition

S = Status
OPEN = (S.NEW, S.ASSIGNED, S.IN_PROGRESS)

TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.CLAIM: {S.NEW: S.ASSIGNED},
    Action.ASSIGN: {S.NEW: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.IN_PROGRESS},
    Action.START: {S.ASSIGNED: S.IN_PROGRESS},
    Action.NOTE: {s: s for s in (*OPEN, S.RESOLVED)},
    # An agent may fix something on the spot, so resolving straight from "assigned" is allowed.
    Action.RESOLVE: {S.ASSIGNED: S.RESOLVED, S.IN_PROGRESS: S.RESOLVED},
    # "Not solved" sends a resolved case back to work; a manager may also reopen a closed one.
    Action.REOPEN: {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS},
    Action.CLOSE: {S.RESOLVED: S.CLOSED},
    Action.INVALID: {s: S.INVALID for s in OPEN},
    # The tenant may cancel only before work started.
    Action.CANCEL: {S.NEW: S.CANCELLED, S.ASSIGNED: S.CANCELLED},
    Action.ESCALATE: {s: s for s in OPEN},
    Action.RECATEGORIZE: {s: s for s in (*OPEN, S.RESOLVED)},
    Action.CHANGE_SEVERITY: {s: s for s in (*OPEN, S.RESOLVED)},
    Action.SUPPLEMENT: {s: s for s in (*OPEN, S.RESOLVED)},
    Action.COMMENT: {S.RESOLVED: S.RESOLVED, S.CLOSED: S.CLOSED},
}


def next_status(action: Action, current: Status) -> Status:
    """The status `action` leads to from `current`, or IllegalTransition."""
    allowed = TRANSITIONS.get(action, {})
    if current not in allowed:
        raise IllegalTransition(
            f"cannot {action.value} a case that is {current.value}",
            action=action.value,
            status=current.value,
        )
    return allowed[current]


def allowed_actions(current: Status) -> list[Action]:
    """Every action that may be taken on a case in `current`, in table order (for buttons)."""
    return [action for action, table in TRANSITIONS.items() if current in table]
