"""Outbox delivery: every message leaves through here, with retries, backoff and Telegram's retry_after.

A row is claimed with a lease (conditional update) before it is sent, so two instances never send it
twice; messages to one chat go out in the order they were written. A round reads the waiting rows, claims
the first due row of every chat and reads the cases they show in one statement each, then marks each row
right after its own send (docs/decisions/0002-outbox.md).
"""

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from backend.context import AppContext
from backend.domain.messages import (
    DialogExpired,
    IncidentCard,
    IncidentRefresh,
    OutboxKind,
    OwnerBrief,
    Payload,
    Report,
    RoleAlert,
    SatisfactionSurvey,
    StaffNotice,
    SurveyQuestion,
    TenantUpdate,
    ToPerson,
    load_payload,
)
from backend.i18n import N_, _
from backend.labels import alert_reason_name, category_name
from backend.metrics import RATE_LIMIT_WAITS, SEND_FAILURES, SENT
from backend.models import Case, OutboxMessage
from backend.reports_xlsx import summary_text, write_monthly_xlsx
from backend.services import attachment_queries, incident_queries, outbox, staff_threads
from backend.services.incidents import Incidents
from backend.services.reports import month_from_text, monthly_report

from .budget import Budget, SendBudget
from .rate_limit import slot_taken
from .render import MORE_IN_DASHBOARD, dashboard_url, esc, more_by_status, more_in_dashboard
from .staff.card import card_keyboard, card_text, more_line, owner_brief
from .staff.incident_card import card_of
from .tenant import satisfaction, survey
from .text import ELLIPSIS, MAX_TEXT, MAX_TOPIC, caption, fit, label, visible_length
from .timefmt import local_time
from .turn import Markup, send_html

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BATCH = 100


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    over_budget: bool = False  # messages waited for a send slot: the next round should come soon


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


async def deliver_due(
    ctx: AppContext, bot: Bot, *, batch: int = BATCH, budget: Budget | None = None
) -> DeliveryReport:
    report = DeliveryReport()
    budget = budget or SendBudget()
    now = ctx.clock.now()
    await budget.prune(now)
    pending = await outbox.waiting(batch)
    newest_refresh = {m.case_id: m.id for m in pending if m.kind == OutboxKind.CARD_REFRESH}

    def superseded(message: OutboxMessage) -> bool:
        # A later refresh of the same card will show the same truth: one edit instead of several.
        return (
            message.kind == OutboxKind.CARD_REFRESH
            and newest_refresh.get(message.case_id) != message.id
        )

    due = _due_in_order(pending, now)
    # Claim first, then take a send slot: an instance that loses the claim to another must not spend a slot
    # of the shared budget on a message it will not send. The first message of each chat is claimed in one
    # statement for the round, a later one when the messages before it have gone (a group held back by
    # its budget does not have its whole backlog claimed and given back every round); what is claimed but
    # not sent is released when the round ends.
    firsts = _first_of_each_chat([m for m in due if not superseded(m)])
    claimed = await outbox.claim(firsts, now, now + LEASE)
    unsent = set(claimed)
    cases = await _cases_of([m for m in due if m.id in claimed])
    held: set[int] = set()  # chats with an earlier message still waiting: keep their order
    try:
        for message in due:
            if message.chat_id in held:
                continue
            if superseded(message):
                await outbox.mark_superseded(message.id, now)
                continue
            if message.id not in claimed:
                if message.id in firsts or not await outbox.claim([message.id], now, now + LEASE):
                    held.add(message.chat_id)
                    continue
                claimed.add(message.id)
                unsent.add(message.id)
            if ctx.clock.now() >= now + LEASE / 2:  # the claims must outlast the sends: a new round
                report.over_budget = True
                break
            slot = await budget.take(message.chat_id, ctx.clock.now())
            if slot is None:
                RATE_LIMIT_WAITS.inc()
                report.over_budget = True
                if message.chat_id > 0:  # a private chat is refused only when the overall limit is
                    break  # reached: nothing else can go in this round
                held.add(message.chat_id)
                continue
            unsent.discard(message.id)
            try:
                with slot_taken():
                    outcome = await _send_one(ctx, bot, message, cases)
            finally:
                await budget.give_back(slot, ctx.clock.now())
            if outcome == "sent":
                SENT.labels(kind=message.kind).inc()
                report.sent += 1
            elif outcome == "retry":
                SEND_FAILURES.labels(outcome="retry").inc()
                report.retried += 1
                held.add(message.chat_id)
            else:
                SEND_FAILURES.labels(outcome="failed").inc()
                report.failed += 1
    finally:
        await outbox.release(unsent)
    return report


