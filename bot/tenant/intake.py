"""The guided intake: a tenant files a complete, correct case in about a minute.

Each step asks one thing; the state lives in the database (bot.dialogs), so a restart or another instance
continues where the tenant was. Unexpected input gets a short hint and the dialog stays where it was.
"""

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from tortoise.exceptions import BaseORMException

from backend.domain import ActorKind, Channel, DomainError, Kind, Severity, ValidationFailed
from backend.domain.commands import Supplement
from backend.domain.contact import display_phone, regions_for
from backend.domain.units import find_unit
from backend.i18n import N_
from backend.labels import category_name, kind_name
from backend.services.actors import Actor
from backend.services.dialogs import Flow
from backend.services.drafts import AttachmentDraft, CaseDraft

from .. import phone_input
from ..attachments import attachment_in
from ..callbacks import Callback, Scope, cb
from ..dialogs import DialogState, clear_dialog, save_dialog
from ..phone_input import contact_name, phone_in
from ..text import label as plain_label
from ..text import shorten
from ..turn import Turn
from . import safety, steps
from .draft import IntakeDraft
from .steps import Step

log = logging.getLogger(__name__)
FLOW = Flow.INTAKE
SCOPE = Scope.INTAKE
MAX_MESSAGE = 4000
MAX_DESCRIPTION = 10_000
MAX_ATTACHMENTS = 10
# Dialog answers → case fields, for details added to a case filed early.
CASE_FIELD = {
    Step.UNIT: "unit",
    Step.PHONE: "contact_phone",
    Step.NAME: "contact_name",
    Step.EXPECT: "expectation",
}


StepHandler = Callable[[Turn, DialogState], Awaitable[None]]


def button(turn: Turn, label: str, action: str, argument: str = "") -> Button:
    """A button of this dialog; `label` is plain text (`turn.plain`, not `turn.t`)."""
    return Button(plain_label(label), callback_data=cb(SCOPE, action, argument))


