"""`/new` for staff: file a case on behalf of a caller from a private chat with the bot (issue #17).

A guard at the gate logs a walk-in from a phone: channel, the caller's phone (a walk-in, a letter or
another channel may go without one, then a name is required), name, unit, description (triage shows the
category, the severity and an emergency warning; the category can be changed), a summary, then "Submit".
The same rules as the dashboard's front desk: the case is filed through CaseService.submit with the chosen
channel and the caller's details, the staff member as actor, the dialog's key as client_key (a repeated
submit files one case); the caller has no chat and gets no message; an emergency is filed as major, which
alerts the managers (and the duty officer outside business hours) as a chat emergency does.

Whoever sends `/new` is checked against the staff table (active, any role) at every step, never trusted
from Telegram; a tenant's `/new` starts their own complaint (bot/app.py). The form's state is a
`DeskDraft` in the dialog row (bot/dialogs.py), so a restart or another instance carries on.
"""

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from tortoise.exceptions import BaseORMException

from backend.domain import Channel, Severity, ValidationFailed
from backend.domain.contact import display_phone, regions_for
from backend.i18n import N_, _
from backend.labels import category_name, channel_name, severity_name, trigger_name
from backend.models import Case
from backend.services.actors import Actor
from backend.services.dialogs import Flow
from backend.services.drafts import MAX_DESCRIPTION, CaseDraft
from backend.services.staff import staff_actor

from .. import phone_input
from ..attachments import attachment_in
from ..callbacks import Callback, Scope, cb
from ..dialogs import DialogState, clear_dialog, save_dialog
from ..phone_input import contact_name, phone_in
from ..tenant import safety
from ..text import esc, shorten
from ..text import label as plain_label
from ..timefmt import local_time
from ..turn import Turn
from .desk_draft import DeskDraft, DeskStep

log = logging.getLogger(__name__)
FLOW = Flow.DESK_INTAKE
SCOPE = Scope.DESK
MAX_MESSAGE = 4000
MAX_NAME = 100
MAX_UNIT = 64
MAX_FILES = 10
# The channels this form offers, first the one a guard at the gate needs most.
CHANNELS = (Channel.WALK_IN, Channel.PHONE, Channel.LETTER, Channel.OTHER)
CHANNEL_ICONS = {
    Channel.WALK_IN: "🚶",
    Channel.PHONE: "📞",
    Channel.LETTER: "✉️",
    Channel.OTHER: "📋",
}
ORDER = (
    DeskStep.CHANNEL,
    DeskStep.PHONE,
    DeskStep.NAME,
    DeskStep.UNIT,
    DeskStep.DESCRIBE,
    DeskStep.CATEGORY,
    DeskStep.SUMMARY,
)
EDIT_LABELS = {
    DeskStep.CHANNEL: N_("Channel"),
    DeskStep.PHONE: N_("Phone"),
    DeskStep.NAME: N_("Name"),
    DeskStep.UNIT: N_("Place"),
    DeskStep.DESCRIBE: N_("Description"),
    DeskStep.CATEGORY: N_("Category"),
}
NOT_STAFF = N_("Only registered staff can do this. Ask an administrator to add you.")
USE_BUTTONS = N_("Please choose one of the buttons above, or send /cancel to stop.")
NO_LONGER_ACTIVE = N_("This button is no longer active. Please use the latest message.")

Ask = Callable[[Turn, DialogState], Awaitable[None]]


def _draft(dialog: DialogState) -> DeskDraft:
    if not isinstance(dialog.payload, DeskDraft):
        raise TypeError(f"a {dialog.flow} dialog has no desk draft")
    return dialog.payload


def _button(
    turn: Turn, dialog: DialogState, label: str, action: str, value: str = ""
) -> InlineKeyboardButton:
    """A button of this form; `label` is plain text. Its data carries the form's tag, so a button of an
    earlier form is recognised as stale."""
    argument = f"{_draft(dialog).tag}:{value}" if value else _draft(dialog).tag
    return InlineKeyboardButton(plain_label(label), callback_data=cb(SCOPE, action, argument))


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def _regions(turn: Turn) -> tuple[str, ...]:
    return regions_for(turn.ctx.settings.default_locale, turn.ctx.settings.phone_region)


# ---- start ----------------------------------------------------------------------------------------


