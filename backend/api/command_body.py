"""A case action's JSON body → its command, read input by input (backend.domain.commands).

A command says which inputs it has, of which kind, and which are required. This module adds only what
the API must know about an input: its name in the body, the range of a whole number, the options of a
choice. The OpenAPI document (openapi.py) describes every action's body from the same tables when the
app starts, so an input these tables miss stops the start with a KeyError naming it.
"""

from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from typing import Any

from ..config import Settings
from ..domain import Action, Severity
from ..domain.commands import COMMANDS, CaseRef, CloseReason, Command, Input, InputKind
from . import params

MAX_TEXT = params.MAX_TEXT
MAX_DEPARTMENT_CODE = 32
MAX_STAFF_ID = 2**31 - 1

# Every command by the action name in the path, but the tenant's supplement (it carries Telegram files).
ACTIONS: dict[str, type[Command]] = {
    action.value: command for action, command in COMMANDS.items() if action is not Action.SUPPLEMENT
}

# An input's name in the JSON body, where it is not the command's own.
BODY_NAMES = {"department_code": "department"}
# Whole numbers by input name: (lowest, highest).
RANGES = {"staff_id": (1, MAX_STAFF_ID), "satisfaction": (1, 5)}
# How a case may be closed by hand; "cancelled" is what Cancel sets.
CLOSE_REASONS = (CloseReason.CONFIRMED, CloseReason.NO_RESPONSE, CloseReason.MANUAL)


@dataclass(frozen=True)
class Choice:
    """What a choice input accepts.

    Without `options` the service checks the value (departments live in the database) and the API only
    limits its length; `enum` turns the chosen text into its member; `default` is taken when the body
    leaves the input out or sends null.
    """

    options: Callable[[Settings], Sequence[str]] | None = None
    enum: type[StrEnum] | None = None
    default: str | None = None
    max_length: int = MAX_TEXT


# Choice inputs by name: a name means the same choice in every command.
CHOICES: dict[str, Choice] = {
    "category": Choice(lambda settings: settings.policy.category_codes),
    "severity": Choice(lambda settings: tuple(s.value for s in Severity), enum=Severity),
    "reason": Choice(lambda settings: CLOSE_REASONS, enum=CloseReason, default=CloseReason.MANUAL),
    "department_code": Choice(max_length=MAX_DEPARTMENT_CODE),
}


def body_name(spec: Input) -> str:
    return BODY_NAMES.get(spec.name, spec.name)


def defaults(command: type[Command]) -> dict[str, Any]:
    """The command's own defaults by field (an absent boolean takes it)."""
    return {f.name: f.default for f in fields(command) if f.default is not MISSING}


def command_from_body(
    command: type[Command], ref: CaseRef, body: dict[str, Any], settings: Settings
) -> Command:
    """The command, its inputs read from `body` in their order; a wrong value is 400 naming its field."""
    own = defaults(command)
    values = {
        spec.name: read_input(body, spec, settings, own.get(spec.name)) for spec in command.inputs
    }
    return command.from_values(ref, values)


def read_input(body: dict[str, Any], spec: Input, settings: Settings, default: Any) -> Any:
    """One input's value, read as its kind says; `default` is the command's own (absent booleans)."""
    name = body_name(spec)
    match spec.kind:
        case InputKind.INTEGER:
            low, high = RANGES[spec.name]
            return params.optional_int(body, name, low, high)
        case InputKind.BOOLEAN:
            return params.boolean(body, name, bool(default))
        case InputKind.CHOICE:
            return read_choice(body, name, CHOICES[spec.name], settings, required=spec.required)
    return params.text(body, name, required=spec.required)


def read_choice(
    body: dict[str, Any], name: str, choice: Choice, settings: Settings, *, required: bool
) -> Any:
    if choice.options is None:
        return params.text(body, name, max_length=choice.max_length) or None
    value = params.value_or(body, name, choice.default)
    if value is None and not required:
        return None
    chosen = params.choice(value, choice.options(settings), name)
    return choice.enum(chosen) if choice.enum is not None else chosen
