"""The guided intake: a tenant files a complete, correct case in about a minute.

Each step asks one thing; the state lives in the database (bot.dialogs), so a restart or another instance
continues where the tenant was. Unexpected input gets a short hint and the dialog stays where it was.
"""

import dataclasses
import logging
import uuid
from types import SimpleNamespace
from typing import Any

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from tortoise.exceptions import BaseORMException

from backend.domain import ActorKind, Channel, DomainError, Kind, Severity, ValidationFailed
from backend.domain.contact import display_phone, example_phone, normalize_phone, regions_for
from backend.domain.units import find_unit
from backend.i18n import N_
from backend.labels import kind_name
from backend.services.actors import Actor
from backend.services.drafts import AttachmentDraft, CaseDraft

from ..callbacks import Callback, cb
from ..dialogs import DialogState, clear_dialog, save_dialog
from ..render import category_name
from ..text import label as plain_label
from ..text import shorten
from ..turn import Turn
from . import safety, steps
from .steps import (
    CONFIRM,
    DESCRIBE,
    DONE,
    EVIDENCE,
    EXPECT,
    NAME,
    OFFER,
    PHONE,
    SAFETY,
    SUMMARY,
    UNIT,
)

log = logging.getLogger(__name__)
FLOW = "intake"
SCOPE = "i"
MAX_MESSAGE = 4000
MAX_DESCRIPTION = 10_000
MAX_ATTACHMENTS = 10
# Dialog answers → case fields, for details added to a case filed early.
CASE_FIELD = {
    "unit": "unit",
    "phone": "contact_phone",
    "name": "contact_name",
    "expectation": "expectation",
}


def button(turn: Turn, label: str, action: str, argument: str = "") -> Button:
    """A button of this dialog; `label` is plain text (`turn.plain`, not `turn.t`)."""
    return Button(plain_label(label), callback_data=cb(SCOPE, action, argument))