async def begin(turn: Turn) -> bool:
    """Start the form for an active staff member in a private chat; False (nothing done) for anybody
    else, whose `/new` is a tenant's own complaint."""
    if turn.chat.type != "private" or await staff_actor(turn.user_id) is None:
        return False
    dialog = DialogState(turn.chat_id, turn.user_id, FLOW, DeskStep.CHANNEL, DeskDraft())
    await save_dialog(dialog, turn.ctx.clock.now())
    await turn.reply(turn.t("New case on behalf of a caller. Send /cancel at any time to stop."))
    await _ask_channel(turn, dialog)
    return True


# ---- asking ---------------------------------------------------------------------------------------


async def _ask_channel(turn: Turn, dialog: DialogState) -> None:
    buttons = [
        _button(
            turn,
            dialog,
            f"{CHANNEL_ICONS[channel]} {channel_name(channel, turn.locale)}",
            "ch",
            channel.value,
        )
        for channel in CHANNELS
    ]
    await turn.reply(turn.t("How did the complaint come in?"), _keyboard(buttons[:2], buttons[2:]))


async def _ask_phone(turn: Turn, dialog: DialogState) -> None:
    draft = _draft(dialog)
    if draft.channel == Channel.PHONE:
        await turn.reply(turn.t("The caller's phone number?"))
        return
    await turn.reply(
        turn.t("The caller's phone number? Without one, their name is required."),
        _keyboard([_button(turn, dialog, turn.plain("No phone number"), "skip")]),
    )


async def _ask_name(turn: Turn, dialog: DialogState) -> None:
    draft = _draft(dialog)
    if draft.phone:
        await turn.reply(
            turn.t("The caller's name? (optional)"),
            _keyboard([_button(turn, dialog, turn.plain("Skip"), "skip")]),
        )
        return
    await turn.reply(turn.t("The caller's name? Without a phone number it is required."))


async def _ask_unit(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        turn.t(
            "Where is the problem? Please type building-unit-room (for example 3-1-1202), a shop "
            "number or a place."
        ),
        _keyboard([_button(turn, dialog, turn.plain("Skip"), "skip")]),
    )


async def _ask_description(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        turn.t(
            "What is the problem, in the caller's words? One message; a photo of a letter may come "
            "with it."
        )
    )


async def _ask_category(turn: Turn, dialog: DialogState) -> None:
    """Triage's reading of the description, an emergency warning, and the category to confirm."""
    draft, policy, locale = _draft(dialog), turn.ctx.settings.policy, turn.locale
    suggested = draft.suggested or "other"
    lines = [
        turn.t(
            "Triage: <b>{category}</b> · {severity}",
            category=category_name(policy, suggested, locale),
            severity=severity_name(draft.severity or Severity.GENERAL.value, locale),
        )
    ]
    extra: list[InlineKeyboardButton] = []
    if draft.emergency:
        lines.append(_emergency_line(turn, draft.triggers))
        lines.append(
            turn.t(
                "Tell the caller: {advice}", advice=turn.plain(safety.advice_for(draft.triggers))
            )
        )
    elif draft.safety_check and safety.question_for(draft.safety_check):
        lines.append(
            turn.t(
                "Ask the caller: <b>{question}</b> If yes, press “🚨 Emergency”.",
                question=turn.plain(safety.question_for(draft.safety_check)),
            )
        )
        extra = [_button(turn, dialog, turn.plain("🚨 Emergency"), "sos")]
    lines.append(turn.t("Is the category right?"))
    alternatives = [
        _button(turn, dialog, category_name(policy, code, locale), "cat", code)
        for code in draft.alternatives
    ]
    await turn.reply(
        "\n".join(lines),
        _keyboard(
            [
                _button(
                    turn,
                    dialog,
                    f"✅ {category_name(policy, suggested, locale)}",
                    "cat",
                    suggested,
                )
            ],
            alternatives,
            [_button(turn, dialog, turn.plain("Other…"), "cats")],
            extra,
        ),
    )


