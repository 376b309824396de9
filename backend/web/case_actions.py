"""Case actions from the dashboard's forms: each form turned into its command for the case service.

A form's fields are the command's inputs (backend.domain.commands), under the same names but where
FIELD_NAMES says otherwise; a yes/no input is a radio button (RADIOS).

A refusal of the service (role, status, input) comes back as a friendly sentence on the case page,
with the HTTP status the API would give; success redirects back to the page (POST/redirect/GET).
"""

from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiMapping

from ..domain import (
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ..domain.commands import COMMANDS, Command, Input, InputKind
from ..i18n import N_
from ..inputs import whole_number
from .format import Formatter
from .render import formatter, see_other
from .state import ctx_of, viewer_of
from .views_case import PAGE_ACTIONS, case_path, number_of, render_case

Form = MultiMapping[str | bytes | bytearray | FileField]  # what request.post() gives

# The command behind each form of the case page, by the action name in the form's address.
FORM_COMMANDS: dict[str, type[Command]] = {
    action.value: COMMANDS[action] for action in PAGE_ACTIONS
}
# A form field's name, where it is not the input's own.
FIELD_NAMES = {"department_code": "department"}
# A yes/no input is a radio button: (the field, the value that means yes).
RADIOS = {"to_tenant": ("audience", "tenant")}


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def field_name(spec: Input) -> str:
    return FIELD_NAMES.get(spec.name, spec.name)


def read_input(form: Form, spec: Input) -> Any:
    """One input as the form has it; the domain checks the value (an optional choice left empty is none)."""
    match spec.kind:
        case InputKind.INTEGER:
            return whole_number(text(form, field_name(spec)))
        case InputKind.BOOLEAN:
            field, yes = RADIOS[spec.name]
            return text(form, field) == yes
        case InputKind.CHOICE if not spec.required:
            return text(form, field_name(spec)) or None
    return text(form, field_name(spec))


def command_from_form(command: type[Command], number: str, form: Form) -> Command:
    return command.from_values(
        number, {spec.name: read_input(form, spec) for spec in command.inputs}
    )


def typed_texts(command: type[Command], form: Form) -> dict[str, str]:
    """The texts typed into a form, to show them again when the action was refused."""
    return {
        field_name(spec): text(form, field_name(spec))
        for spec in command.inputs
        if spec.kind is InputKind.TEXT
    }


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
    command = FORM_COMMANDS.get(request.match_info["action"])
    if command is None:
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        change = await ctx.cases.handle(
            command_from_form(command, number, form), viewer_of(request).actor
        )
    except NotFound:
        raise web.HTTPNotFound() from None
    except DomainError as error:
        status = next((code for cls, code in STATUS_OF.items() if isinstance(error, cls)), 400)
        # What was typed stays in the form, so a refused note or reason need not be written again.
        return await render_case(
            request,
            number,
            error=explain(error, formatter(request)),
            status=status,
            typed=(request.match_info["action"], typed_texts(command, form)),
        )
    return see_other(f"{case_path(change.case.number)}?done={change.action.value}")
