"""Buttons on the staff card, and the replies they ask for.

Every press is checked against the staff table (group membership alone grants nothing) and then goes
through the case service, which checks the role and the transition. A forged or stale press answers with
an alert and changes nothing.
"""

import logging

from telegram import ForceReply, InlineKeyboardMarkup

from backend.domain import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    Severity,
    ValidationFailed,
)
from backend.i18n import N_
from backend.labels import severity_name
from backend.models import Case, Department, Staff
from backend.services.actors import Actor
from backend.services.staff import staff_actor

from ..callbacks import Callback, cb, number
from ..dialogs import DialogState, clear_dialog, load_dialog, save_dialog
from ..render import category_name
from ..text import button
from ..turn import Turn
from .card import SCOPE

log = logging.getLogger(__name__)
FLOW = "staff_input"

# Buttons that need a text from the staff member first: what to ask for.
PROMPTS = {
    "note": N_(
        "Reply to this message with the progress note for case {number} (the tenant will see it)."
    ),
    "resolve": N_(
        "Reply to this message with what was done for case {number} (the tenant will see it)."
    ),
    "invalid": N_(
        "Reply to this message with the reason case {number} is invalid and where the tenant can turn instead."
    ),
    "escalate": N_("Reply to this message with why case {number} needs the next level."),
    "setcat": N_(
        "Reply to this message with the reason for changing the category of case {number}."
    ),
    "setsev": N_(
        "Reply to this message with the reason for changing the severity of case {number}."
    ),
}


async def on_callback(turn: Turn, callback: Callback) -> None:
    actor = await staff_actor(turn.user_id)
    if actor is None:
        await turn.answer(
            turn.plain("Only registered staff can do this. Ask an administrator to add you."),
            alert=True,
        )
        return
    case_text, _, extra = callback.argument.partition(":")
    case_id = number(case_text)
    case = await Case.get_or_none(id=case_id) if case_id is not None else None
    if case is None:
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message."),
            alert=True,
        )
        return
    handler = HANDLERS.get(callback.action)
    if handler is None:
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message."),
            alert=True,
        )
        return
    try:
        await handler(turn, actor, case, extra)
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
    await turn.context.application.bot_data["deliver"]()


async def _claim(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    await turn.ctx.cases.claim(case.id, actor)


async def _start(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    await turn.ctx.cases.start(case.id, actor)


async def _ask_text(turn: Turn, actor: Actor, case: Case, extra: str, action: str) -> None:
    dialog = DialogState(
        turn.chat_id, turn.user_id, FLOW, action, {"case_id": case.id, "extra": extra}
    )
    await save_dialog(dialog, turn.ctx.clock.now())
    await turn.reply(
        turn.t(PROMPTS[action], number=case.number),
        ForceReply(selective=True),
        message_thread_id=_thread(turn),
        reply_to_message_id=turn.update.effective_message.message_id
        if turn.update.effective_message
        else None,
    )


def _thread(turn: Turn) -> int | None:
    message = turn.update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None


def _asking(action: str):
    async def ask(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
        await _ask_text(turn, actor, case, extra, action)

    return ask


async def _assign_menu(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    routed = turn.ctx.settings.policy.department_for(
        case.category
    )  # the policy's routing comes first
    departments = sorted(
        await Department.filter(active=True).order_by("name"), key=lambda d: d.code != routed
    )
    people = await Staff.filter(active=True).order_by("name").limit(20)
    rows = [[button(f"🏢 {d.name}", cb(SCOPE, "dept", f"{case.id}:{d.id}"))] for d in departments]
    rows += [[button(f"👤 {p.name}", cb(SCOPE, "to", f"{case.id}:{p.id}"))] for p in people]
    await turn.reply(
        turn.t("Assign case {number} to:", number=case.number), InlineKeyboardMarkup(rows)
    )


async def _assign_department(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    department_id = number(extra)
    department = (
        await Department.get_or_none(id=department_id) if department_id is not None else None
    )
    if department is None:
        raise NotFound("no such department")
    await turn.ctx.cases.assign(case.id, actor, department_code=department.code)


async def _assign_person(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    staff_id = number(extra)
    if staff_id is None:
        raise NotFound("no such staff member")
    await turn.ctx.cases.assign(case.id, actor, staff_id=staff_id)


async def _recategorize_menu(turn: Turn, actor: Actor, case: Case, extra: str) -> None:
    policy, locale = turn.ctx.settings.policy, turn.locale
    buttons = [
        button(category_name(policy, c.code, locale), cb(SCOPE, "setcat", f"{case.id}:{c.code}"))
        for c in policy.categories
        if c.code != case.category
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [
            button(severity_name(s, locale), cb(SCOPE, "setsev", f"{case.id}:{s.value}"))
            for s in Severity
            if s is not case.severity
        ]
    )
    await turn.reply(
        turn.t("New category or severity for case {number}:", number=case.number),
        InlineKeyboardMarkup(rows),
    )


HANDLERS = {
    "claim": _claim,
    "start": _start,
    "note": _asking("note"),
    "resolve": _asking("resolve"),
    "invalid": _asking("invalid"),
    "escalate": _asking("escalate"),
    "assign": _assign_menu,
    "dept": _assign_department,
    "to": _assign_person,
    "recat": _recategorize_menu,
    "setcat": _asking("setcat"),
    "setsev": _asking("setsev"),
}


async def on_staff_message(turn: Turn) -> bool:
    """A staff member's reply to a prompt; True when it was one (other group chatter is left alone)."""
    dialog = await load_dialog(turn.chat_id, turn.user_id)
    if dialog is None or dialog.flow != FLOW:
        return False
    text = (turn.update.effective_message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please reply with text."))
        return True
    actor = await staff_actor(turn.user_id)
    await clear_dialog(turn.chat_id, turn.user_id)
    if actor is None:
        return True
    case_id, extra = dialog.data.get("case_id"), dialog.data.get("extra", "")
    service = turn.ctx.cases
    perform = {
        "note": lambda: service.add_note(case_id, actor, text),
        "resolve": lambda: service.resolve(case_id, actor, text),
        "invalid": lambda: service.mark_invalid(case_id, actor, text),
        "escalate": lambda: service.escalate(case_id, actor, text),
        "setcat": lambda: service.change_category(case_id, actor, extra, text),
        "setsev": lambda: service.change_severity(case_id, actor, extra, text),
    }.get(dialog.state)
    if perform is None:
        return True
    try:
        change = await perform()
    except PermissionDenied:
        await turn.reply(turn.t("Your role does not allow this."))
        return True
    except ValidationFailed:
        await turn.reply(
            turn.t("That did not work: the text is empty, too long, or changes nothing.")
        )
        return True
    except DomainError:
        await turn.reply(turn.t("This is not possible in the case's current state."))
        return True
    await turn.reply(turn.t("Done: case {number} updated.", number=change.case.number))
    await turn.context.application.bot_data["deliver"]()
    return True
