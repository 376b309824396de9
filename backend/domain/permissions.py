"""Who may do what to a case (docs/domain.md#roles-and-permissions). Pure: the service supplies the facts."""

from .enums import Action, ActorKind, Role, Status
from .errors import PermissionDenied

A = Action

# Lowest staff role allowed to take each action on any case.
STAFF_MINIMUM_ROLE: dict[Action, Role] = {
    A.CLAIM: Role.AGENT,
    A.ASSIGN: Role.AGENT,
    A.START: Role.AGENT,
    A.NOTE: Role.AGENT,
    A.RESOLVE: Role.AGENT,
    A.INVALID: Role.AGENT,
    A.ESCALATE: Role.AGENT,
    A.RECATEGORIZE: Role.AGENT,
    A.CHANGE_SEVERITY: Role.AGENT,
    A.SUPPLEMENT: Role.AGENT,
    A.COMMENT: Role.AGENT,
    A.REOPEN: Role.SUPERVISOR,
    A.CLOSE: Role.SUPERVISOR,
    A.CANCEL: Role.SUPERVISOR,
}

# Some actions need a higher role from one status: reopening a closed case overturns the tenant's
# confirmation (or the survey's "no response"), which is a manager's decision (docs/domain.md#who-may-cancel-reopen-and-close: the manager
# "decides what lower levels can't"). A tenant's "not solved" reopens a resolved case only.
STATUS_MINIMUM_ROLE: dict[tuple[Action, Status], Role] = {
    (A.REOPEN, Status.CLOSED): Role.MANAGER,
}

# Work on a case someone else owns needs this role (an agent covers a colleague only by a note).
OWNER_ONLY_BELOW: dict[Action, Role] = {
    A.START: Role.SUPERVISOR,
    A.RESOLVE: Role.SUPERVISOR,
}

# What a tenant may do to their own case (the survey answers reopen or close it).
TENANT_ACTIONS = frozenset({A.SUBMIT, A.CANCEL, A.REOPEN, A.CLOSE, A.SUPPLEMENT, A.COMMENT})


def estate_scope(role: Role, member_of: frozenset[int], estate_count: int) -> frozenset[int] | None:
    """The estates a staff member sees (None: all of them) (docs/domain.md#estates).

    Members of named estates see those. Nobody named: managers and admins are head office and see all;
    agents and supervisors see all only while the deployment has a single estate (a company that adds
    a second estate then says who works where), else nothing.
    """
    if member_of:
        return member_of
    if role.at_least(Role.MANAGER) or estate_count <= 1:
        return None
    return frozenset()


def check_permission(
    action: Action,
    actor_kind: ActorKind,
    role: Role | None = None,
    *,
    owns_case: bool = False,
    case_has_other_owner: bool = False,
    is_complainant: bool = False,
    status: Status | None = None,
) -> None:
    """Raise PermissionDenied unless the actor may take `action` (on a case in `status`, when given)."""
    if actor_kind is ActorKind.SYSTEM:
        return
    by_status = STATUS_MINIMUM_ROLE.get((action, status)) if status is not None else None
    if actor_kind is ActorKind.TENANT:
        if action in TENANT_ACTIONS and is_complainant and by_status is None:
            return
        raise PermissionDenied(f"a tenant cannot {action.value} this case", action=action.value)
    if role is None:
        raise PermissionDenied("unknown staff member", action=action.value)
    if action is A.CLAIM and actor_kind is not ActorKind.STAFF:
        raise PermissionDenied("only a staff member can claim a case", action=action.value)
    minimum = STAFF_MINIMUM_ROLE.get(action, Role.AGENT)
    if by_status is not None and by_status.at_least(minimum):
        minimum = by_status
    if not role.at_least(minimum):
        where = f" a {status.value} case" if by_status is minimum and status is not None else ""
        raise PermissionDenied(
            f"{action.value}{where} needs the {minimum.value} role or higher", action=action.value
        )
    owner_rule = OWNER_ONLY_BELOW.get(action)
    if owner_rule and case_has_other_owner and not owns_case and not role.at_least(owner_rule):
        raise PermissionDenied(
            f"only the owner or a {owner_rule.value} can {action.value} this case",
            action=action.value,
        )
