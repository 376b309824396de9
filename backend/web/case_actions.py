"""Case actions from the dashboard's forms: each one a call to the case service, nothing else.

A refusal of the service (role, status, input) comes back as a friendly sentence on the case page,
with the HTTP status the API would give; success redirects back to the page (POST/redirect/GET).
"""

from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import MultiMapping

from ..domain import (
    Action,
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ..i18n import N_
from ..inputs import whole_number
from ..services.actors import Actor
from ..services.cases import CaseService, Change
from .format import Formatter
from .render import formatter, see_other
from .state import ctx_of, viewer_of
from .views_case import case_path, number_of, render_case

Form = MultiMapping[str | bytes]  # what request.post() gives
FormAction = Callable[[CaseService, str, Actor, Form], Awaitable[Change]]


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional_int(form: Form, name: str) -> int | None:
    return whole_number(text(form, name))


FORM_ACTIONS: dict[str, FormAction] = {
    Action.CLAIM: lambda s, n, a, f: s.claim(n, a),
    Action.ASSIGN: lambda s, n, a, f: s.assign(
        n,
        a,
        staff_id=_optional_int(f, "staff_id"),
        department_code=text(f, "department") or None,
        note=text(f, "note"),
    ),
    Action.START: lambda s, n, a, f: s.start(n, a, text(f, "note")),
    Action.NOTE: lambda s, n, a, f: s.add_note(
        n, a, text(f, "note"), to_tenant=text(f, "audience") == "tenant"
    ),
    Action.RESOLVE: lambda s, n, a, f: s.resolve(n, a, text(f, "resolution")),
    Action.ESCALATE: lambda s, n, a, f: s.escalate(n, a, text(f, "reason")),
    Action.RECATEGORIZE: lambda s, n, a, f: s.change_category(
        n, a, text(f, "category"), text(f, "reason")
    ),
    Action.CHANGE_SEVERITY: lambda s, n, a, f: s.change_severity(
        n, a, text(f, "severity"), text(f, "reason")
    ),
    Action.INVALID: lambda s, n, a, f: s.mark_invalid(n, a, text(f, "reason")),
    Action.REOPEN: lambda s, n, a, f: s.reopen(n, a, text(f, "reason")),
}

TYPED_FIELDS = ("note", "resolution", "reason")
CHECK_INPUT = N_("Please check what you entered.")
FIELD_PROBLEMS = {
    "note": N_("Please write the text first (at most 4000 characters)."),
    "resolution": N_("Please describe what was done (at most 4000 characters)."),
    "reason": N_("Please give a reason (at most 4000 characters)."),
    "category": N_("Choose a category other than the current one."),
    "severity": N_("Choose a severity other than the current one."),
    "staff_id": N_("Choose an active department or staff member."),
    "department": N_("Choose an active department or staff member."),
}
STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    PermissionDenied: 403,
    NotFound: 404,
    IllegalTransition: 409,
    Conflict: 409,
}


def explain(error: DomainError, fmt: Formatter) -> str:
    """The service's refusal as a sentence in the reader's language."""
    if isinstance(error, PermissionDenied):
        return fmt.t("Your role does not allow this on this case.")
    if isinstance(error, Conflict):
        return fmt.t("Someone else changed this case first. Please look at it again.")
    if isinstance(error, IllegalTransition):
        status = error.details.get("status")
        if status:
            return fmt.t(
                "This is not possible while the case is “{status}”.", status=fmt.status(str(status))
            )
        return fmt.t("This is not possible for this case right now.")
    if isinstance(error, ValidationFailed):
        return fmt.t(FIELD_PROBLEMS.get(str(error.details.get("field", "")), CHECK_INPUT))
    return fmt.t("This could not be done.")


async def case_action(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    number = number_of(request)
    perform = FORM_ACTIONS.get(request.match_info["action"])
    if perform is None:
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        change = await perform(ctx.cases, number, viewer_of(request).actor, form)
    except NotFound:
        raise web.HTTPNotFound() from None
    except DomainError as error:
        status = next((code for cls, code in STATUS_OF.items() if isinstance(error, cls)), 400)
        # What was typed stays in the form, so a refused note or reason need not be written again.
        typed = {name: text(form, name) for name in TYPED_FIELDS}
        return await render_case(
            request,
            number,
            error=explain(error, formatter(request)),
            status=status,
            typed=(request.match_info["action"], typed),
        )
    return see_other(f"{case_path(change.case.number)}?done={change.action.value}")