def keyboard(*rows: list[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


# ---- start ----------------------------------------------------------------------------------------


def _new_dialog(turn: Turn, state: Step) -> DialogState:
    return DialogState(turn.chat_id, turn.user_id, FLOW, state, IntakeDraft(locale=turn.locale))


async def begin(turn: Turn) -> None:
    dialog = _new_dialog(turn, Step.DESCRIBE)
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_first_description(turn)


async def offer(turn: Turn) -> None:
    """Free text (or a photo) sent outside a dialog is kept and offered for filing, so the tenant need not
    type it again; a possible emergency goes straight on (filed at once, or the safety question)."""
    dialog = _new_dialog(turn, Step.OFFER)
    if not await _keep_part(turn, dialog):
        return
    triage = _classify(turn, dialog)
    if triage is not None and (_is_emergency(triage) or _safety_check(dialog, triage)):
        dialog.state = Step.DESCRIBE
        await save_dialog(dialog, turn.ctx.clock.now())
        await _described(turn, dialog, with_text=True, triage=triage)
        return
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_offer(turn, dialog)


async def _ask_offer(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        turn.t(
            "Shall I file this as a new case? You can still add details and photos before it is sent."
        ),
        keyboard(
            [
                button(turn, turn.plain("📝 Yes, file it"), "offer", "y"),
                button(turn, turn.plain("No, thanks"), "offer", "n"),
            ]
        ),
    )


async def _offer_answered(turn: Turn, dialog: DialogState, answer: str) -> None:
    if answer == "y":
        dialog.state = Step.DESCRIBE
        await save_dialog(dialog, turn.ctx.clock.now())
        await _ask_more(turn)
        return
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(turn.t("All right, nothing was filed. Send /complain whenever you need us."))


async def _offer_message(turn: Turn, dialog: DialogState) -> None:
    """More text after the offer: the tenant is describing; it becomes the description."""
    dialog.state = Step.DESCRIBE
    await _describe_message(turn, dialog)


async def _ask_first_description(turn: Turn) -> None:
    await turn.reply(
        turn.t(
            "Please tell us what happened, in your own words: what, where, since when. "
            "You can send several messages and photos; press “That's all” when you are done."
        )
    )


# ---- messages -------------------------------------------------------------------------------------


async def on_message(turn: Turn, dialog: DialogState) -> None:
    message = turn.message
    if dialog.applied(turn.update.update_id):
        await _ask_again(turn, dialog)
        return
    handlers: dict[str, StepHandler] = {  # keyed by the stored state, a Step's value
        Step.OFFER: _offer_message,
        Step.DESCRIBE: _describe_message,
        Step.SAFETY: _safety_message,
        Step.UNIT: _unit_message,
        Step.PHONE: _phone_message,
        Step.NAME: _name_message,
        Step.EVIDENCE: _evidence_message,
        Step.EXPECT: _expect_message,
    }
    handler = handlers.get(dialog.state)
    if handler is None:  # a step answered by buttons
        await turn.reply(turn.t("Please choose one of the buttons above, or send /cancel to stop."))
        return
    if message.text and len(message.text) > MAX_MESSAGE:
        await turn.reply(
            turn.t("That message is too long for us to keep. Please send it in shorter parts.")
        )
        return
    await handler(turn, dialog)


def _add_attachment(dialog: DialogState, attachment: AttachmentDraft) -> bool:
    files = dialog.draft.files
    if len(files) >= MAX_ATTACHMENTS:
        return False
    files.append(attachment)
    return True


async def _describe_message(turn: Turn, dialog: DialogState) -> None:
    message = turn.message
    text = (message.text or message.caption or "").strip()
    attachment = attachment_in(turn.message)
    if not text and attachment is None:
        await turn.reply(
            turn.t(
                "We can only read text and photos here. Please describe the problem in words "
                "(voice messages cannot be handled yet)."
            )
        )
        return
    if not await _keep_part(turn, dialog):
        return
    await save_dialog(dialog, turn.ctx.clock.now())
    await _described(turn, dialog, with_text=bool(text))


async def _keep_part(turn: Turn, dialog: DialogState) -> bool:
    """Add the message's text and attachment to the description (not saved yet); False if it is full."""
    message = turn.message
    text = (message.text or message.caption or "").strip()
    parts = dialog.draft.parts
    if sum(len(p) for p in parts) + len(text) > MAX_DESCRIPTION:
        await turn.reply(
            turn.t("We have a lot of detail already. Please press “That's all” to continue."),
            keyboard([button(turn, turn.plain("That's all"), "done")]),
        )
        return False
    if text:
        parts.append(text)
    attachment = attachment_in(turn.message)
    if attachment is not None:
        _add_attachment(dialog, attachment)
    return True


async def _described(
    turn: Turn, dialog: DialogState, *, with_text: bool, triage: Any = None
) -> None:
    """After a part of the description is saved: an emergency is filed at once, a possible one gets the
    safety question first (it stays open until answered), else ask for more. `triage`: of the description
    as it is now, when the caller already has it."""
    if with_text and not dialog.draft.case_number:
        triage = triage or _classify(turn, dialog)
        if triage is not None and _is_emergency(triage):
            await _file_emergency(turn, dialog, triage)
            return
        check = _safety_check(dialog, triage)
        if check and dialog.state != Step.SAFETY:
            await _open_safety_question(turn, dialog, check)
            return
    if dialog.state == Step.SAFETY:
        await _ask_safety(turn, dialog, again=True)
        return
    await _ask_more(turn)


async def _ask_more(turn: Turn) -> None:
    await turn.reply(
        turn.t("Noted. Send more if there is more; press “That's all” when you are done."),
        keyboard([button(turn, turn.plain("That's all"), "done")]),
    )


def _classify(turn: Turn, dialog: DialogState) -> Any:
    text = dialog.draft.description
    if not text.strip():
        return None
    try:
        return turn.ctx.cases.classify(text)
    except Exception:  # triage is advice; the dialog goes on without it
        log.exception("triage failed in chat %s", turn.chat_id)
        return None


def _is_emergency(triage: Any) -> bool:
    """An emergency trigger, not any major: a collective complaint ("三十多户…") is major but
    is filed through the normal questions, without "get to safety"."""
    return bool(getattr(triage, "emergency", False))


def _remember_triage(draft: IntakeDraft, triage: Any, policy_codes: tuple[str, ...]) -> None:
    category = getattr(triage, "category", "other")
    draft.suggested_category = category if category in policy_codes else "other"
    draft.kind = getattr(triage, "kind", Kind.COMPLAINT.value)
    draft.alternatives = [
        c
        for c in getattr(triage, "alternatives", ())
        if c in policy_codes and c not in (category, "other")
    ][:3]


async def _file_emergency(turn: Turn, dialog: DialogState, triage: Any) -> None:
    """An emergency is answered at once with what to do now (advice that fits it, the duty phone), then
    filed with what is known (always major): the receipt says the staff on duty are alerted, then the case
    number and times. The remaining questions come afterwards."""
    settings, draft = turn.ctx.settings, dialog.draft
    _remember_triage(draft, triage, settings.policy.category_codes)
    draft.category = draft.suggested_category or "other"
    draft.triggers = list(getattr(triage, "triggers", ()) or ())  # marks the dialog's case as major
    draft.safety_question = ""  # more text made the open question moot
    duty = await turn.duty_phone()
    lines = [turn.t(safety.advice_for(draft.triggers))]
    if duty:
        lines.append(turn.t("Property duty phone: {phone}", phone=duty))
    await turn.reply("\n".join(lines))
    case = await _submit(turn, dialog, triage)
    if case is None:
        return
    draft.case_number = case.number
    await _go(turn, dialog, steps.next_step(Step.CONFIRM, draft))


# ---- the safety question --------------------------------------------------------------------------


def _safety_check(dialog: DialogState, triage: Any) -> str:
    """The safety question triage asks for, unless this dialog already had it answered."""
    check = getattr(triage, "safety_check", "") or ""
    if not safety.question_for(check) or check in dialog.draft.safety_answered:
        return ""
    return check


async def _open_safety_question(turn: Turn, dialog: DialogState, check: str) -> None:
    dialog.state = Step.SAFETY
    dialog.draft.safety_question = check
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_safety(turn, dialog)


async def _ask_safety(turn: Turn, dialog: DialogState, *, again: bool = False) -> None:
    check = dialog.draft.safety_question
    lead = (
        turn.t("Noted. Please answer this question first:")
        if again
        else turn.t("For your safety, please answer one question first:")
    )
    argument = f"{check}:{_dialog_tag(dialog)}"
    await turn.reply(
        f"{lead}\n<b>{turn.t(safety.question_for(check))}</b>",
        keyboard(
            [
                button(turn, turn.plain("Yes"), "safe", f"y:{argument}"),
                button(turn, turn.plain("No"), "safe", f"n:{argument}"),
            ]
        ),
    )


def _dialog_tag(dialog: DialogState) -> str:
    """A short mark of this dialog in its buttons: a button of an earlier dialog is recognised as stale."""
    return dialog.draft.key[:8]


def _is_current_safety_button(dialog: DialogState, argument: str) -> bool:
    answer, _, asked = argument.partition(":")
    return answer in ("y", "n") and asked == f"{dialog.draft.safety_question}:{_dialog_tag(dialog)}"


async def _safety_message(turn: Turn, dialog: DialogState) -> None:
    """A typed yes or no answers the open question; anything else is more description."""
    answer = safety.typed_answer(turn.message.text or "")
    if answer is None:
        await _describe_message(turn, dialog)
        return
    await _safety_answered(turn, dialog, answer)


async def _safety_pressed(turn: Turn, dialog: DialogState, argument: str) -> None:
    await _safety_answered(turn, dialog, argument.startswith("y:"))


async def _safety_answered(turn: Turn, dialog: DialogState, yes: bool) -> None:
    """Yes: the emergency path at once. No: the description goes on, and the question is not asked again."""
    draft = dialog.draft
    check, draft.safety_question = draft.safety_question, ""
    draft.safety_answered.append(check)
    dialog.state = Step.DESCRIBE
    if yes:
        # Not saved before filing: a crash in between leaves the question open, and the retried answer
        # files the same case (the submit is idempotent on the dialog's key).
        await _file_emergency(turn, dialog, _confirmed(_classify(turn, dialog), check))
        return
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_more(turn)


def _confirmed(triage: Any, check: str) -> Any:
    """The triage once the tenant said "yes": an emergency whose trigger is the question asked
    (``safety_check`` is kept, so the case shows the answer decided it)."""
    values = {
        "severity": Severity.MAJOR.value,
        "emergency": True,
        "triggers": (safety.TRIGGER[check],),
        "safety_check": check,
    }
    if dataclasses.is_dataclass(triage) and not isinstance(triage, type):
        return dataclasses.replace(triage, **values)
    known = (
        vars(triage) if triage is not None else {"kind": Kind.COMPLAINT.value, "category": "other"}
    )
    return SimpleNamespace(**{**known, **values})


async def _safety_repeat(turn: Turn, dialog: DialogState, _: str) -> None:
    await _ask_safety(turn, dialog)


# ---- the other steps ------------------------------------------------------------------------------


async def _unit_message(turn: Turn, dialog: DialogState) -> None:
    unit = (turn.message.text or "").strip()
    if not unit or len(unit) > 64:
        await turn.reply(
            turn.t(
                "Please type the building, unit and room (for example 3-1-1202), or your shop number."
            )
        )
        return
    await _answer(turn, dialog, Step.UNIT, unit)


async def _phone_message(turn: Turn, dialog: DialogState) -> None:
    message = turn.message
    if message.contact is not None and message.contact.user_id not in (None, turn.user_id):
        await turn.reply(turn.t("Please share your own number, or type it."))
        return
    regions = regions_for(turn.locale, turn.ctx.settings.phone_region)
    phone = phone_in(message, regions)
    if phone is None:
        await phone_input.ask_again(turn, regions)
        return
    name = contact_name(message)
    if name and not dialog.draft.name:
        dialog.draft.telegram_name = name
    await _answer(turn, dialog, Step.PHONE, phone, thank=True)


async def _name_message(turn: Turn, dialog: DialogState) -> None:
    name = (turn.message.text or "").strip()
    if not name or len(name) > 50:
        await turn.reply(turn.t("Please type how we should address you, for example 王女士."))
        return
    await _answer(turn, dialog, Step.NAME, name)


async def _evidence_message(turn: Turn, dialog: DialogState) -> None:
    attachment = attachment_in(turn.message)
    if attachment is None:
        await turn.reply(
            turn.t("Please send photos or files here, or press “Done” / “Skip”."),
            _evidence_keyboard(turn, dialog),
        )
        return
    if not _add_attachment(dialog, attachment):
        await turn.reply(
            turn.t("That is the most files we can take for one case. Please press “Done”."),
            _evidence_keyboard(turn, dialog),
        )
        return
    await save_dialog(dialog, turn.ctx.clock.now())
    count = len(dialog.draft.files)
    await turn.reply(
        turn.t("Received ({count} so far). Send more or press “Done”.", count=count),
        _evidence_keyboard(turn, dialog),
    )


async def _expect_message(turn: Turn, dialog: DialogState) -> None:
    text = (turn.message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please type what you would like us to do, or press “Skip”."))
        return
    await _answer(turn, dialog, Step.EXPECT, text)


async def _answer(
    turn: Turn, dialog: DialogState, step: Step, value: str, *, thank: bool = False
) -> None:
    """Store an answer; after an emergency was filed, add it to the case right away. `thank`: say thank
    you (and take the phone keyboard away) before the next question."""
    dialog.draft.answer(step, value)
    if dialog.draft.case_number:
        await _supplement(turn, dialog, step, value)
    await _go(turn, dialog, steps.next_step(step, dialog.draft), thank=thank)


async def _supplement(turn: Turn, dialog: DialogState, step: Step, value: str) -> None:
    fields: dict[str, Any] = {CASE_FIELD[step]: value}
    complainant = turn.complainant  # exists: the case was filed in an earlier update of this dialog
    if complainant is None:
        return
    try:
        await turn.ctx.cases.handle(
            Supplement(ref=dialog.draft.case_number, **fields),
            Actor.tenant(complainant.id, complainant.name),
        )
    except (
        DomainError
    ) as exc:  # not valid, or the case was cancelled or closed meanwhile: the dialog goes on
        log.info("supplement refused for %s: %s", dialog.draft.case_number, exc.message)


# ---- asking ---------------------------------------------------------------------------------------


async def _go(turn: Turn, dialog: DialogState, step: Step, *, thank: bool = False) -> None:
    """Move to `step`: saved first, then asked (`thank`: a thank-you before, once saved)."""
    draft = dialog.draft
    if step == Step.DONE:
        number = draft.case_number
        await clear_dialog(turn.chat_id, turn.user_id)
        if thank:
            await _thank(turn)
        await turn.reply(
            turn.t(
                "Thank you, everything is added to case {number}. Send /status {number} to see its progress.",
                number=number,
            )
        )
        return
    if step == Step.CONFIRM and draft.suggested_category is None:
        triage = _classify(turn, dialog)
        if triage is not None:
            _remember_triage(draft, triage, turn.ctx.settings.policy.category_codes)
        if draft.suggested_category is None:
            draft.suggested_category = "other"
    if step == Step.SUMMARY:
        draft.return_to = None
    dialog.state = step
    await save_dialog(dialog, turn.ctx.clock.now())
    if thank:
        await _thank(turn)
    await ASK[step](turn, dialog)


async def _thank(turn: Turn) -> None:
    await turn.reply(turn.t("Thank you."), ReplyKeyboardRemove())


async def _ask_confirm(turn: Turn, dialog: DialogState) -> None:
    policy, suggested = turn.ctx.settings.policy, dialog.draft.suggested_category or "other"
    label = category_name(policy, suggested, turn.locale)  # severity is for staff only
    alternatives = [
        button(turn, category_name(policy, code, turn.locale), "cat", code)
        for code in dialog.draft.alternatives
    ]
    await turn.reply(
        turn.t("This looks like <b>{label}</b>. Is that right?", label=label),
        keyboard(
            [button(turn, turn.plain("✅ Correct"), "cat", suggested)],
            alternatives,
            [button(turn, turn.plain("Other…"), "cats")],
        ),
    )


def _unit_in_description(dialog: DialogState) -> str:
    """A unit the tenant already wrote ("我住3栋1单元602"): offered as a button, not asked again."""
    mention = find_unit(dialog.draft.description)
    return mention.text if mention is not None else ""


async def _ask_unit(turn: Turn, dialog: DialogState) -> None:
    remembered = turn.complainant.unit if turn.complainant else ""
    found = _unit_in_description(dialog)
    again = (
        [button(turn, turn.plain("Use {unit} again", unit=remembered), "unit_again")]
        if remembered
        else []
    )
    if found:
        yes = [button(turn, turn.plain("✅ Yes, {unit}", unit=found), "unit_found")]
        await turn.reply(
            turn.t(
                "Is it at <b>{unit}</b>? Press the button, or type the right building-unit-room "
                "or shop number.",
                unit=found,
            ),
            keyboard(yes, again if remembered != found else []),
        )
        return
    await turn.reply(
        turn.t(
            "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
        ),
        keyboard(again) if again else None,
    )


async def _ask_phone(turn: Turn, dialog: DialogState) -> None:
    remembered = turn.complainant.phone if turn.complainant else ""
    if remembered:
        await turn.reply(
            turn.t("Can we reach you at {phone}?", phone=_display_phone(turn, remembered)),
            keyboard([button(turn, turn.plain("Yes, use this number"), "phone_again")]),
        )
    share = ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(
                    plain_label(turn.plain("📱 Share my phone number")), request_contact=True
                )
            ]
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await turn.reply(
        turn.t("Please share your phone number with the button below, or type it."), share
    )


async def _ask_name(turn: Turn, dialog: DialogState) -> None:
    user = turn.user
    known = (
        (turn.complainant.name if turn.complainant else "")
        or dialog.draft.telegram_name
        or user.full_name
    )
    markup = (
        keyboard([button(turn, turn.plain("Call me {name}", name=known), "name_again")])
        if known
        else None
    )
    await turn.reply(turn.t("How should we address you?"), markup)


def _display_phone(turn: Turn, phone: str) -> str:
    return display_phone(phone, turn.ctx.settings.phone_region)


def _evidence_keyboard(turn: Turn, dialog: DialogState) -> InlineKeyboardMarkup:
    if dialog.draft.files:
        return keyboard([button(turn, turn.plain("Done"), "files_done")])
    return keyboard([button(turn, turn.plain("Skip"), "files_done")])


async def _ask_evidence(turn: Turn, dialog: DialogState) -> None:
    count = len(dialog.draft.files)
    text = (
        turn.t("Received ({count} so far). Send more or press “Done”.", count=count)
        if count
        else turn.t("Photos or documents help us fix it faster. Send them now, or press “Skip”.")
    )
    await turn.reply(text, _evidence_keyboard(turn, dialog))


async def _ask_expect(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        turn.t("What would you like us to do? (optional)"),
        keyboard([button(turn, turn.plain("Skip"), "expect_skip")]),
    )


def summary_text(turn: Turn, dialog: DialogState) -> str:
    draft = dialog.draft
    policy = turn.ctx.settings.policy
    lines = [
        turn.t("Please check your case:"),
        turn.t(
            "Type: {kind} · {category}",
            kind=kind_name(draft.kind or Kind.COMPLAINT.value, turn.locale),
            category=category_name(policy, draft.category or "other", turn.locale),
        ),
        turn.t("Where: {unit}", unit=draft.unit),
        turn.t(
            "Contact: {name} {phone}",
            name=draft.name,
            phone=_display_phone(turn, draft.phone),
        ),
        turn.t("What happened: {text}", text=shorten(draft.description, 1500)),
    ]
    if draft.files:
        lines.append(turn.t("Photos and files: {count}", count=len(draft.files)))
    if draft.expectation:
        lines.append(turn.t("You expect: {text}", text=shorten(draft.expectation, 500)))
    return "\n".join(lines)


async def _ask_summary(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        summary_text(turn, dialog),
        keyboard(
            [button(turn, turn.plain("✅ Submit"), "submit")],
            [
                button(turn, turn.plain("✏️ Change something"), "edit"),
                button(turn, turn.plain("✖️ Cancel"), "quit"),
            ],
        ),
    )


async def _ask_description(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        turn.t("Please tell us again what happened. Your new text replaces the old description.")
    )


async def _ask_again(turn: Turn, dialog: DialogState) -> None:
    """After a crash mid-update the state was saved but what follows may not have happened: do that again
    (an emergency is filed, the open question asked)."""
    if dialog.state in (Step.DESCRIBE, Step.SAFETY) and dialog.draft.parts:
        await _described(turn, dialog, with_text=True)
        return
    if dialog.state == Step.DESCRIBE and not dialog.draft.return_to:
        await _ask_first_description(turn)
        return
    ask = ASK.get(dialog.state)
    if ask is not None:
        await ask(turn, dialog)


ASK: dict[str, StepHandler] = {  # keyed by the stored state, a Step's value
    Step.OFFER: _ask_offer,
    Step.DESCRIBE: _ask_description,
    Step.SAFETY: _ask_safety,
    Step.CONFIRM: _ask_confirm,
    Step.UNIT: _ask_unit,
    Step.PHONE: _ask_phone,
    Step.NAME: _ask_name,
    Step.EVIDENCE: _ask_evidence,
    Step.EXPECT: _ask_expect,
    Step.SUMMARY: _ask_summary,
}

# ---- buttons --------------------------------------------------------------------------------------

EDIT_LABELS = {
    Step.DESCRIBE: N_("Description"),
    Step.CONFIRM: N_("Category"),
    Step.UNIT: N_("Place"),
    Step.PHONE: N_("Phone"),
    Step.NAME: N_("Name"),
    Step.EVIDENCE: N_("Photos"),
    Step.EXPECT: N_("Expectation"),
}


async def on_callback(turn: Turn, dialog: DialogState | None, callback: Callback) -> None:
    if dialog is None or dialog.flow != FLOW:
        await turn.answer(
            turn.plain("This button belongs to a finished conversation."), alert=False
        )
        return
    if dialog.applied(turn.update.update_id):
        await turn.answer()
        await _ask_again(turn, dialog)
        return
    handler = CALLBACKS.get((dialog.state, callback.action)) or CALLBACKS.get(
        ("*", callback.action)
    )
    if handler is None or _stale(dialog, callback):
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message.")
        )
        return
    await turn.answer()
    await handler(turn, dialog, callback.argument)


def _stale(dialog: DialogState, callback: Callback) -> bool:
    """A button of an earlier question that the dialog's state alone does not tell apart."""
    return callback.action == "safe" and not _is_current_safety_button(dialog, callback.argument)


async def _done_describing(turn: Turn, dialog: DialogState, _: str) -> None:
    draft = dialog.draft
    if not draft.parts:
        await turn.reply(turn.t("Please describe the problem in a few words first."))
        return
    if draft.case_number:
        await _go(turn, dialog, steps.next_step(Step.CONFIRM, draft))
        return
    draft.suggested_category = None
    await _go(turn, dialog, Step.SUMMARY if draft.return_to == Step.SUMMARY else Step.CONFIRM)


async def _pick_category(turn: Turn, dialog: DialogState, code: str) -> None:
    if turn.ctx.settings.policy.category(code) is None:
        await turn.reply(turn.t("Please choose one of the buttons above, or send /cancel to stop."))
        return
    dialog.draft.category = code
    await _go(turn, dialog, steps.next_step(Step.CONFIRM, dialog.draft))


async def _all_categories(turn: Turn, dialog: DialogState, _: str) -> None:
    policy = turn.ctx.settings.policy
    buttons = [
        button(turn, category_name(policy, c.code, turn.locale), "cat", c.code)
        for c in policy.categories
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await turn.reply(turn.t("Which of these fits best?"), InlineKeyboardMarkup(rows))


async def _reuse_unit(turn: Turn, dialog: DialogState, _: str) -> None:
    if turn.complainant and turn.complainant.unit:
        await _answer(turn, dialog, Step.UNIT, turn.complainant.unit)


async def _unit_found(turn: Turn, dialog: DialogState, _: str) -> None:
    found = _unit_in_description(dialog)
    if found:
        await _answer(turn, dialog, Step.UNIT, found)
        return
    await _ask_unit(turn, dialog)


async def _reuse_phone(turn: Turn, dialog: DialogState, _: str) -> None:
    if turn.complainant and turn.complainant.phone:
        await _answer(turn, dialog, Step.PHONE, turn.complainant.phone, thank=True)


async def _reuse_name(turn: Turn, dialog: DialogState, _: str) -> None:
    user = turn.user
    known = (
        (turn.complainant.name if turn.complainant else "")
        or dialog.draft.telegram_name
        or user.full_name
    )
    await _answer(turn, dialog, Step.NAME, known[:50])


async def _files_done(turn: Turn, dialog: DialogState, _: str) -> None:
    await _go(turn, dialog, steps.next_step(Step.EVIDENCE, dialog.draft))


async def _skip_expectation(turn: Turn, dialog: DialogState, _: str) -> None:
    await _go(turn, dialog, steps.next_step(Step.EXPECT, dialog.draft))


async def _edit_menu(turn: Turn, dialog: DialogState, _: str) -> None:
    buttons = [button(turn, turn.plain(EDIT_LABELS[s]), "edit_field", s) for s in steps.EDITABLE]
    await turn.reply(
        turn.t("What would you like to change?"),
        InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
    )


async def _edit_field(turn: Turn, dialog: DialogState, argument: str) -> None:
    field = next((step for step in steps.EDITABLE if step == argument), None)
    if field is None:
        return
    draft = dialog.draft
    draft.return_to = Step.SUMMARY
    if field == Step.DESCRIBE:
        draft.parts = []
    elif field == Step.CONFIRM:
        draft.category = ""
    await _go(turn, dialog, field)


async def _quit(turn: Turn, dialog: DialogState, _: str) -> None:
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(turn.t("Cancelled. Nothing was filed. Send /complain whenever you need us."))


async def _submit_pressed(turn: Turn, dialog: DialogState, _: str) -> None:
    """The dialog ends with the case filed (the update recorded in the same commit), then the receipt
    and the staff card go out."""
    case = await _file(turn, dialog)
    if case is None:
        return
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.ctx.deliver()


async def _submit(turn: Turn, dialog: DialogState, triage: Any = None):
    """File the case and deliver what it queued (the receipt first, then the dialog goes on)."""
    case = await _file(turn, dialog, triage)
    if case is not None:
        await turn.ctx.deliver()
    return case


async def _file(turn: Turn, dialog: DialogState, triage: Any = None):
    """File the case (idempotent on the dialog's key); on a database failure keep everything.
    An emergency is major whatever a later classification says (a "yes" to the safety question)."""
    draft = dialog.draft
    case_draft = CaseDraft(
        description=draft.description,
        channel=Channel.CHAT,
        kind=Kind(draft.kind) if draft.kind in Kind._value2member_map_ else None,
        category=draft.category or None,
        severity=Severity.MAJOR if draft.is_emergency else None,
        triage=triage,
        location=draft.unit,
        unit=draft.unit,
        expectation=draft.expectation,
        contact_name=draft.name,
        contact_phone=draft.phone,
        locale=turn.locale,
        telegram_id=turn.user_id,
        client_key=f"tg:{turn.chat_id}:{draft.key}",
        attachments=list(draft.files),
    )
    try:
        case = await turn.ctx.cases.submit(case_draft, Actor(ActorKind.TENANT, name=draft.name))
    except ValidationFailed as exc:
        log.info("intake in chat %s refused: %s", turn.chat_id, exc.message)
        await turn.reply(
            turn.t(
                "Something in the case is not complete. Please press “Change something” and check it."
            ),
            keyboard([button(turn, turn.plain("✏️ Change something"), "edit")]),
        )
        return None
    except (BaseORMException, OSError, ConnectionError):
        log.exception("submit failed for chat %s", turn.chat_id)
        await turn.reply(
            turn.t(
                "Sorry, we could not save your case just now. Everything you typed is kept: "
                "please press “Submit” again in a moment."
            ),
            keyboard([button(turn, turn.plain("✅ Submit"), "submit")]),
        )
        return None
    return case


CALLBACKS = {
    (Step.OFFER, "offer"): _offer_answered,
    (Step.DESCRIBE, "done"): _done_describing,
    (Step.SAFETY, "safe"): _safety_pressed,
    (Step.SAFETY, "done"): _safety_repeat,
    (Step.CONFIRM, "cat"): _pick_category,
    (Step.CONFIRM, "cats"): _all_categories,
    (Step.UNIT, "unit_again"): _reuse_unit,
    (Step.UNIT, "unit_found"): _unit_found,
    (Step.PHONE, "phone_again"): _reuse_phone,
    (Step.NAME, "name_again"): _reuse_name,
    (Step.EVIDENCE, "files_done"): _files_done,
    (Step.EXPECT, "expect_skip"): _skip_expectation,
    (Step.SUMMARY, "submit"): _submit_pressed,
    (Step.SUMMARY, "edit"): _edit_menu,
    (Step.SUMMARY, "edit_field"): _edit_field,
    ("*", "quit"): _quit,
}
