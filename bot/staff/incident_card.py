"""The incident card in the staff group: one message per outage, edited in place as households join.

Its buttons: a progress note to every tenant (the staff member is asked for the text, as the case card's
note prompt does), resolve the whole incident (asked for what was done), confirm an incident the system
proposed, and a link to the dashboard's incident page. The buttons carry the case card's scope (the
callback letters are in messages already sent) with their own actions; bot/staff/actions.py routes them
here.
"""

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from backend.context import AppContext
from backend.domain import DomainError, PermissionDenied, ValidationFailed
from backend.i18n import N_, _
from backend.labels import category_name
from backend.models import Incident
from backend.services.actors import Actor
from backend.services.dialogs import Flow
from backend.services.incident_queries import IncidentSummary, incident_summary, is_resolved
from backend.services.incident_words import shown
from backend.services.staff import staff_actor

from ..callbacks import Callback, cb, number
from ..dialogs import DialogState, StaffPrompt, clear_dialog, save_dialog
from ..render import dashboard_url
from ..text import button, esc, fit
from ..timefmt import local_time
from ..turn import Turn
from .card import SCOPE

FLOW = Flow.STAFF_INPUT
# Callback actions (carried in the staff card's scope) and the prompt states they open.
NOTE, RESOLVE, CONFIRM = "inote", "ires", "iok"
ACTIONS = frozenset({NOTE, RESOLVE, CONFIRM})
PROMPTS = {
    NOTE: N_(
        "Reply to this message with the progress note for incident #{id} (every tenant of it will see it)."
    ),
    RESOLVE: N_(
        "Reply to this message with what was done for incident #{id}: every open case of it is resolved "
        "with this text and each tenant gets the follow-up survey."
    ),
}
STATUS = {
    "proposed": N_("proposed by the system, please confirm"),
    "confirmed": N_("confirmed"),
    "resolved": N_("resolved"),
}
COUNTER = N_("{households} households have reported · latest {latest}")


def _path(incident_id: int) -> str:
    return f"/incidents/{incident_id}"


def incident_text(ctx: AppContext, summary: IncidentSummary) -> str:
    """The card (HTML), in the deployment's language."""
    locale, tz = ctx.settings.default_locale, ctx.settings.timezone
    incident = summary.incident
    resolved = is_resolved(incident)
    category = category_name(ctx.settings.policy, incident.category, locale)
    lines = [
        f"{'✅' if resolved else '🚨'} <b>"
        + esc(_("Incident #{id}", locale, id=incident.id))
        + f"</b> · {esc(category)} · "
        + esc(_("Building {building}", locale, building=incident.building)),
        esc(
            _(
                COUNTER,
                locale,
                households=summary.households,
                latest=local_time(summary.latest_at, tz, locale),
            )
        ),
        esc(
            _(
                "Cases: {cases} ({open} open) · first report {first}",
                locale,
                cases=summary.cases,
                open=summary.open_cases,
                first=local_time(summary.first_at, tz, locale),
            )
        ),
        esc(_("Status: {status}", locale, status=_(STATUS[incident.status.value], locale))),
    ]
    words = shown(list(incident.keywords or []))
    if words:
        lines.append(esc(_("Words: {words}", locale, words="、".join(words[:8]))))
    if resolved and incident.resolution:
        lines.append(esc(_("Resolved: {text}", locale, text=incident.resolution[:500])))
    url = dashboard_url(ctx.settings, _path(incident.id))
    if not url.startswith("https://"):  # Telegram takes only public addresses in a button
        lines.append(esc(url))
    return fit("\n".join(lines))


def incident_keyboard(ctx: AppContext, incident: Incident) -> InlineKeyboardMarkup | None:
    locale = ctx.settings.default_locale
    url = dashboard_url(ctx.settings, _path(incident.id))
    link = (
        [InlineKeyboardButton(_("🔗 Open", locale), url=url)] if url.startswith("https://") else []
    )
    if is_resolved(incident):
        return InlineKeyboardMarkup([link]) if link else None
    rows = [
        [
            button(_("📢 Progress to all…", locale), cb(SCOPE, NOTE, str(incident.id))),
            button(_("✅ Resolve all…", locale), cb(SCOPE, RESOLVE, str(incident.id))),
        ]
    ]
    second = list(link)
    if incident.status.value == "proposed":
        second.insert(
            0, button(_("👍 Confirm incident", locale), cb(SCOPE, CONFIRM, str(incident.id)))
        )
    if second:
        rows.append(second)
    return InlineKeyboardMarkup(rows)


async def card_of(ctx: AppContext, incident_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    summary = await incident_summary(incident_id)
    if summary is None:
        raise LookupError(f"no incident {incident_id}")
    return incident_text(ctx, summary), incident_keyboard(ctx, summary.incident)


# ---- buttons -------------------------------------------------------------------------------------


async def on_callback(turn: Turn, callback: Callback, actor: Actor) -> None:
    incident_id = number(callback.argument)
    summary = await incident_summary(incident_id) if incident_id is not None else None
    if summary is None or (is_resolved(summary.incident) and callback.action != CONFIRM):
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message."),
            alert=True,
        )
        return
    if callback.action == CONFIRM:
        try:
            await turn.ctx.cases.incidents.confirm(summary.id, actor)
        except PermissionDenied:
            await turn.answer(turn.plain("Your role does not allow this."), alert=True)
            return
        await turn.answer(turn.plain("Incident confirmed."))
        await turn.ctx.deliver()
        return
    dialog = DialogState(
        turn.chat_id, turn.user_id, FLOW, callback.action, StaffPrompt(None, str(summary.id))
    )
    await save_dialog(dialog, turn.ctx.clock.now())
    message = turn.update.effective_message
    await turn.reply(
        turn.t(PROMPTS[callback.action], id=summary.id),
        ForceReply(selective=True),
        reply_to_message_id=message.message_id if message else None,
    )
    await turn.answer()


async def on_prompt_reply(turn: Turn, dialog: DialogState) -> bool:
    """A reply to an incident prompt (True when the dialog was one): the note or resolution goes out
    once; the prompt ends in the same commit, so the same update handled twice sends nothing more."""
    if dialog.state not in PROMPTS or not isinstance(dialog.payload, StaffPrompt):
        return False
    incident_id = number(dialog.payload.extra)
    text = (turn.message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please reply with text."))
        return True
    actor = await staff_actor(turn.user_id)
    if actor is None or incident_id is None:
        await clear_dialog(turn.chat_id, turn.user_id)
        return True
    key = f"tg:{turn.chat_id}:{turn.message.message_id}"
    incidents = turn.ctx.cases.incidents
    try:
        sent = await incidents.from_prompt(
            dialog.state == RESOLVE, incident_id, text, actor, key, turn.chat_id, turn.user_id
        )
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
    if dialog.state == RESOLVE:
        reply = turn.t(
            "Done: incident #{id} resolved, {count} cases.", id=incident_id, count=sent.cases
        )
    else:
        reply = turn.t(
            "Done: the note goes to the tenants of {count} cases of incident #{id}.",
            id=incident_id,
            count=sent.cases,
        )
    await turn.reply(reply)
    await turn.ctx.deliver()
    return True
