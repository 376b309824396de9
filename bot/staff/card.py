"""The case card in the staff group: the truth about a case, with the buttons its state allows."""

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from backend.context import AppContext
from backend.domain import Action, Severity, allowed_actions
from backend.domain.contact import display_phone, mask_phone
from backend.i18n import N_, _
from backend.labels import (
    category_name,
    kind_name,
    severity_name,
    tenant_status_name,
    triage_reasons,
)
from backend.models import Case
from backend.services.attachment_queries import attachment_count
from backend.services.queries import case_events
from backend.services.staff_queries import active_managers, staff_by_id

from ..callbacks import Scope, cb
from ..render import more_in_dashboard
from ..text import MAX_TEXT, button, esc, fit, shorten, visible_length
from ..timefmt import local_time

SCOPE = Scope.STAFF_CARD


@dataclass(frozen=True)
class StaffButton:
    """A button on the card: the callback action it carries (cards already in the group carry it, so
    it never changes) and its label."""

    callback: str
    label: str


# The card's buttons in this order, by the action each offers; the case's state picks which show.
# What a press does is in bot/staff/actions.py.
BUTTONS: dict[Action, StaffButton] = {
    Action.CLAIM: StaffButton("claim", N_("🙋 Claim")),
    Action.START: StaffButton("start", N_("▶️ Start")),
    Action.NOTE: StaffButton("note", N_("📝 Progress…")),
    Action.RESOLVE: StaffButton("resolve", N_("✅ Resolve…")),
    Action.ASSIGN: StaffButton("assign", N_("📤 Assign…")),
    Action.ESCALATE: StaffButton("escalate", N_("⬆️ Escalate…")),
    Action.INVALID: StaffButton("invalid", N_("🚫 Invalid…")),
    Action.RECATEGORIZE: StaffButton("recat", N_("🏷 Category/severity…")),
}


# How much of the tenant's words the card shows; the rest is in the dashboard.
CARD_DESCRIPTION = 1500
CARD_EXPECTATION = 300
BRIEF_DESCRIPTION = 2500
BRIEF_NOTE = 200


def more_line(ctx: AppContext, case: Case, locale: str) -> str:
    """The last line of a shortened card or brief: where to read the whole case."""
    return more_in_dashboard(ctx.settings, locale, f"/cases/{case.number}")


async def card_text(ctx: AppContext, case: Case, *, limit: int = MAX_TEXT) -> str:
    """The card (HTML), within `limit`: it is edited in place, so it must stay one message. Long tenant
    texts are shortened and the card then ends with where to read them in full."""
    locale, tz, policy = ctx.settings.default_locale, ctx.settings.timezone, ctx.settings.policy
    major = case.severity is Severity.MAJOR
    lines = [
        f"{'🔴 ' if major else ''}<b>{esc(case.number)}</b> · {esc(kind_name(case.kind, locale))} · "
        f"{esc(category_name(policy, case.category, locale))} · {esc(severity_name(case.severity, locale))}",
        # The status in the tenant's words, as the card has always shown it.
        _("Status: {status}", locale, status=esc(tenant_status_name(case.status, locale))),
    ]
    if case.owner_id:
        owner = await staff_by_id(case.owner_id)
        lines.append(_("Owner: {name}", locale, name=esc(owner.name if owner else "—")))
    if case.escalation_level > 1:
        lines.append(_("Escalation level: {level}", locale, level=case.escalation_level))
    lines += [
        _("Place: {unit}", locale, unit=esc(case.unit or case.location or "—")),
        _(
            "Tenant: {name} {phone}",
            locale,
            name=esc(case.contact_name or "—"),
            phone=esc(mask_phone(case.contact_phone)),
        ),
        _("Problem: {text}", locale, text=esc(shorten(case.description, CARD_DESCRIPTION))),
    ]
    reasons = triage_reasons(case.triage, locale)
    if reasons:
        lines.append(_("Triage read: {reasons}", locale, reasons=esc(reasons)))
    photos = await attachment_count(case.id)
    if photos:
        lines.append(_("Photos and files: {count}", locale, count=photos))
    if case.expectation:
        lines.append(
            _(
                "Tenant expects: {text}",
                locale,
                text=esc(shorten(case.expectation, CARD_EXPECTATION)),
            )
        )
    if case.status.is_open:
        lines.append(
            _(
                "Assign by {assign} · first feedback by {feedback} · resolve by {resolve}",
                locale,
                assign=local_time(case.promised_assign_at, tz, locale),
                feedback=local_time(case.promised_feedback_at, tz, locale),
                resolve=local_time(case.promised_resolve_at, tz, locale),
            )
        )
    if major:
        managers = await active_managers(limit=5)
        mentions = " ".join(
            f'<a href="tg://user?id={m.telegram_id}">{esc(m.name)}</a>' for m in managers
        )
        lines.append(
            _("Major case: the manager has been told.", locale)
            + (f" {mentions}" if mentions else "")
        )
    more = more_line(ctx, case, locale)
    if shorten(case.description, CARD_DESCRIPTION) != (case.description or "") or (
        shorten(case.expectation, CARD_EXPECTATION) != (case.expectation or "")
    ):
        lines.append(more)
    return fit("\n".join(lines), limit, more=more)


def card_keyboard(ctx: AppContext, case: Case) -> InlineKeyboardMarkup | None:
    locale = ctx.settings.default_locale
    # Once a case is resolved the next step is the tenant's (the follow-up survey): no buttons.
    allowed = set(allowed_actions(case.status)) if case.status.is_open else set()
    buttons = [
        button(_(face.label, locale), cb(SCOPE, face.callback, str(case.id)))
        for action, face in BUTTONS.items()
        if action in allowed
        and not (
            action is Action.ESCALATE and case.escalation_level >= ctx.settings.policy.top_level
        )
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def owner_brief(ctx: AppContext, case: Case, locale: str) -> str:
    """What the owner gets privately: the full phone number and the history, in one message (HTML).

    The history keeps its room: the description gives way first (down to a few lines), then a very long
    history is cut at a line; the brief then ends with where to read it all (the dashboard)."""
    tz = ctx.settings.timezone
    head = [
        _("You own case {number}.", locale, number=esc(case.number)),
        _(
            "Tenant: {name} {phone}",
            locale,
            name=esc(case.contact_name or "—"),
            phone=esc(display_phone(case.contact_phone, ctx.settings.phone_region) or "—"),
        ),
        _("Place: {unit}", locale, unit=esc(case.unit or case.location or "—")),
    ]
    history = []
    for event in await case_events(case.id):
        note = f": {esc(shorten(event.note, BRIEF_NOTE))}" if event.note else ""
        history.append(
            f"• {local_time(event.at, tz, locale)} {esc(event.actor_name or event.actor_kind.value)} {esc(event.action)}{note}"
        )
    more = more_line(ctx, case, locale)
    used = sum(visible_length(line) + 1 for line in head + history) + visible_length(more) + 1
    room = max(BRIEF_DESCRIPTION // 10, min(BRIEF_DESCRIPTION, MAX_TEXT - used - 40))
    description = shorten(case.description, room)
    problem = _("Problem: {text}", locale, text=esc(description))
    text = "\n".join(
        [*head, problem, *history, *([more] if description != (case.description or "") else [])]
    )
    return fit(text, more=more)