def _emergency_line(turn: Turn, triggers: list[str], case: Case | None = None) -> str:
    """The warning before filing; after (`case`), who is being alerted."""
    names = ", ".join(trigger_name(t, turn.locale) for t in triggers) or "—"
    if case is None:
        line = turn.t(
            "⚠️ Emergency ({triggers}): it is filed as major and the managers are alerted.",
            triggers=names,
        )
    elif case.off_hours:
        line = "⚠️ " + turn.t(
            "Emergency ({triggers}): the duty officer and the managers are being alerted.",
            triggers=names,
        )
    else:
        line = "⚠️ " + turn.t(
            "Emergency ({triggers}): the managers are being alerted.", triggers=names
        )
    if turn.ctx.settings.duty_phone:
        line += "\n" + turn.t("Duty phone: {phone}", phone=turn.ctx.settings.duty_phone)
    return line


def summary_text(turn: Turn, dialog: DialogState) -> str:
    draft, policy, locale = _draft(dialog), turn.ctx.settings.policy, turn.locale
    none = "—"
    lines = [
        turn.t("Please check the case before filing it:"),
        turn.t("Channel: {channel}", channel=channel_name(draft.channel, locale)),
        turn.t(
            "Caller: {name} {phone}",
            name=draft.name or none,
            phone=display_phone(draft.phone, turn.ctx.settings.phone_region)
            if draft.phone
            else none,
        ),
        turn.t("Where: {unit}", unit=draft.unit or none),
        turn.t(
            "Category: {category} · {severity}",
            category=category_name(policy, draft.category or "other", locale),
            severity=severity_name(
                Severity.MAJOR.value
                if draft.emergency
                else draft.severity or Severity.GENERAL.value,
                locale,
            ),
        ),
        turn.t("What happened: {text}", text=shorten(draft.description, 1500)),
    ]
    if draft.files:
        lines.append(turn.t("Photos and files: {count}", count=len(draft.files)))
    if draft.emergency:
        lines.append(_emergency_line(turn, draft.triggers))
    return "\n".join(lines)


async def _ask_summary(turn: Turn, dialog: DialogState) -> None:
    await turn.reply(
        summary_text(turn, dialog),
        _keyboard(
            [_button(turn, dialog, turn.plain("✅ Submit"), "submit")],
            [
                _button(turn, dialog, turn.plain("✏️ Change"), "edit"),
                _button(turn, dialog, turn.plain("✖️ Cancel"), "quit"),
            ],
        ),
    )


ASK: dict[str, Ask] = {
    DeskStep.CHANNEL: _ask_channel,
    DeskStep.PHONE: _ask_phone,
    DeskStep.NAME: _ask_name,
    DeskStep.UNIT: _ask_unit,
    DeskStep.DESCRIBE: _ask_description,
    DeskStep.CATEGORY: _ask_category,
    DeskStep.SUMMARY: _ask_summary,
}


def next_step(current: DeskStep, draft: DeskDraft) -> DeskStep:
    """The question after `current`; while an answer is changed from the summary, back to the summary
    unless the change needs another answer (a call needs a phone, no phone needs a name, a new
    description a category)."""
    if current == DeskStep.CHANNEL and draft.channel == Channel.PHONE and not draft.phone:
        return DeskStep.PHONE
    if current == DeskStep.PHONE and not draft.phone and not draft.name:
        return DeskStep.NAME
    if current == DeskStep.DESCRIBE:
        return DeskStep.CATEGORY
    if draft.editing:
        return DeskStep.SUMMARY
    return ORDER[ORDER.index(current) + 1]


async def _go(turn: Turn, dialog: DialogState, step: DeskStep) -> None:
    """Move to `step`: saved first, then asked."""
    draft = _draft(dialog)
    if step == DeskStep.SUMMARY:
        draft.editing = False
    dialog.state = step
    await save_dialog(dialog, turn.ctx.clock.now())
    await ASK[step](turn, dialog)


async def _ask_again(turn: Turn, dialog: DialogState) -> None:
    ask = ASK.get(dialog.state)
    if ask is not None:
        await ask(turn, dialog)


# ---- checks every update passes -------------------------------------------------------------------


async def _still_staff(turn: Turn) -> Actor | None:
    """The staff member behind this update, or None: the form ends (deactivated meanwhile)."""
    actor = await staff_actor(turn.user_id)
    if actor is None:
        await clear_dialog(turn.chat_id, turn.user_id)
        await turn.reply(turn.t(NOT_STAFF))
    return actor