def _due_in_order(pending: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The messages this round may send, in id order: due, not claimed by anyone, and with no earlier
    message to the same chat that must wait."""
    waiting_chats: set[int] = set()
    due = []
    for message in pending:
        if message.chat_id in waiting_chats:
            continue
        if message.kind == OutboxKind.INCIDENT_REFRESH and message.next_attempt_at > now:
            continue  # an edit held back to coalesce the joins: later messages need not wait for it
        if message.next_attempt_at <= now and (
            message.claimed_until is None or message.claimed_until < now
        ):
            due.append(message)
        else:
            waiting_chats.add(message.chat_id)
    return due


def _first_of_each_chat(messages: list[OutboxMessage]) -> set[int]:
    """The ids of the earliest of `messages` to each chat."""
    firsts: dict[int, int] = {}
    for message in messages:
        firsts.setdefault(message.chat_id, message.id)
    return set(firsts.values())


# Kinds rendered from their case as it is now (the others carry what they show in their payload).
FROM_CASE = frozenset(
    {
        OutboxKind.RECEIPT,
        OutboxKind.STAFF_CARD,
        OutboxKind.CARD_REFRESH,
        OutboxKind.DUTY_ALERT,
        OutboxKind.CARD_PHOTO,
        OutboxKind.OWNER_BRIEF,
    }
)


async def _cases_of(messages: list[OutboxMessage]) -> dict[int, Case]:
    """The cases these messages are rendered from, read in one statement. The round keeps them (and adds
    any case a later message needs): a change committed after the read comes with its own card refresh,
    which a later round renders."""
    return await outbox.cases_shown(
        {m.case_id for m in messages if m.case_id is not None and m.kind in FROM_CASE}
    )


async def _case_of(message: OutboxMessage, cases: dict[int, Case]) -> Case | None:
    """The case `message` is rendered from, from the round's `cases` (read and kept there if missing)."""
    if message.case_id is None or message.kind not in FROM_CASE:
        return None
    if message.case_id not in cases:
        cases.update(await outbox.cases_shown([message.case_id]))
    return cases.get(message.case_id)


async def _send_one(
    ctx: AppContext, bot: Bot, message: OutboxMessage, cases: dict[int, Case]
) -> str:
    now = ctx.clock.now()
    try:
        case = await _case_of(message, cases)
        telegram_id = await RENDERERS[OutboxKind(message.kind)](ctx, bot, message, case)
    except RetryAfter as exc:
        RATE_LIMIT_WAITS.inc()
        wait = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=exc.retry_after)
        )
        await outbox.retry_at(message.id, now + wait, str(exc))
        return "retry"
    except Forbidden as exc:  # the person blocked the bot: retrying cannot help
        await outbox.mark_failed(message.id, now, str(exc))
        log.warning("outbox %s to chat %s refused: %s", message.id, message.chat_id, exc)
        return "failed"
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # an edit that was already applied
            await outbox.mark_sent(message.id, now)
            return "sent"
        await outbox.mark_failed(message.id, now, str(exc))
        log.error(
            "outbox %s (%s) to chat %s rejected: %s", message.id, message.kind, message.chat_id, exc
        )
        return "failed"
    except (NetworkError, TelegramError) as exc:
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await outbox.mark_failed(message.id, now, str(exc), attempts=attempts)
            log.error("outbox %s gave up after %s attempts: %s", message.id, attempts, exc)
            return "failed"
        await outbox.retry_at(message.id, now + backoff(attempts), str(exc), attempts=attempts)
        return "retry"
    except Exception:  # a rendering bug must not block the queue forever
        log.exception("outbox %s (%s) could not be rendered", message.id, message.kind)
        await outbox.mark_failed(message.id, now, "render error")
        return "failed"
    await outbox.mark_sent(message.id, now, telegram_message_id=telegram_id)
    return "sent"


# ---- rendering ------------------------------------------------------------------------------------


def _required(message: OutboxMessage, case: Case | None) -> Case:
    """The case a message is rendered from (None: it is not there any more)."""
    if case is None:
        raise LookupError(f"outbox {message.id}: case {message.case_id} not found")
    return case


P = TypeVar("P", bound=Payload)


