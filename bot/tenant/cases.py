"""A tenant's own cases: list, timeline, status by number, cancel before work starts."""

from telegram import InlineKeyboardMarkup

from backend.domain import DomainError, IllegalTransition, Status, normalize_case_number
from backend.domain.commands import Cancel
from backend.i18n import N_
from backend.labels import category_name, tenant_status_name
from backend.models import Case
from backend.services.actors import Actor
from backend.services.queries import case_by_id, case_events
from backend.services.tenant_queries import newest_own_cases, own_case_by_number, submit_event

from ..callbacks import Callback, Scope, cb
from ..render import MORE_KEPT, case_line
from ..text import button, esc
from ..timefmt import local_time
from ..turn import Turn

SCOPE = Scope.CASE
PAGE = 10

EVENT_TEXT = {
    "submit": N_("Received"),
    "claim": N_("Assigned to {owner}"),
    "assign": N_("Assigned"),
    "note": N_("Update: {note}"),
    "resolve": N_("Resolved: {note}"),
    "reopen": N_("Reopened: {note}"),
    "invalid": N_("Not accepted: {note}"),
    "cancel": N_("Cancelled"),
    "close": N_("Closed"),
}


async def own_case(turn: Turn, number: str | None) -> Case | None:
    """The case if it belongs to this tenant; otherwise None, exactly as for a number that does not exist."""
    if not number or turn.complainant is None:
        return None
    return await own_case_by_number(number, turn.complainant.id)


async def my_cases(turn: Turn) -> None:
    if turn.complainant is None:
        await turn.reply(turn.t("You have not filed any case yet. Send /complain to start."))
        return
    cases = await newest_own_cases(turn.complainant.id, PAGE)
    if not cases:
        await turn.reply(turn.t("You have not filed any case yet. Send /complain to start."))
        return
    policy, tz = turn.ctx.settings.policy, turn.ctx.settings.timezone
    lines = [turn.t("Your cases, newest first:")] + [
        esc(case_line(c, policy, turn.locale, tz)) for c in cases
    ]
    buttons = [[button(c.number, cb(SCOPE, "open", c.number))] for c in cases]
    await turn.reply("\n".join(lines), InlineKeyboardMarkup(buttons))


async def show_case(turn: Turn, number: str | None) -> None:
    case = await own_case(turn, normalize_case_number(number or ""))
    if case is None:
        await turn.reply(
            turn.t(
                "We could not find that case number among your cases. Please check it, or send /mycases."
            )
        )
        return
    # Tenants have no dashboard and every word of an update was written for them: a long timeline comes as
    # several messages (bot.text.split), not cut.
    await turn.reply(await timeline_text(turn, case), whole=True, more=turn.t(MORE_KEPT))


async def timeline_text(turn: Turn, case: Case) -> str:
    """What the tenant may see: public events only, no internal notes, no staff phone numbers."""
    policy, tz, locale = turn.ctx.settings.policy, turn.ctx.settings.timezone, turn.locale
    events = await case_events(case.id, public_only=True)
    submitted = await submit_event(case.id)
    lines = [
        turn.t("Case {number}", number=case.number),
        turn.t(
            "{category} · {status}",
            category=category_name(policy, case.category, locale),
            status=tenant_status_name(case.status, locale),
        ),
    ]
    if case.status.is_open and case.promised_feedback_at and not case.first_feedback_at:
        lines.append(
            turn.t(
                "We will get back to you by {when}.",
                when=local_time(case.promised_feedback_at, tz, locale),
            )
        )
    for event in ([submitted] if submitted else []) + list(events):
        template = EVENT_TEXT.get(event.action)
        if template is None:
            continue
        text = turn.t(template, note=event.note, owner=event.data.get("owner", ""))
        lines.append(f"• {local_time(event.at, tz, locale)} {text}")
    return "\n".join(lines)


async def on_callback(turn: Turn, callback: Callback) -> None:
    if callback.action == "open":
        await turn.answer()
        await show_case(turn, callback.argument)
    else:
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message.")
        )


# Why a tenant's /cancel CASE-NUMBER does not cancel, by the case's status (open cases that are new or
# assigned can be cancelled, backend.domain.transitions).
CANCEL_REFUSAL = {
    Status.IN_PROGRESS: N_(
        "Work on case {number} has already started, so it can no longer be cancelled. "
        "If you no longer need it, please tell the colleague handling it."
    ),
    Status.CANCELLED: N_("Case {number} was already cancelled."),
    Status.RESOLVED: N_("Case {number} is already resolved, so there is nothing to cancel."),
    Status.CLOSED: N_("Case {number} is already closed, so there is nothing to cancel."),
    Status.INVALID: N_("Case {number} was not accepted, so there is nothing to cancel."),
}


async def cancel_case(turn: Turn, number_text: str) -> None:
    """One message, true to the case's state; cancelling twice says it is already cancelled."""
    case = await own_case(turn, normalize_case_number(number_text))
    if case is None or turn.complainant is None:  # a case is only found for its complainant
        await turn.reply(
            turn.t(
                "We could not find that case number among your cases. Please check it, or send /mycases."
            )
        )
        return
    if case.status in CANCEL_REFUSAL:
        await turn.reply(turn.t(CANCEL_REFUSAL[case.status], number=case.number))
        return
    try:
        await turn.ctx.cases.handle(
            Cancel(ref=case.number, reason=turn.t("Cancelled by the tenant in chat")),
            Actor.tenant(turn.complainant.id, turn.complainant.name),
        )
    except IllegalTransition:  # the status changed meanwhile (a colleague started work)
        status = (await case_by_id(case.id) or case).status  # as it is now
        template = CANCEL_REFUSAL.get(status, N_("Case {number} cannot be cancelled."))
        await turn.reply(turn.t(template, number=case.number))
        return
    except DomainError:
        await turn.reply(turn.t("Case {number} cannot be cancelled.", number=case.number))
        return
    await turn.reply(turn.t("Case {number} is cancelled.", number=case.number))