async def _expired(turn: Turn, dialog: DialogState) -> bool:
    if not dialog.expired(turn.ctx.clock.now(), turn.ctx.settings.dialog_idle):
        return False
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(
        turn.t(
            "The form was put aside after a long pause; nothing was filed. Send /new to start again."
        )
    )
    return True


# ---- messages -------------------------------------------------------------------------------------


async def on_message(turn: Turn, dialog: DialogState) -> None:
    if await _expired(turn, dialog):
        return
    if dialog.applied(turn.update.update_id):  # handled before a crash: ask the question again
        await _ask_again(turn, dialog)
        return
    if await _still_staff(turn) is None:
        return
    message = turn.message
    if message.text and len(message.text) > MAX_MESSAGE:
        await turn.reply(
            turn.t("That message is too long for us to keep. Please send it in shorter parts.")
        )
        return
    handler = MESSAGES.get(dialog.state)
    if handler is None:  # a step answered by buttons
        await turn.reply(turn.t(USE_BUTTONS))
        return
    await handler(turn, dialog)


async def _phone_message(turn: Turn, dialog: DialogState) -> None:
    message, draft = turn.message, _draft(dialog)
    regions = _regions(turn)
    phone = phone_in(message, regions)  # typed, or a contact shared from the staff member's phone
    if phone is None:
        await phone_input.ask_again(turn, regions)
        return
    name = contact_name(message)
    if name and not draft.name:
        draft.name = name[:MAX_NAME]
    draft.phone = phone
    await _go(turn, dialog, next_step(DeskStep.PHONE, draft))


async def _name_message(turn: Turn, dialog: DialogState) -> None:
    name = " ".join((turn.message.text or "").split())
    if not name or len(name) > MAX_NAME:
        await turn.reply(turn.t("Please type the caller's name (at most 100 characters)."))
        return
    _draft(dialog).name = name
    await _go(turn, dialog, next_step(DeskStep.NAME, _draft(dialog)))


async def _unit_message(turn: Turn, dialog: DialogState) -> None:
    unit = (turn.message.text or "").strip()
    if not unit or len(unit) > MAX_UNIT:
        await turn.reply(
            turn.t(
                "Please type the building, unit and room (for example 3-1-1202), or a place in at "
                "most 64 characters, or press “Skip”."
            )
        )
        return
    _draft(dialog).unit = unit
    await _go(turn, dialog, next_step(DeskStep.UNIT, _draft(dialog)))


async def _describe_message(turn: Turn, dialog: DialogState) -> None:
    message, draft = turn.message, _draft(dialog)
    text = (message.text or message.caption or "").strip()
    attachment = attachment_in(turn.message)
    if attachment is not None and len(draft.files) < MAX_FILES:
        draft.files.append(attachment)
    if not text:
        if attachment is None:
            await turn.reply(turn.t("Please type the description in words."))
            return
        await save_dialog(dialog, turn.ctx.clock.now())
        await turn.reply(
            turn.t("Kept ({count} so far). Now type the description.", count=len(draft.files))
        )
        return
    if len(text) > MAX_DESCRIPTION:
        await turn.reply(
            turn.t("That message is too long for us to keep. Please send it in shorter parts.")
        )
        return
    draft.description = text
    _triage(turn, draft)
    await _go(turn, dialog, next_step(DeskStep.DESCRIBE, draft))


def _triage(turn: Turn, draft: DeskDraft) -> None:
    """Read the description with triage (advice: on a failure the form goes on with "other")."""
    codes = turn.ctx.settings.policy.category_codes
    try:
        triage = turn.ctx.cases.classify(draft.description)
    except Exception:
        log.exception("triage failed for a desk case in chat %s", turn.chat_id)
        triage = None
    category = getattr(triage, "category", "other") or "other"
    draft.suggested = category if category in codes else "other"
    draft.severity = str(getattr(triage, "severity", "") or Severity.GENERAL.value)
    draft.alternatives = [
        code
        for code in getattr(triage, "alternatives", ()) or ()
        if code in codes and code not in (draft.suggested, "other")
    ][:3]
    draft.emergency = bool(getattr(triage, "emergency", False))
    triggers = getattr(triage, "triggers", ()) or ()
    draft.triggers = [str(t) for t in triggers] if draft.emergency else []
    check = "" if draft.emergency else str(getattr(triage, "safety_check", "") or "")
    draft.safety_check = check
    draft.category = ""