def _payload(message: OutboxMessage, expected: type[P]) -> P:
    """The row's payload as its kind's dataclass (backend.domain.messages), which `expected` must be."""
    payload = load_payload(message.kind, message.payload)
    if not isinstance(payload, expected):
        raise TypeError(f"a {message.kind} message is not a {expected.__name__}")
    return payload


def _locale(ctx: AppContext, payload: ToPerson) -> str:
    """The language of the person a message is for (the deployment's when the row does not say)."""
    return payload.locale or ctx.settings.default_locale


async def _send(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    more: str = ELLIPSIS,
    reply_markup: Markup = None,
    message_thread_id: int | None = None,
) -> int:
    """One outbox row is one message (a retry must not repeat half of it): a text too long for Telegram is
    cut with `more`, which says where the whole text is (the dashboard for staff, /status for a tenant)."""
    sent = await send_html(
        bot, chat_id, text, reply_markup, more=more, message_thread_id=message_thread_id
    )
    return sent[-1].message_id


async def render_receipt(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    case = _required(message, case)
    locale, tz = case.locale, ctx.settings.timezone
    # An emergency's receipt leads with the alert (what to do now came just before it, from the dialog).
    alerted = [_("🚨 The staff on duty have been alerted.", locale)] if _is_emergency(case) else []
    text = "\n".join(
        alerted
        + [
            _("✅ Received. Your case number is {number}.", locale, number=esc(case.number)),
            _(
                "We will get back to you by {when}.",
                locale,
                when=local_time(case.promised_feedback_at, tz, locale),
            ),
            _(
                "To see its progress, send /status {number} or /mycases.",
                locale,
                number=esc(case.number),
            ),
        ]
    )
    return await _send(bot, message.chat_id, text)


def _is_emergency(case: Case) -> bool:
    """Only an emergency says the staff on duty were alerted: a repeat, a hazard or a household count has
    triggers too, and nobody was alerted for those."""
    return bool((case.triage or {}).get("emergency"))


OUR_STAFF = N_("our staff")
UPDATE_TEXT = {
    "claim": N_("Your case {number} has been taken on by {owner}."),
    "assign": N_("Your case {number} has been assigned and is being arranged."),
    "note": N_("Update on case {number}: {note}"),
    "resolve": N_("Case {number} has been resolved: {note}"),
    "reopen": N_("Case {number} has been reopened and passed to a senior colleague."),
    "invalid": N_("We are sorry: case {number} cannot be handled by us. Reason: {note}"),
    "cancel": N_("Case {number} is cancelled."),
    "close": N_("Case {number} is closed. Thank you for your patience."),
    "auto_progress": N_(
        "Case {number} is still being handled by {owner}. We expect to finish by {expected}; "
        "we will tell you as soon as there is news."
    ),
}


async def render_tenant_update(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    update = _payload(message, TenantUpdate)
    locale = _locale(ctx, update)
    expected = update.expected
    text = _(
        UPDATE_TEXT.get(update.event, UPDATE_TEXT["note"]),
        locale,
        number=esc(update.number),
        note=esc(update.note),
        owner=esc(update.owner or _(OUR_STAFF, locale)),
        expected=local_time(expected, ctx.settings.timezone, locale) if expected else "—",
    )
    # A note may be as long as a message: the whole of it is in the timeline that /status shows.
    return await _send(bot, message.chat_id, text, more=more_by_status(update.number, locale))


async def _card_thread(ctx: AppContext, bot: Bot, case: Case, chat_id: int) -> int | None:
    """With STAFF_TOPICS=on the case gets its own forum topic in the staff group (created once)."""
    if not ctx.settings.staff_topics or chat_id > 0:  # a private chat (an owner's): no topics
        return None
    if case.staff_thread_id is None:
        name = f"{case.number} {category_name(ctx.settings.policy, case.category, ctx.settings.default_locale)}"
        topic = await bot.create_forum_topic(chat_id, name=label(name, MAX_TOPIC))
        case.staff_thread_id = topic.message_thread_id
        await staff_threads.set_staff_thread(case.id, topic.message_thread_id)
    return case.staff_thread_id


async def render_staff_card(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    case = _required(message, case)
    thread = await _card_thread(ctx, bot, case, message.chat_id)
    return await _send(
        bot,
        message.chat_id,
        await card_text(ctx, case),
        reply_markup=card_keyboard(ctx, case),
        message_thread_id=thread,
        more=more_line(ctx, case, ctx.settings.default_locale),
    )


async def render_duty_card(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    """Outside business hours the duty officer gets the card privately, buttons included."""
    case = _required(message, case)
    heading = _(
        ALERT_TEXT[OutboxKind.DUTY_ALERT], ctx.settings.default_locale, number=esc(case.number)
    )
    card = await card_text(ctx, case, limit=MAX_TEXT - visible_length(heading) - 2)
    return await _send(
        bot,
        message.chat_id,
        f"{heading}\n\n{card}",
        reply_markup=card_keyboard(ctx, case),
        more=more_line(ctx, case, ctx.settings.default_locale),
    )


async def render_card_photo(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    """The first photo under the card, with how many there are and what the tenant wrote with it (a plain
    caption, cut to Telegram's 1 024 with where to see the rest)."""
    case = _required(message, case)
    photos = await attachment_queries.photos_of(case.id)
    card = await outbox.staff_card(case.id)
    reply_to = card.telegram_message_id if card else None
    locale = ctx.settings.default_locale
    words = f"\n{photos[0].caption}" if photos[0].caption.strip() else ""
    more = _(MORE_IN_DASHBOARD, locale, url=dashboard_url(ctx.settings, f"/cases/{case.number}"))
    sent = await bot.send_photo(
        message.chat_id,
        photos[0].file_id,
        caption=caption(f"📷 {case.number} · 1/{len(photos)}{words}", more=more),
        reply_to_message_id=reply_to,
        message_thread_id=case.staff_thread_id,
    )
    return sent.message_id


async def render_card_refresh(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int | None:
    card = (
        await outbox.staff_card(message.case_id, sent=True) if message.case_id is not None else None
    )
    if card is None:  # the card itself is not out yet; it will show the current state when it is
        return None
    case = _required(message, case)
    text = fit(await card_text(ctx, case), more=more_line(ctx, case, ctx.settings.default_locale))
    await bot.edit_message_text(
        text,
        card.chat_id,
        card.telegram_message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=card_keyboard(ctx, case),
    )
    return card.telegram_message_id


async def render_owner_brief(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    case = _required(message, case)
    locale = _locale(ctx, _payload(message, OwnerBrief))
    return await _send(
        bot,
        message.chat_id,
        await owner_brief(ctx, case, locale),
        more=more_line(ctx, case, locale),
    )


ALERT_TEXT = {
    OutboxKind.MANAGER_ALERT: N_("🔴 Case {number} needs a manager ({reason}, level {level})."),
    OutboxKind.ESCALATION: N_("⬆️ Case {number} was escalated to you ({reason}, level {level})."),
    OutboxKind.DUTY_ALERT: N_("🌙 New case {number} arrived outside business hours."),
}


async def render_alert(ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None) -> int:
    locale = ctx.settings.default_locale
    alert = _payload(message, RoleAlert)
    text = _(
        ALERT_TEXT[OutboxKind(message.kind)],
        locale,
        number=esc(alert.number),
        reason=esc(alert_reason_name(alert.reason, locale)),
        level=alert.level,
    )
    return await _send(bot, message.chat_id, text, more=_case_more(ctx, alert.number, locale))


async def render_survey(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    question = _payload(message, SurveyQuestion)
    locale = _locale(ctx, question)
    template = survey.QUESTION if message.kind == OutboxKind.SURVEY else survey.REMINDER
    text = _(template, locale, number=esc(question.number))
    if message.case_id is None:
        raise ValueError("a survey is about a case")
    return await _send(
        bot, message.chat_id, text, reply_markup=survey.survey_keyboard(message.case_id, locale)
    )


STAFF_NOTICE = {
    OutboxKind.REMINDER: N_(
        "⏰ Case {number}: the tenant has not heard from us in time. Please write to them."
    ),
    OutboxKind.FOLLOWUP_CALL: N_(
        "📞 Case {number} is resolved: please call the tenant for the follow-up and record the answer."
    ),
}


async def render_staff_notice(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    locale, number = ctx.settings.default_locale, _payload(message, StaffNotice).number
    text = _(STAFF_NOTICE[OutboxKind(message.kind)], locale, number=esc(number))
    return await _send(bot, message.chat_id, text, more=_case_more(ctx, number, locale))


def _case_more(ctx: AppContext, number: str, locale: str) -> str:
    return more_in_dashboard(ctx.settings, locale, f"/cases/{number}" if number else "/cases")


async def render_report(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    """The monthly report, computed when it is sent so it shows the month as it stands."""
    wanted = _payload(message, Report)
    locale = _locale(ctx, wanted)
    year, month = month_from_text(wanted.month)
    report = await monthly_report(year, month, ctx.settings, ctx.clock.now(), locale=locale)
    if wanted.part == "summary":
        return await _send(
            bot,
            message.chat_id,
            esc(summary_text(report, locale)),
            more=more_in_dashboard(ctx.settings, locale, f"/reports/{wanted.month}"),
        )
    buffer = io.BytesIO()
    write_monthly_xlsx(report, buffer, locale)
    sent = await bot.send_document(
        message.chat_id, InputFile(buffer.getvalue(), filename=f"report-{wanted.month}.xlsx")
    )
    return sent.message_id


async def render_satisfaction_survey(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    question = _payload(message, SatisfactionSurvey)
    text, markup = satisfaction.question(question.survey_id, _locale(ctx, question))
    return await _send(bot, message.chat_id, text, reply_markup=markup)


async def render_dialog_expired(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    locale = _locale(ctx, _payload(message, DialogExpired))
    return await _send(bot, message.chat_id, _(DIALOG_EXPIRED, locale))


async def render_incident_card(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int:
    """The incident's one card in the staff group, rendered from the incident as it is now."""
    incident_id = _payload(message, IncidentCard).incident_id
    await Incidents.take_refresh(incident_id)  # it shows the incident as it is now
    text, keyboard = await card_of(ctx, incident_id)
    sent = await _send(bot, message.chat_id, text, reply_markup=keyboard)
    _remember((message.chat_id, sent), (text, str(keyboard.to_dict()) if keyboard else ""))
    return sent


async def render_incident_refresh(
    ctx: AppContext, bot: Bot, message: OutboxMessage, case: Case | None
) -> int | None:
    """Edit the incident card in place (at most one edit per incident every ten seconds: the refresh
    waits that long, and joins meanwhile queue none)."""
    incident_id = _payload(message, IncidentRefresh).incident_id
    await Incidents.take_refresh(incident_id)  # first: a change from now on queues a new refresh
    card = await incident_queries.incident_card_message(incident_id)
    if card is None:  # not out yet: when it is, it shows the incident as it is then
        return None
    text, keyboard = await card_of(ctx, incident_id)
    shown = (text, str(keyboard.to_dict()) if keyboard else "")
    if _INCIDENT_CARDS_SHOWN.get((card.chat_id, card.telegram_message_id)) == shown:
        return card.telegram_message_id  # this process showed exactly this: no edit to make
    await bot.edit_message_text(
        text,
        card.chat_id,
        card.telegram_message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    _remember((card.chat_id, card.telegram_message_id), shown)
    return card.telegram_message_id


# What this process last showed on each incident card (by chat and message id): a refresh that would show the
# same (a join within the same minute from a unit already counted) is not sent to Telegram.
_INCIDENT_CARDS_SHOWN: dict[tuple[int, int], tuple[str, str]] = {}


def _remember(where: tuple[int, int], shown: tuple[str, str]) -> None:
    _INCIDENT_CARDS_SHOWN[where] = shown
    if len(_INCIDENT_CARDS_SHOWN) > 1000:
        _INCIDENT_CARDS_SHOWN.pop(next(iter(_INCIDENT_CARDS_SHOWN)))


DIALOG_EXPIRED = N_(
    "Your unfinished case was put aside after a long pause. Send /complain to start again."
)
RENDERERS = {
    OutboxKind.RECEIPT: render_receipt,
    OutboxKind.TENANT_UPDATE: render_tenant_update,
    OutboxKind.STAFF_CARD: render_staff_card,
    OutboxKind.CARD_REFRESH: render_card_refresh,
    OutboxKind.MANAGER_ALERT: render_alert,
    OutboxKind.ESCALATION: render_alert,
    OutboxKind.DUTY_ALERT: render_duty_card,
    OutboxKind.CARD_PHOTO: render_card_photo,
    OutboxKind.OWNER_BRIEF: render_owner_brief,
    OutboxKind.SURVEY: render_survey,
    OutboxKind.SURVEY_REMINDER: render_survey,
    OutboxKind.REMINDER: render_staff_notice,
    OutboxKind.FOLLOWUP_CALL: render_staff_notice,
    OutboxKind.REPORT: render_report,
    OutboxKind.SATISFACTION_SURVEY: render_satisfaction_survey,
    OutboxKind.DIALOG_EXPIRED: render_dialog_expired,
    OutboxKind.INCIDENT_CARD: render_incident_card,
    OutboxKind.INCIDENT_REFRESH: render_incident_refresh,
}