def keyboard(*rows: list[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


# ---- start ----------------------------------------------------------------------------------------


def _new_dialog(turn: Turn, state: str) -> DialogState:
    return DialogState(
        turn.chat_id,
        turn.user_id,
        FLOW,
        state,
        {"key": uuid.uuid4().hex, "parts": [], "locale": turn.locale},
    )


async def begin(turn: Turn) -> None:
    dialog = _new_dialog(turn, DESCRIBE)
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_first_description(turn)


async def offer(turn: Turn) -> None:
    """Free text (or a photo) sent outside a dialog is kept and offered for filing, so the tenant need not
    type it again; a possible emergency goes straight on (filed at once, or the safety question)."""
    dialog = _new_dialog(turn, OFFER)
    if not await _keep_part(turn, dialog):
        return
    triage = _classify(turn, dialog)
    if triage is not None and (_is_emergency(triage) or _safety_check(dialog, triage)):
        dialog.state = DESCRIBE
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
        dialog.state = DESCRIBE
        await save_dialog(dialog, turn.ctx.clock.now())
        await _ask_more(turn)
        return
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(turn.t("All right, nothing was filed. Send /complain whenever you need us."))


async def _offer_message(turn: Turn, dialog: DialogState) -> None:
    """More text after the offer: the tenant is describing; it becomes the description."""
    dialog.state = DESCRIBE
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
    message = turn.update.effective_message
    if dialog.applied(turn.update.update_id):
        await _ask_again(turn, dialog)
        return
    handler = {
        OFFER: _offer_message,
        DESCRIBE: _describe_message,
        SAFETY: _safety_message,
        UNIT: _unit_message,
        PHONE: _phone_message,
        NAME: _name_message,
        EVIDENCE: _evidence_message,
        EXPECT: _expect_message,
    }.get(dialog.state)
    if handler is None:  # a step answered by buttons
        await turn.reply(turn.t("Please choose one of the buttons above, or send /cancel to stop."))
        return
    if message.text and len(message.text) > MAX_MESSAGE:
        await turn.reply(
            turn.t("That message is too long for us to keep. Please send it in shorter parts.")
        )
        return
    await handler(turn, dialog)


def _attachment_of(turn: Turn) -> AttachmentDraft | None:
    message = turn.update.effective_message
    if message.photo:
        photo = message.photo[-1]
        return AttachmentDraft(photo.file_id, "photo", photo.file_unique_id, message.caption or "")
    if message.document:
        document = message.document
        return AttachmentDraft(
            document.file_id, "document", document.file_unique_id, message.caption or ""
        )
    if message.video:
        return AttachmentDraft(
            message.video.file_id, "video", message.video.file_unique_id, message.caption or ""
        )
    return None


def _add_attachment(dialog: DialogState, attachment: AttachmentDraft) -> bool:
    files = dialog.data.setdefault("files", [])
    if len(files) >= MAX_ATTACHMENTS:
        return False
    files.append(attachment.__dict__)
    return True


async def _describe_message(turn: Turn, dialog: DialogState) -> None:
    message = turn.update.effective_message
    text = (message.text or message.caption or "").strip()
    attachment = _attachment_of(turn)
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
    message = turn.update.effective_message
    text = (message.text or message.caption or "").strip()
    parts: list[str] = dialog.data.setdefault("parts", [])
    if sum(len(p) for p in parts) + len(text) > MAX_DESCRIPTION:
        await turn.reply(
            turn.t("We have a lot of detail already. Please press “That's all” to continue."),
            keyboard([button(turn, turn.plain("That's all"), "done")]),
        )
        return False
    if text:
        parts.append(text)
    attachment = _attachment_of(turn)
    if attachment is not None:
        _add_attachment(dialog, attachment)
    return True


async def _described(
    turn: Turn, dialog: DialogState, *, with_text: bool, triage: Any = None
) -> None:
    """After a part of the description is saved: an emergency is filed at once, a possible one gets the
    safety question first (it stays open until answered), else ask for more. `triage`: of the description
    as it is now, when the caller already has it."""
    if with_text and not dialog.data.get("case"):
        triage = triage or _classify(turn, dialog)
        if triage is not None and _is_emergency(triage):
            await _file_emergency(turn, dialog, triage)
            return
        check = _safety_check(dialog, triage)
        if check and dialog.state != SAFETY:
            await _open_safety_question(turn, dialog, check)
            return
    if dialog.state == SAFETY:
        await _ask_safety(turn, dialog, again=True)
        return
    await _ask_more(turn)


async def _ask_more(turn: Turn) -> None:
    await turn.reply(
        turn.t("Noted. Send more if there is more; press “That's all” when you are done."),
        keyboard([button(turn, turn.plain("That's all"), "done")]),
    )


def _classify(turn: Turn, dialog: DialogState) -> Any:
    text = "\n".join(dialog.data.get("parts", []))
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


def _remember_triage(dialog: DialogState, triage: Any, policy_codes: tuple[str, ...]) -> None:
    category = getattr(triage, "category", "other")
    dialog.data["suggested"] = category if category in policy_codes else "other"
    dialog.data["kind"] = getattr(triage, "kind", Kind.COMPLAINT.value)
    dialog.data["severity"] = getattr(triage, "severity", Severity.GENERAL.value)
    dialog.data["alternatives"] = [
        c
        for c in getattr(triage, "alternatives", ())
        if c in policy_codes and c not in (category, "other")
    ][:3]


async def _file_emergency(turn: Turn, dialog: DialogState, triage: Any) -> None:
    """An emergency is answered at once with what to do now (advice that fits it, the duty phone), then
    filed with what is known (always major): the receipt says the staff on duty are alerted, then the case
    number and times. The remaining questions come afterwards."""
    settings = turn.ctx.settings
    _remember_triage(dialog, triage, settings.policy.category_codes)
    dialog.data["category"] = dialog.data["suggested"]
    dialog.data["severity"] = Severity.MAJOR.value
    dialog.data["triggers"] = list(
        getattr(triage, "triggers", ()) or ()
    )  # marks the dialog's case as major
    dialog.data.pop("safety", None)  # more text made the open question moot
    duty = settings.duty_phone
    lines = [turn.t(safety.advice_for(dialog.data["triggers"]))]
    if duty:
        lines.append(turn.t("Property duty phone: {phone}", phone=duty))
    await turn.reply("\n".join(lines))
    case = await _submit(turn, dialog, triage)
    if case is None:
        return
    dialog.data["case"] = case.number
    await _go(turn, dialog, steps.next_step(CONFIRM, dialog.data))


# ---- the safety question --------------------------------------------------------------------------


def _safety_check(dialog: DialogState, triage: Any) -> str:
    """The safety question triage asks for, unless this dialog already had it answered."""
    check = getattr(triage, "safety_check", "") or ""
    if not safety.question_for(check) or check in dialog.data.get("safety_done", []):
        return ""
    return check


async def _open_safety_question(turn: Turn, dialog: DialogState, check: str) -> None:
    dialog.state = SAFETY
    dialog.data["safety"] = check
    await save_dialog(dialog, turn.ctx.clock.now())
    await _ask_safety(turn, dialog)


async def _ask_safety(turn: Turn, dialog: DialogState, *, again: bool = False) -> None:
    check = dialog.data["safety"]
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
    return str(dialog.data.get("key", ""))[:8]


def _is_current_safety_button(dialog: DialogState, argument: str) -> bool:
    answer, _, asked = argument.partition(":")
    return answer in ("y", "n") and asked == f"{dialog.data.get('safety')}:{_dialog_tag(dialog)}"


async def _safety_message(turn: Turn, dialog: DialogState) -> None:
    """A typed yes or no answers the open question; anything else is more description."""
    answer = safety.typed_answer(turn.update.effective_message.text or "")
    if answer is None:
        await _describe_message(turn, dialog)
        return
    await _safety_answered(turn, dialog, answer)


async def _safety_pressed(turn: Turn, dialog: DialogState, argument: str) -> None:
    await _safety_answered(turn, dialog, argument.startswith("y:"))


async def _safety_answered(turn: Turn, dialog: DialogState, yes: bool) -> None:
    """Yes: the emergency path at once. No: the description goes on, and the question is not asked again."""
    check = dialog.data.pop("safety")
    dialog.data.setdefault("safety_done", []).append(check)
    dialog.state = DESCRIBE
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
    unit = (turn.update.effective_message.text or "").strip()
    if not unit or len(unit) > 64:
        await turn.reply(
            turn.t(
                "Please type the building, unit and room (for example 3-1-1202), or your shop number."
            )
        )
        return
    await _answer(turn, dialog, UNIT, unit=unit)


async def _phone_message(turn: Turn, dialog: DialogState) -> None:
    message = turn.update.effective_message
    if message.contact is not None:
        if message.contact.user_id not in (None, turn.user_id):
            await turn.reply(turn.t("Please share your own number, or type it."))
            return
        raw = message.contact.phone_number or ""
        name = " ".join(p for p in (message.contact.first_name, message.contact.last_name) if p)
    else:
        raw, name = message.text or "", ""
    regions = regions_for(turn.locale, turn.ctx.settings.phone_region)
    # Telegram sends a shared contact's number in international form, usually without the "+"
    international = (
        normalize_phone("+" + raw.lstrip("+"), regions) if message.contact is not None else None
    )
    phone = international or normalize_phone(raw, regions)
    if phone is None:
        await turn.reply(
            turn.t(
                "That does not look like a phone number. Please type it again, for example {example}, "
                "or with + and the country code.",
                example=example_phone(regions[0]),
            )
        )
        return
    if name and not dialog.data.get("name"):
        dialog.data["telegram_name"] = name
    await turn.reply(turn.t("Thank you."), ReplyKeyboardRemove())
    await _answer(turn, dialog, PHONE, phone=phone)


async def _name_message(turn: Turn, dialog: DialogState) -> None:
    name = (turn.update.effective_message.text or "").strip()
    if not name or len(name) > 50:
        await turn.reply(turn.t("Please type how we should address you, for example 王女士."))
        return
    await _answer(turn, dialog, NAME, name=name)


async def _evidence_message(turn: Turn, dialog: DialogState) -> None:
    attachment = _attachment_of(turn)
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
    count = len(dialog.data.get("files", []))
    await turn.reply(
        turn.t("Received ({count} so far). Send more or press “Done”.", count=count),
        _evidence_keyboard(turn, dialog),
    )


async def _expect_message(turn: Turn, dialog: DialogState) -> None:
    text = (turn.update.effective_message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please type what you would like us to do, or press “Skip”."))
        return
    await _answer(turn, dialog, EXPECT, expectation=text)


async def _answer(turn: Turn, dialog: DialogState, step: str, **values: Any) -> None:
    """Store an answer; after an emergency was filed, add it to the case right away."""
    dialog.data.update(values)
    if dialog.data.get("case"):
        await _supplement(turn, dialog, values)
    await _go(turn, dialog, steps.next_step(step, dialog.data))


async def _supplement(turn: Turn, dialog: DialogState, values: dict[str, Any]) -> None:
    fields = {CASE_FIELD[key]: value for key, value in values.items()}
    complainant = turn.complainant  # exists: the case was filed in an earlier update of this dialog
    if complainant is None:
        return
    try:
        await turn.ctx.cases.supplement(
            dialog.data["case"], Actor.tenant(complainant.id, complainant.name), **fields
        )
    except (
        DomainError
    ) as exc:  # not valid, or the case was cancelled or closed meanwhile: the dialog goes on
        log.info("supplement refused for %s: %s", dialog.data["case"], exc.message)


# ---- asking ---------------------------------------------------------------------------------------


async def _go(turn: Turn, dialog: DialogState, step: str) -> None:
    if step == DONE:
        number = dialog.data.get("case")
        await clear_dialog(turn.chat_id, turn.user_id)
        await turn.reply(
            turn.t(
                "Thank you, everything is added to case {number}. Send /status {number} to see its progress.",
                number=number,
            )
        )
        return
    if step == CONFIRM and "suggested" not in dialog.data:
        triage = _classify(turn, dialog)
        if triage is not None:
            _remember_triage(dialog, triage, turn.ctx.settings.policy.category_codes)
        dialog.data.setdefault("suggested", "other")
    if step == SUMMARY:
        dialog.data.pop("return_to", None)
    dialog.state = step
    await save_dialog(dialog, turn.ctx.clock.now())
    await ASK[step](turn, dialog)


async def _ask_confirm(turn: Turn, dialog: DialogState) -> None:
    policy = turn.ctx.settings.policy
    label = category_name(
        policy, dialog.data["suggested"], turn.locale
    )  # severity is for staff only
    alternatives = [
        button(turn, category_name(policy, code, turn.locale), "cat", code)
        for code in dialog.data.get("alternatives", [])
    ]
    await turn.reply(
        turn.t("This looks like <b>{label}</b>. Is that right?", label=label),
        keyboard(
            [button(turn, turn.plain("✅ Correct"), "cat", dialog.data["suggested"])],
            alternatives,
            [button(turn, turn.plain("Other…"), "cats")],
        ),
    )


def _unit_in_description(dialog: DialogState) -> str:
    """A unit the tenant already wrote ("我住3栋1单元602"): offered as a button, not asked again."""
    mention = find_unit("\n".join(dialog.data.get("parts", [])))
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
    user = turn.update.effective_user
    known = (
        (turn.complainant.name if turn.complainant else "")
        or dialog.data.get("telegram_name")
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
    if dialog.data.get("files"):
        return keyboard([button(turn, turn.plain("Done"), "files_done")])
    return keyboard([button(turn, turn.plain("Skip"), "files_done")])


async def _ask_evidence(turn: Turn, dialog: DialogState) -> None:
    count = len(dialog.data.get("files", []))
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
    data = dialog.data
    policy = turn.ctx.settings.policy
    lines = [
        turn.t("Please check your case:"),
        turn.t(
            "Type: {kind} · {category}",
            kind=kind_name(data.get("kind", "complaint"), turn.locale),
            category=category_name(policy, data.get("category", "other"), turn.locale),
        ),
        turn.t("Where: {unit}", unit=data.get("unit", "")),
        turn.t(
            "Contact: {name} {phone}",
            name=data.get("name", ""),
            phone=_display_phone(turn, data.get("phone", "")),
        ),
        turn.t("What happened: {text}", text=shorten("\n".join(data.get("parts", [])), 1500)),
    ]
    if data.get("files"):
        lines.append(turn.t("Photos and files: {count}", count=len(data["files"])))
    if data.get("expectation"):
        lines.append(turn.t("You expect: {text}", text=shorten(data["expectation"], 500)))
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
    if dialog.state in (DESCRIBE, SAFETY) and dialog.data.get("parts"):
        await _described(turn, dialog, with_text=True)
        return
    if dialog.state == DESCRIBE and not dialog.data.get("return_to"):
        await _ask_first_description(turn)
        return
    ask = ASK.get(dialog.state)
    if ask is not None:
        await ask(turn, dialog)


ASK = {
    OFFER: _ask_offer,
    DESCRIBE: _ask_description,
    SAFETY: _ask_safety,
    CONFIRM: _ask_confirm,
    UNIT: _ask_unit,
    PHONE: _ask_phone,
    NAME: _ask_name,
    EVIDENCE: _ask_evidence,
    EXPECT: _ask_expect,
    SUMMARY: _ask_summary,
}

# ---- buttons --------------------------------------------------------------------------------------

EDIT_LABELS = {
    DESCRIBE: N_("Description"),
    CONFIRM: N_("Category"),
    UNIT: N_("Place"),
    PHONE: N_("Phone"),
    NAME: N_("Name"),
    EVIDENCE: N_("Photos"),
    EXPECT: N_("Expectation"),
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
    if not dialog.data.get("parts"):
        await turn.reply(turn.t("Please describe the problem in a few words first."))
        return
    if dialog.data.get("case"):
        await _go(turn, dialog, steps.next_step(CONFIRM, dialog.data))
        return
    dialog.data.pop("suggested", None)
    await _go(turn, dialog, CONFIRM if dialog.data.get("return_to") != SUMMARY else SUMMARY)


async def _pick_category(turn: Turn, dialog: DialogState, code: str) -> None:
    if turn.ctx.settings.policy.category(code) is None:
        await turn.reply(turn.t("Please choose one of the buttons above, or send /cancel to stop."))
        return
    dialog.data["category"] = code
    await _go(turn, dialog, steps.next_step(CONFIRM, dialog.data))


async def _all_categories(turn: Turn, dialog: DialogState, _: str) -> None:
    policy = turn.ctx.settings.policy
    buttons = [button(turn, c.name(turn.locale), "cat", c.code) for c in policy.categories]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await turn.reply(turn.t("Which of these fits best?"), InlineKeyboardMarkup(rows))


async def _reuse_unit(turn: Turn, dialog: DialogState, _: str) -> None:
    if turn.complainant and turn.complainant.unit:
        await _answer(turn, dialog, UNIT, unit=turn.complainant.unit)


async def _unit_found(turn: Turn, dialog: DialogState, _: str) -> None:
    found = _unit_in_description(dialog)
    if found:
        await _answer(turn, dialog, UNIT, unit=found)
        return
    await _ask_unit(turn, dialog)


async def _reuse_phone(turn: Turn, dialog: DialogState, _: str) -> None:
    if turn.complainant and turn.complainant.phone:
        await turn.reply(turn.t("Thank you."), ReplyKeyboardRemove())
        await _answer(turn, dialog, PHONE, phone=turn.complainant.phone)


async def _reuse_name(turn: Turn, dialog: DialogState, _: str) -> None:
    user = turn.update.effective_user
    known = (
        (turn.complainant.name if turn.complainant else "")
        or dialog.data.get("telegram_name")
        or user.full_name
    )
    await _answer(turn, dialog, NAME, name=known[:50])


async def _files_done(turn: Turn, dialog: DialogState, _: str) -> None:
    await _go(turn, dialog, steps.next_step(EVIDENCE, dialog.data))


async def _skip_expectation(turn: Turn, dialog: DialogState, _: str) -> None:
    await _go(turn, dialog, steps.next_step(EXPECT, dialog.data))


async def _edit_menu(turn: Turn, dialog: DialogState, _: str) -> None:
    buttons = [button(turn, turn.plain(EDIT_LABELS[s]), "edit_field", s) for s in steps.EDITABLE]
    await turn.reply(
        turn.t("What would you like to change?"),
        InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
    )


async def _edit_field(turn: Turn, dialog: DialogState, field: str) -> None:
    if field not in steps.EDITABLE:
        return
    dialog.data["return_to"] = SUMMARY
    if field == DESCRIBE:
        dialog.data["parts"] = []
    elif field == CONFIRM:
        dialog.data.pop("category", None)
    await _go(turn, dialog, field)


async def _quit(turn: Turn, dialog: DialogState, _: str) -> None:
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(turn.t("Cancelled. Nothing was filed. Send /complain whenever you need us."))


async def _submit_pressed(turn: Turn, dialog: DialogState, _: str) -> None:
    case = await _submit(turn, dialog)
    if case is None:
        return
    await clear_dialog(turn.chat_id, turn.user_id)


async def _submit(turn: Turn, dialog: DialogState, triage: Any = None):
    """File the case (idempotent on the dialog's key); on a database failure keep everything.
    An emergency is major whatever a later classification says (a "yes" to the safety question)."""
    data = dialog.data
    draft = CaseDraft(
        description="\n".join(data.get("parts", [])),
        channel=Channel.CHAT,
        kind=Kind(data["kind"]) if data.get("kind") in Kind._value2member_map_ else None,
        category=data.get("category"),
        severity=Severity.MAJOR if "triggers" in data else None,
        triage=triage,
        location=data.get("unit", ""),
        unit=data.get("unit", ""),
        expectation=data.get("expectation", ""),
        contact_name=data.get("name", ""),
        contact_phone=data.get("phone", ""),
        locale=turn.locale,
        telegram_id=turn.user_id,
        client_key=f"tg:{turn.chat_id}:{data['key']}",
        attachments=[AttachmentDraft(**f) for f in data.get("files", [])],
    )
    try:
        case = await turn.ctx.cases.submit(
            draft, Actor(ActorKind.TENANT, name=data.get("name", ""))
        )
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
    await turn.context.application.bot_data["deliver"]()
    return case


CALLBACKS = {
    (OFFER, "offer"): _offer_answered,
    (DESCRIBE, "done"): _done_describing,
    (SAFETY, "safe"): _safety_pressed,
    (SAFETY, "done"): _safety_repeat,
    (CONFIRM, "cat"): _pick_category,
    (CONFIRM, "cats"): _all_categories,
    (UNIT, "unit_again"): _reuse_unit,
    (UNIT, "unit_found"): _unit_found,
    (PHONE, "phone_again"): _reuse_phone,
    (NAME, "name_again"): _reuse_name,
    (EVIDENCE, "files_done"): _files_done,
    (EXPECT, "expect_skip"): _skip_expectation,
    (SUMMARY, "submit"): _submit_pressed,
    (SUMMARY, "edit"): _edit_menu,
    (SUMMARY, "edit_field"): _edit_field,
    ("*", "quit"): _quit,
}