MESSAGES: dict[str, Ask] = {
    DeskStep.PHONE: _phone_message,
    DeskStep.NAME: _name_message,
    DeskStep.UNIT: _unit_message,
    DeskStep.DESCRIBE: _describe_message,
}


# ---- buttons --------------------------------------------------------------------------------------


async def on_callback(turn: Turn, dialog: DialogState | None, callback: Callback) -> None:
    if dialog is None or dialog.flow != FLOW:
        await turn.answer(turn.plain("This button belongs to a finished conversation."))
        return
    if await _expired(turn, dialog):
        await turn.answer()
        return
    if dialog.applied(turn.update.update_id):
        await turn.answer()
        await _ask_again(turn, dialog)
        return
    tag, _sep, value = callback.argument.partition(":")
    handler = BUTTONS.get((dialog.state, callback.action)) or BUTTONS.get(("*", callback.action))
    if handler is None or tag != _draft(dialog).tag:
        await turn.answer(turn.plain(NO_LONGER_ACTIVE))
        return
    await turn.answer()
    if await _still_staff(turn) is None:
        return
    await handler(turn, dialog, value)


async def _channel_pressed(turn: Turn, dialog: DialogState, value: str) -> None:
    if value not in {c.value for c in CHANNELS}:
        await turn.reply(turn.t(USE_BUTTONS))
        return
    _draft(dialog).channel = value
    await _go(turn, dialog, next_step(DeskStep.CHANNEL, _draft(dialog)))


async def _skip_pressed(turn: Turn, dialog: DialogState, _value: str) -> None:
    draft, step = _draft(dialog), DeskStep(dialog.state)
    if step == DeskStep.PHONE:
        if draft.channel == Channel.PHONE:  # a call always has a number
            await _ask_phone(turn, dialog)
            return
        draft.phone = ""
    elif step == DeskStep.NAME:
        if not draft.phone:
            await _ask_name(turn, dialog)
            return
        draft.name = ""
    elif step == DeskStep.UNIT:
        draft.unit = ""
    await _go(turn, dialog, next_step(step, draft))


async def _category_pressed(turn: Turn, dialog: DialogState, code: str) -> None:
    if turn.ctx.settings.policy.category(code) is None:
        await turn.reply(turn.t(USE_BUTTONS))
        return
    _draft(dialog).category = code
    await _go(turn, dialog, next_step(DeskStep.CATEGORY, _draft(dialog)))


