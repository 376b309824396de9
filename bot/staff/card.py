"""The case card in the staff group: the truth about a case, with the buttons its state allows."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from backend.context import AppContext
from backend.domain import Action, Role, Severity, allowed_actions
from backend.domain.contact import mask_phone
from backend.i18n import N_, _
from backend.labels import kind_name, severity_name, triage_reasons
from backend.models import Attachment, Case, Staff

from ..callbacks import cb
from ..render import category_name, esc, status_name
from ..timefmt import local_time

SCOPE = "s"
BUTTONS: list[tuple[Action, str, str]] = [
    # action               callback   label
    (Action.CLAIM,         "claim",   N_("🙋 Claim")),
    (Action.START,         "start",   N_("▶️ Start")),
    (Action.NOTE,          "note",    N_("📝 Progress…")),
    (Action.RESOLVE,       "resolve", N_("✅ Resolve…")),
    (Action.ASSIGN,        "assign",  N_("📤 Assign…")),
    (Action.ESCALATE,      "escalate", N_("⬆️ Escalate…")),
    (Action.INVALID,       "invalid", N_("🚫 Invalid…")),
    (Action.RECATEGORIZE,  "recat",   N_("🏷 Category/severity…")),
]


async def card_text(ctx: AppContext, case: Case) -> str:
    locale, tz, policy = ctx.settings.default_locale, ctx.settings.timezone, ctx.settings.policy
    major = case.severity is Severity.MAJOR
    lines = [
        f"{'🔴 ' if major else ''}<b>{esc(case.number)}</b> · {esc(kind_name(case.kind, locale))} · "
        f"{esc(category_name(policy, case.category, locale))} · {esc(severity_name(case.severity, locale))}",
        _("Status: {status}", locale, status=esc(status_name(case.status, locale))),
    ]
    if case.owner_id:
        owner = await Staff.get_or_none(id=case.owner_id)
        lines.append(_("Owner: {name}", locale, name=esc(owner.name if owner else "—")))
    if case.escalation_level > 1:
        lines.append(_("Escalation level: {level}", locale, level=case.escalation_level))
    lines += [
        _("Place: {unit}", locale, unit=esc(case.unit or case.location or "—")),
        _("Tenant: {name} {phone}", locale, name=esc(case.contact_name or "—"), phone=esc(mask_phone(case.contact_phone))),
        _("Problem: {text}", locale, text=esc(case.description[:1500])),
    ]
    reasons = triage_reasons(case.triage, locale)
    if reasons:
        lines.append(_("Triage read: {reasons}", locale, reasons=esc(reasons)))
    photos = await Attachment.filter(case_id=case.id).count()
    if photos:
        lines.append(_("Photos and files: {count}", locale, count=photos))
    if case.expectation:
        lines.append(_("Tenant expects: {text}", locale, text=esc(case.expectation[:300])))
    if case.status.is_open:
        lines.append(_("Assign by {assign} · first feedback by {feedback} · resolve by {resolve}", locale,
                       assign=local_time(case.promised_assign_at, tz, locale),
                       feedback=local_time(case.promised_feedback_at, tz, locale),
                       resolve=local_time(case.promised_resolve_at, tz, locale)))
    if major:
        managers = await Staff.filter(active=True, role=Role.MANAGER).order_by("id").limit(5)
        mentions = " ".join(f'<a href="tg://user?id={m.telegram_id}">{esc(m.name)}</a>' for m in managers)
        lines.append(_("Major case: the manager has been told.", locale) + (f" {mentions}" if mentions else ""))
    return "\n".join(lines)


def card_keyboard(ctx: AppContext, case: Case) -> InlineKeyboardMarkup | None:
    locale = ctx.settings.default_locale
    # Once a case is resolved the next step is the tenant's (the follow-up survey): no buttons.
    allowed = set(allowed_actions(case.status)) if case.status.is_open else set()
    buttons = [
        InlineKeyboardButton(_(label, locale), callback_data=cb(SCOPE, name, str(case.id)))
        for action, name, label in BUTTONS
        if action in allowed and not (action is Action.ESCALATE and case.escalation_level >= ctx.settings.policy.top_level)
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


async def owner_brief(ctx: AppContext, case: Case, locale: str) -> str:
    """What the owner gets privately: the full phone number and the history."""
    from backend.models import CaseEvent

    tz = ctx.settings.timezone
    lines = [
        _("You own case {number}.", locale, number=esc(case.number)),
        _("Tenant: {name} {phone}", locale, name=esc(case.contact_name or "—"), phone=esc(case.contact_phone or "—")),
        _("Place: {unit}", locale, unit=esc(case.unit or case.location or "—")),
        _("Problem: {text}", locale, text=esc(case.description[:2500])),
    ]
    for event in await CaseEvent.filter(case_id=case.id).order_by("at", "id"):
        note = f": {esc(event.note[:200])}" if event.note else ""
        lines.append(f"• {local_time(event.at, tz, locale)} {esc(event.actor_name or event.actor_kind.value)} {esc(event.action)}{note}")
    return "\n".join(lines)
