"""One case: every field of the five clears, its clocks, its timeline, and the actions the viewer may take."""

from dataclasses import dataclass

from aiohttp import web

from ..domain import Action, ActorKind, PermissionDenied, Severity, normalize_case_number
from ..domain.permissions import check_permission
from ..domain.transitions import allowed_actions
from ..i18n import N_
from ..labels import triage_reasons
from ..models import Case
from ..services import queries
from ..services.attachment_queries import attachments_of
from ..services.staff_queries import (
    active_department_choices,
    active_staff_choices,
    department_by_id,
    staff_by_id,
)
from .case_rows import is_overdue
from .files import FILE_BOT
from .format import Formatter
from .render import formatter, render
from .state import PREFIX, ctx_of, viewer_of
from .viewer import Viewer

# The forms the case page offers, in this order. The service decides; this only hides what it would refuse.
PAGE_ACTIONS = (
    Action.CLAIM,
    Action.ASSIGN,
    Action.START,
    Action.NOTE,
    Action.RESOLVE,
    Action.ESCALATE,
    Action.RECATEGORIZE,
    Action.CHANGE_SEVERITY,
    Action.INVALID,
    Action.REOPEN,
)
CLOCKS = (
    ("assign_due_at", N_("Owner to be assigned")),
    ("feedback_due_at", N_("First feedback to the tenant")),
    ("resolve_due_at", N_("Resolution deadline")),
    ("hard_due_at", N_("Hard limit for any reply")),
    ("followup_due_at", N_("Follow-up survey")),
    ("survey_reminder_at", N_("Survey reminder")),
    ("survey_close_at", N_("Survey closes without answer")),
)
PROMISES = (
    ("promised_assign_at", N_("Owner promised by")),
    ("promised_feedback_at", N_("Feedback promised by")),
    ("promised_resolve_at", N_("Resolution promised by")),
)


def case_path(number: str) -> str:
    return f"{PREFIX}/cases/{number}"


def number_of(request: web.Request) -> str:
    number = normalize_case_number(request.match_info["number"])
    if number is None:
        raise web.HTTPNotFound()
    return number


def offered_actions(case: Case, viewer: Viewer, top_level: int) -> list[Action]:
    possible = set(allowed_actions(case.status))
    offered = []
    for action in PAGE_ACTIONS:
        if action not in possible:
            continue
        if action is Action.CLAIM and case.owner_id is not None:
            continue
        if action is Action.ESCALATE and case.escalation_level >= top_level:
            continue
        try:
            check_permission(
                action,
                ActorKind.STAFF,
                viewer.role,
                owns_case=case.owner_id == viewer.staff.id,
                case_has_other_owner=case.owner_id is not None,
                status=case.status,
            )
        except PermissionDenied:
            continue
        offered.append(action)
    return offered


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    long: bool = False


def _fields(
    case: Case, fmt: Formatter, viewer: Viewer, owner: str, department: str, photos: int
) -> dict[str, list[Field]]:
    t = fmt.t
    phone = fmt.phone(case.contact_phone, full=viewer.sees_phone_of(case))
    suggested = fmt.category(case.category_suggested) if case.category_suggested else ""
    return {
        t("Hear it fully"): [
            Field(t("Description"), case.description, long=True),
            Field(t("Expectation"), case.expectation, long=True),
            Field(t("Kind"), fmt.kind(case.kind)),
            Field(t("Channel"), fmt.channel(case.channel)),
            Field(t("Received at"), fmt.when(case.received_at)),
        ],
        t("Ask until it is clear"): [
            Field(t("Unit"), case.unit),
            Field(t("Location"), case.location),
            Field(t("Contact name"), case.contact_name),
            Field(t("Contact phone"), phone),
            Field(t("Complained about"), case.subject),
            Field(t("Attachments"), str(photos)),
        ],
        t("Follow it to the end"): [
            Field(t("Status"), fmt.status(case.status)),
            Field(t("Category"), fmt.category(case.category)),
            Field(t("Suggested category"), suggested),
            Field(t("Triage read"), triage_reasons(case.triage, fmt.locale), long=True),
            Field(t("Severity"), fmt.severity(case.severity)),
            Field(t("Owner"), owner),
            Field(t("Department"), department),
            Field(t("Escalation level"), str(case.escalation_level)),
            Field(t("Reopened"), str(case.reopen_count)),
            Field(t("Outside business hours"), t("yes") if case.off_hours else t("no")),
        ],
        t("Answer clearly"): [
            Field(t("First feedback"), fmt.when(case.first_feedback_at)),
            Field(t("What was done"), case.resolution, long=True),
            Field(t("Resolved at"), fmt.when(case.resolved_at)),
            Field(t("Reason it is invalid"), case.invalid_reason, long=True),
            Field(t("Closed at"), fmt.when(case.closed_at)),
        ],
        t("Follow-up"): [
            Field(t("Solved, as the tenant says"), _yes_no(case.solved_confirmed, fmt)),
            Field(
                t("Satisfaction"),
                f"{case.satisfaction} / 5" if case.satisfaction is not None else "",
            ),
            Field(t("Comment"), case.satisfaction_comment, long=True),
        ],
    }


def _yes_no(value: bool | None, fmt: Formatter) -> str:
    return "" if value is None else fmt.t("yes") if value else fmt.t("no")


async def render_case(
    request: web.Request,
    number: str,
    *,
    error: str = "",
    status: int = 200,
    done: str = "",
    typed: tuple[str, dict[str, str]] = ("", {}),
) -> web.Response:
    """`typed`: the refused action and its text fields, shown again in that action's form."""
    ctx = ctx_of(request)
    viewer = viewer_of(request)
    fmt = formatter(request)
    found = await queries.case_with_timeline(number)
    if found is None or not viewer.sees_case(found[0]):  # another estate's: as if there were none
        raise web.HTTPNotFound()
    case, events = found
    owner = await staff_by_id(case.owner_id) if case.owner_id else None
    department = await department_by_id(case.department_id) if case.department_id else None
    files = await attachments_of(case.id)
    photos = len(files)
    clocks = [
        (fmt.t(label), due) for name, label in CLOCKS if (due := fmt.due(getattr(case, name)))
    ]
    promises = [(fmt.t(label), fmt.when(getattr(case, name))) for name, label in PROMISES]
    return render(
        request,
        "case.html",
        status=status,
        title=case.number,
        case=case,
        sections=_fields(
            case,
            fmt,
            viewer,
            owner.name if owner else "",
            department.name if department else "",
            photos,
        ),
        clocks=clocks,
        promises=promises,
        overdue=is_overdue(case, fmt.now),
        events=events,
        actions=offered_actions(case, viewer, ctx.settings.policy.top_level),
        A=Action,
        action_url=lambda action: f"{case_path(case.number)}/{action.value}",
        files=files,
        files_available=request.app.get(FILE_BOT) is not None,
        file_url=lambda attachment: f"{case_path(case.number)}/files/{attachment.id}",
        staff_options=await active_staff_choices(),
        department_options=await active_department_choices(),
        category_options=[
            (c, fmt.category(c)) for c in ctx.settings.policy.category_codes if c != case.category
        ],
        severity_options=[
            (s.value, fmt.severity(s))
            for s in sorted(Severity, key=lambda s: s.rank)
            if s != case.severity
        ],
        error=error,
        done=fmt.action(done) if done else "",
        typed=lambda action, name: typed[1].get(name, "") if typed[0] == action.value else "",
    )


async def case_page(request: web.Request) -> web.Response:
    return await render_case(request, number_of(request), done=request.query.get("done", "")[:32])