async def _all_categories(turn: Turn, dialog: DialogState, _value: str) -> None:
    policy = turn.ctx.settings.policy
    buttons = [
        _button(turn, dialog, category_name(policy, c.code, turn.locale), "cat", c.code)
        for c in policy.categories
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await turn.reply(turn.t("Which of these fits best?"), InlineKeyboardMarkup(rows))


async def _emergency_pressed(turn: Turn, dialog: DialogState, _value: str) -> None:
    """The caller said yes to the safety question: an emergency, filed as major."""
    draft = _draft(dialog)
    if not draft.safety_check:
        await turn.reply(turn.t(USE_BUTTONS))
        return
    draft.emergency = True
    draft.triggers = [safety.TRIGGER.get(draft.safety_check, "danger")]
    draft.safety_check = ""
    draft.severity = Severity.MAJOR.value
    await _go(turn, dialog, DeskStep.CATEGORY)


async def _edit_menu(turn: Turn, dialog: DialogState, _value: str) -> None:
    buttons = [
        _button(turn, dialog, turn.plain(label), "field", step)
        for step, label in EDIT_LABELS.items()
    ]
    await turn.reply(
        turn.t("What would you like to change?"),
        InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
    )


async def _edit_field(turn: Turn, dialog: DialogState, value: str) -> None:
    step = next((s for s in EDIT_LABELS if s == value), None)
    if step is None:
        await turn.reply(turn.t(USE_BUTTONS))
        return
    _draft(dialog).editing = True
    await _go(turn, dialog, step)


async def _quit(turn: Turn, dialog: DialogState, _value: str) -> None:
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(cancelled(turn))


def cancelled(turn: Turn) -> str:
    """What /cancel (or "Cancel") says when it ends this form."""
    return turn.t("Stopped. Nothing was filed. Send /new to register another case.")


async def _submit_pressed(turn: Turn, dialog: DialogState, _value: str) -> None:
    """File the case (idempotent on the form's key), end the form, tell the staff member the number,
    the promises and what to read to the caller; then send what the case queued (card, alerts)."""
    actor = await staff_actor(turn.user_id)
    if actor is None:
        return
    draft = _draft(dialog)
    if not draft.phone and not draft.name:  # an old form, or a hand-edited row
        await _go(turn, dialog, DeskStep.NAME)
        return
    locale = turn.ctx.settings.default_locale  # the caller's language: the deployment's
    case_draft = CaseDraft(
        description=draft.description,
        channel=Channel(draft.channel)
        if draft.channel in Channel._value2member_map_
        else Channel.OTHER,
        category=draft.category or draft.suggested or None,
        severity=Severity.MAJOR if draft.emergency else None,
        location=draft.unit,
        unit=draft.unit,
        contact_name=draft.name,
        contact_phone=draft.phone,
        locale=locale,
        client_key=f"tgdesk:{turn.chat_id}:{draft.key}",
        attachments=list(draft.files),
        estate_id=actor.home_estate,
    )
    try:
        case = await turn.ctx.cases.submit(case_draft, actor)
    except ValidationFailed as exc:
        log.info("desk case in chat %s refused: %s", turn.chat_id, exc.message)
        await turn.reply(
            turn.t("Something in the case is not complete. Please press “✏️ Change” and check it."),
            _keyboard([_button(turn, dialog, turn.plain("✏️ Change"), "edit")]),
        )
        return
    except (BaseORMException, OSError, ConnectionError):
        log.exception("desk submit failed for chat %s", turn.chat_id)
        await turn.reply(
            turn.t(
                "Sorry, we could not save the case just now. Everything is kept: please press "
                "“✅ Submit” again in a moment."
            ),
            _keyboard([_button(turn, dialog, turn.plain("✅ Submit"), "submit")]),
        )
        return
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(filed_text(turn, case, draft))
    await turn.ctx.deliver()


def filed_text(turn: Turn, case: Case, draft: DeskDraft) -> str:
    """The number, the promised times and the sentence to read to the caller (in the case's language)."""
    tz, locale, policy = turn.ctx.settings.timezone, turn.locale, turn.ctx.settings.policy
    lines = [
        turn.t("Case registered.") + f" <b>{esc(case.number)}</b>",
        esc(
            " · ".join(
                (
                    channel_name(case.channel, locale),
                    category_name(policy, case.category, locale),
                    severity_name(case.severity, locale),
                )
            )
        ),
        turn.t(
            "Assign by {assign} · first feedback by {feedback} · resolve by {resolve}",
            assign=local_time(case.promised_assign_at, tz, locale),
            feedback=local_time(case.promised_feedback_at, tz, locale),
            resolve=local_time(case.promised_resolve_at, tz, locale),
        ),
    ]
    if draft.emergency:
        lines.append(_emergency_line(turn, draft.triggers, case))
    read_back = _(
        "Your case number is {number}. We will contact you before {time}.",
        case.locale,
        number=esc(case.number),
        time=esc(local_time(case.promised_feedback_at, tz, case.locale)),
    )
    lines += [turn.t("Read this to the caller:"), f"<i>{read_back}</i>"]
    return "\n".join(lines)


BUTTONS: dict[tuple[str, str], Callable[[Turn, DialogState, str], Awaitable[None]]] = {
    (DeskStep.CHANNEL, "ch"): _channel_pressed,
    (DeskStep.PHONE, "skip"): _skip_pressed,
    (DeskStep.NAME, "skip"): _skip_pressed,
    (DeskStep.UNIT, "skip"): _skip_pressed,
    (DeskStep.CATEGORY, "cat"): _category_pressed,
    (DeskStep.CATEGORY, "cats"): _all_categories,
    (DeskStep.CATEGORY, "sos"): _emergency_pressed,
    (DeskStep.SUMMARY, "submit"): _submit_pressed,
    (DeskStep.SUMMARY, "edit"): _edit_menu,
    (DeskStep.SUMMARY, "field"): _edit_field,
    ("*", "quit"): _quit,
}
