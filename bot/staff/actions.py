"""Buttons on the staff card, and the replies they ask for.

Every press is checked against the staff table (group membership alone grants nothing) and then goes
through the case service, which checks the role and the transition. A forged or stale press answers with
an alert and changes nothing.

A button either carries out its command at once (claim, start), asks for the one text the command needs
with the command's prompt (note, resolve, …: the staff member's reply completes it), or opens a menu
(assign, category/severity) whose buttons do one of the two.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup

from backend.domain import (
    Action,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    Severity,
    ValidationFailed,
)
from backend.domain.commands import COMMANDS, Assign, Command, InputKind
from backend.labels import category_name, severity_name
from backend.models import Case
from backend.services import staff_prompts
from backend.services.actors import Actor
from backend.services.dialogs import Flow
from backend.services.queries import case_by_id
from backend.services.staff import staff_actor
from backend.services.staff_queries import active_departments, active_staff, department_by_id

from ..callbacks import Callback, cb, number
from ..dialogs import DialogState, StaffPrompt, clear_dialog, load_dialog, save_dialog
from ..text import button
from ..turn import Turn
from . import incident_card
from .card import BUTTONS, SCOPE

log = logging.getLogger(__name__)
FLOW = Flow.STAFF_INPUT

Press = Callable[[Turn, Actor, Case, str], Awaitable[None]]  # (turn, actor, case, callback's extra)

# The callback actions of the category/severity menu's buttons, by the action they carry out; their
# extra is the chosen category or severity.
MENU_CALLBACKS = {Action.RECATEGORIZE: "setcat", Action.CHANGE_SEVERITY: "setsev"}
# The callback actions of the assign menu's buttons: to a department, to a person.
TO_DEPARTMENT, TO_PERSON = "dept", "to"


async def on_callback(turn: Turn, callback: Callback) -> None:
    actor = await staff_actor(turn.user_id)
    if actor is None:
        await turn.answer(
            turn.plain("Only registered staff can do this. Ask an administrator to add you."),
            alert=True,
        )
        return
    if callback.action in incident_card.ACTIONS:  # the incident card's buttons
        await incident_card.on_callback(turn, callback, actor)
        return
    case_text, _, extra = callback.argument.partition(":")
    case_id = number(case_text)
    case = await case_by_id(case_id) if case_id is not None else None
    press = PRESSES.get(callback.action)
    if case is None or press is None or not actor.sees_estate(case.estate_id):
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message."),
            alert=True,
        )
        return
    try:
        await press(turn, actor, case, extra)
    except Conflict as exc:
        # A toast is plain text: the name exactly as written (O'Neil & Co), never HTML-escaped.
        await turn.answer(
            turn.plain("Already claimed by {owner}.", owner=exc.details.get("owner") or "—"),
            alert=True,
        )
        return
    except PermissionDenied:
        await turn.answer(turn.plain("Your role does not allow this."), alert=True)
        return
    except (NotFound, DomainError):
        await turn.answer(
            turn.plain("This is not possible in the case's current state."), alert=True
        )
        return
    await turn.answer()
    await turn.ctx.deliver()


# ---- buttons that carry out a command ------------------------------------------------------------


def chosen(command: type[Command], extra: str) -> dict[str, Any]:
    """The required choice of `command` (a category, a severity) that a menu button carries as extra."""
    return {
        spec.name: extra
        for spec in command.inputs
        if spec.kind is InputKind.CHOICE and spec.required
    }


def typed_input(command: type[Command]) -> str:
    """The name of the one text a prompt asks for."""
    spec = command.text_input()
    if spec is None:
        raise TypeError(f"{command.__name__} needs no typed text")
    return spec.name


def command_press(callback: str, command: type[Command]) -> Press:
    """Carry out `command` at once; when it needs a typed text, ask for it with the command's prompt
    (the dialog's state is the callback action, as prompts open before an upgrade still are)."""
    if command.text_input() is None:

        async def carry_out(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
            await turn.ctx.cases.handle(command.from_values(case.id, chosen(command, extra)), actor)

        return carry_out
    if not command.prompt:
        raise TypeError(f"{command.__name__} needs a text but has no prompt to ask for it")

    async def ask(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
        dialog = DialogState(
            turn.chat_id, turn.user_id, FLOW, callback, StaffPrompt(case.id, extra)
        )
        await save_dialog(dialog, turn.ctx.clock.now())
        message = turn.update.effective_message
        await turn.reply(
            turn.t(command.prompt, number=case.number),
            ForceReply(selective=True),
            message_thread_id=_thread(turn),
            reply_to_message_id=message.message_id if message else None,
        )

    return ask


def _thread(turn: Turn) -> int | None:
    message = turn.update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None


# ---- menus ---------------------------------------------------------------------------------------


async def _assign_menu(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    routed = turn.ctx.settings.policy.department_for(
        case.category
    )  # the policy's routing comes first
    departments = sorted(await active_departments(), key=lambda d: d.code != routed)
    people = await active_staff(limit=20)
    rows = [
        [button(f"🏢 {d.name}", cb(SCOPE, TO_DEPARTMENT, f"{case.id}:{d.id}"))] for d in departments
    ]
    rows += [[button(f"👤 {p.name}", cb(SCOPE, TO_PERSON, f"{case.id}:{p.id}"))] for p in people]
    await turn.reply(
        turn.t("Assign case {number} to:", number=case.number), InlineKeyboardMarkup(rows)
    )


async def _assign_department(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    department_id = number(extra)
    department = await department_by_id(department_id) if department_id is not None else None
    if department is None:
        raise NotFound("no such department")
    await turn.ctx.cases.handle(Assign(ref=case.id, department_code=department.code), actor)


async def _assign_person(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    staff_id = number(extra)
    if staff_id is None:
        raise NotFound("no such staff member")
    await turn.ctx.cases.handle(Assign(ref=case.id, staff_id=staff_id), actor)


async def _recategorize_menu(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    policy, locale = turn.ctx.settings.policy, turn.locale
    to_category, to_severity = (
        MENU_CALLBACKS[Action.RECATEGORIZE],
        MENU_CALLBACKS[Action.CHANGE_SEVERITY],
    )
    buttons = [
        button(category_name(policy, c.code, locale), cb(SCOPE, to_category, f"{case.id}:{c.code}"))
        for c in policy.categories
        if c.code != case.category
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [
            button(severity_name(s, locale), cb(SCOPE, to_severity, f"{case.id}:{s.value}"))
            for s in Severity
            if s is not case.severity
        ]
    )
    await turn.reply(
        turn.t("New category or severity for case {number}:", number=case.number),
        InlineKeyboardMarkup(rows),
    )


# The card's buttons that open a menu instead of carrying out their command.
MENUS: dict[Action, Press] = {Action.ASSIGN: _assign_menu, Action.RECATEGORIZE: _recategorize_menu}
# The command behind every button that carries one out (or asks for its text), by callback action.
COMMAND_BUTTONS: dict[str, type[Command]] = {
    **{face.callback: COMMANDS[action] for action, face in BUTTONS.items() if action not in MENUS},
    **{callback: COMMANDS[action] for action, callback in MENU_CALLBACKS.items()},
}
# What a press does, by the callback action it carries.
PRESSES: dict[str, Press] = {
    **{BUTTONS[action].callback: menu for action, menu in MENUS.items()},
    **{callback: command_press(callback, command) for callback, command in COMMAND_BUTTONS.items()},
    TO_DEPARTMENT: _assign_department,
    TO_PERSON: _assign_person,
}
# The commands a reply completes, by the state of the prompt's dialog (its button's callback action).
PROMPTED: dict[str, type[Command]] = {
    callback: command
    for callback, command in COMMAND_BUTTONS.items()
    if command.text_input() is not None
}


# ---- replies to a prompt -------------------------------------------------------------------------


async def on_staff_message(turn: Turn) -> bool:
    """A staff member's reply to a prompt; True when it was one (other group chatter is left alone).

    The prompt stays open until its command is carried out, or until writing again cannot help (the
    role, the case's state or the chosen category refuses it): a refused text can be written again.
    """
    dialog = await load_dialog(turn.chat_id, turn.user_id)
    if dialog is None or dialog.flow != FLOW:
        return False
    if await incident_card.on_prompt_reply(turn, dialog):
        return True
    text = (turn.message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please reply with text."))
        return True
    actor = await staff_actor(turn.user_id)
    command, prompt = PROMPTED.get(dialog.state), dialog.payload
    if (
        actor is None
        or command is None
        or not isinstance(prompt, StaffPrompt)
        or prompt.case_id is None
    ):
        await clear_dialog(turn.chat_id, turn.user_id)
        return True
    values = {typed_input(command): text, **chosen(command, prompt.extra)}
    try:
        change = await staff_prompts.complete(
            turn.ctx.cases,
            command.from_values(prompt.case_id, values),
            actor,
            turn.chat_id,
            turn.user_id,
        )
    except DomainError as error:
        if isinstance(error, PermissionDenied):
            await turn.reply(turn.t("Your role does not allow this."))
        elif isinstance(error, ValidationFailed):
            await turn.reply(
                turn.t("That did not work: the text is empty, too long, or changes nothing.")
            )
        else:
            await turn.reply(turn.t("This is not possible in the case's current state."))
        if not (
            isinstance(error, ValidationFailed)
            and error.details.get("field") == typed_input(command)
        ):
            await clear_dialog(turn.chat_id, turn.user_id)
        return True
    await turn.reply(turn.t("Done: case {number} updated.", number=change.case.number))
    await turn.ctx.deliver()
    return True
