"""The Telegram application: handler wiring in one readable place, start and stop."""

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import (
    BotCommand,
    Chat,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from backend.context import AppContext
from backend.i18n import N_, SUPPORTED, _, language_choice
from backend.labels import language_name
from backend.logs import set_case, set_update
from backend.metrics import DUPLICATE_UPDATES, UPDATES
from backend.models import InboxUpdate
from backend.services import complainants, inbox, leases
from backend.services.estates import staff_chats

from . import callbacks, flood
from .budget import budget_for
from .callbacks import Callback, Scope
from .delivery import DeliveryReport, deliver_due
from .dialogs import clear_dialog, load_dialog
from .rate_limit import SendLimiter
from .staff import actions as staff_actions
from .staff import card as staff_card
from .staff import commands as staff_commands
from .staff import new_case
from .tenant import cases as tenant_cases
from .tenant import estate_choice, intake, satisfaction, survey
from .tenant.draft import IntakeDraft
from .tenant.small_talk import is_small_talk
from .text import button
from .turn import CONTEXT_KEY, WORK, Turn, UpdateWork, answer_query, flush_work
from .webhook import ALLOWED_UPDATES, INBOX_ROW, inbox_loop

log = logging.getLogger(__name__)
COMMANDS = (
    ("complain", N_("File a complaint or repair request")),
    ("mycases", N_("My cases")),
    ("status", N_("Check a case by its number")),
    ("cancel", N_("Leave the current step")),
    ("language", N_("Change language")),
    ("help", N_("How this works")),
)


# ---- guards ---------------------------------------------------------------------------------------


async def take_once(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A redelivered update is handled once; a private chat flooding the bot is slowed down.

    A polled update in a private chat is recorded with its first write (bot.turn.UpdateWork): the flood
    check's query also says whether it was recorded before, and reads the person and their dialog for
    the handler (kept on the update's UpdateWork). Elsewhere it is recorded at once."""
    ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
    chat = update.effective_chat
    now = ctx.clock.now()
    set_update(update.update_id)  # every log line of this update names it …
    set_case(None)  # … and the case it touches, once known
    load: flood.ChatLoad | None = None
    if chat is not None and chat.type == ChatType.PRIVATE:
        user = update.effective_user
        load, reads = await flood.read_update(
            chat.id, user.id if user else None, update.update_id, now
        )
        if (work := WORK.get()) is not None:
            work.reads = reads
    # webhook updates (and held ones) were recorded and deduplicated before they got here
    row = INBOX_ROW.get()
    if row is None and not await record_polled(update, chat, now, load):
        DUPLICATE_UPDATES.inc()
        log.info("update %s already handled; ignored", update.update_id)
        await answer_query(update.callback_query)
        raise ApplicationHandlerStop
    UPDATES.inc()
    if chat is not None and load is not None:
        await slow_down(update, context, row, chat.id, now, load)


async def record_polled(
    update: Update, chat: Chat | None, now: datetime, load: flood.ChatLoad | None
) -> bool:
    """Record a polled update, or leave it to the update's first write (private chats); False when it
    was recorded before (a redelivery)."""
    chat_id = chat.id if chat else None
    if load is None:
        return await inbox.record_seen(update.update_id, chat_id, now) is not None
    if load.recorded:
        return False
    work = WORK.get()
    if work is None:
        raise RuntimeError("updates are processed by bot.app.UpdateApplication")
    work.record = inbox.SeenUpdate(update.update_id, chat_id, now)
    return True


async def slow_down(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    row: InboxUpdate | None,
    chat_id: int,
    now: datetime,
    load: flood.ChatLoad,
) -> None:
    """Over the flood limit an update is held for a minute (the tenant is told once); a possible
    emergency never waits. An update handled now first lets the chat's held updates go before it.
    `row`: the update's inbox row, None for a polled one not yet recorded."""
    ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
    limit = ctx.settings.flood_limit
    held_once = row is not None and row.held_until is not None  # an update is held once at most
    if load.recent > limit and not held_once:
        if not flood.may_be_emergency(ctx, update):
            await hold(update, context, row, chat_id, load.recent, now)
            raise ApplicationHandlerStop
        log.warning(
            "chat %s is over the flood limit, but update %s may be an emergency: handled now",
            chat_id,
            update.update_id,
        )
    if load.held_before:
        await flood.release(ctx, context.application, load.held_before)
        if (work := WORK.get()) is not None:
            work.forget_reads()  # the held updates may have changed the person and the dialog


async def hold(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    row: InboxUpdate | None,
    chat_id: int,
    recent: int,
    now: datetime,
) -> None:
    ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
    limit = ctx.settings.flood_limit
    if recent > limit * flood.HOLD_FACTOR:
        await answer_query(update.callback_query)
        log.warning(
            "chat %s sent %s updates in a minute; update %s dropped",
            chat_id,
            recent,
            update.update_id,
        )
        return
    held_until = await flood.hold(row, update, now)
    await answer_query(update.callback_query)
    log.warning(
        "chat %s sent %s updates in a minute; update %s held until %s",
        chat_id,
        recent,
        update.update_id,
        held_until,
    )
    if recent == limit + 1:  # say it once, not once per extra message
        turn = await Turn.of(update, context)
        lines = [
            turn.t(
                "You are sending messages very quickly. I have kept everything you sent "
                "and will answer it in about a minute."
            )
        ]
        if duty_phone := await turn.duty_phone():
            lines.append(turn.t("In an emergency call the duty phone: {phone}", phone=duty_phone))
        await turn.reply("\n".join(lines))


STAFF_COMMANDS = ("queue", "mine", "overdue", "case")


async def route_groups(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tenant dialogs run in private chats; the staff group gets cards, buttons and staff commands;
    any other group is pointed to the private chat. An update without a sender (a channel post, a poll)
    concerns nobody the desk serves."""
    chat = update.effective_chat
    if update.effective_user is None:
        log.info("update %s (%s) has no sender; ignored", update.update_id, update_kind(update))
        raise ApplicationHandlerStop
    if (
        chat is None and update.callback_query is not None
    ):  # a button under an inline message: we send none
        log.info("update %s: a button pressed outside any chat; ignored", update.update_id)
        await answer_query(update.callback_query)
        raise ApplicationHandlerStop
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
    if chat.id == ctx.settings.staff_chat_id or chat.id in await staff_chats(ctx.settings):
        await staff_group(update, context)
        raise ApplicationHandlerStop
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        turn = await Turn.of(update, context)
        username = context.bot.username
        await turn.reply(
            turn.t("Please write to me in a private chat: https://t.me/{bot}", bot=username),
            reply_to_message_id=message.message_id,
        )
    elif update.callback_query:
        await answer_query(update.callback_query)
    else:
        log.info(
            "update %s (%s) in %s %s, not the staff group; ignored",
            update.update_id,
            update_kind(update),
            chat.type,
            chat.id,
        )
    raise ApplicationHandlerStop


def update_kind(update: Update) -> str:
    """What an update carries ("message", "edited_message", "callback_query" …), for log lines."""
    return next(
        (kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "unknown"
    )


async def staff_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    if update.callback_query is not None:
        callback = callbacks.decode(update.callback_query.data)
        if callback is not None and callback.scope == staff_card.SCOPE:
            await staff_actions.on_callback(turn, callback)
        else:
            await turn.answer(
                turn.plain("This button is no longer active. Please use the latest message.")
            )
        return
    message = update.effective_message
    if message is None or update.edited_message is not None:
        log.info(
            "update %s in the staff group: %s; ignored",
            update.update_id,
            "an edit" if update.edited_message is not None else "no message",
        )
        return
    text = message.text or ""
    if text.startswith("/"):
        command, _, target = (text[1:].split() or [""])[0].partition("@")
        command, args = command.lower(), text[1:].split()[1:]
        if target and target.lower() != (context.bot.username or "").lower():
            log.info(
                "update %s in the staff group: a command for @%s; ignored", update.update_id, target
            )
        elif command in STAFF_COMMANDS:
            await staff_commands.run(turn, command, args)
        elif command == "duty":
            await staff_commands.duty(turn, args)
        elif command == "dashboard":
            await staff_commands.dashboard(turn)
        else:
            log.info(
                "update %s in the staff group: /%s is no staff command; ignored",
                update.update_id,
                command,
            )
        return
    if not await staff_actions.on_staff_message(turn):
        log.debug(
            "update %s in the staff group: not a reply to a prompt; ignored", update.update_id
        )


async def staff_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff commands in a private chat with the bot."""
    turn = await Turn.of(update, context)
    command = (turn.message.text or "")[1:].split()[0].split("@", 1)[0].lower()
    await staff_commands.run(turn, command, context.args or [])


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await staff_commands.join(await Turn.of(update, context), context.args or [])


async def duty(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await staff_commands.duty(await Turn.of(update, context), context.args or [])


async def dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await staff_commands.dashboard(await Turn.of(update, context))


# ---- commands -------------------------------------------------------------------------------------


def main_menu(turn: Turn) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(turn.plain("📝 File a complaint or repair"), callbacks.cb(Scope.MENU, "new"))],
            [
                button(turn.plain("📂 My cases"), callbacks.cb(Scope.MENU, "mine")),
                button(turn.plain("❓ Help"), callbacks.cb(Scope.MENU, "help")),
            ],
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The greeting; `/start CODE` (an estate's link or poster) first binds the tenant to that estate."""
    turn = await Turn.of(update, context)
    estate = await estate_choice.on_start(turn)
    hello = turn.t("Hello! This is the property service desk.")
    if estate is not None:
        hello = turn.t("Hello! This is the service desk of {estate}.", estate=estate.name)
    await turn.reply(
        hello
        + "\n"
        + turn.t(
            "Tell us about anything that needs fixing or is not right, and follow it until it is solved."
        ),
        main_menu(turn),
    )
    if estate is None and (choices := await estate_choice.needs_choice(turn)):
        await estate_choice.ask(turn, choices)


async def choose_estate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await estate_choice.change(await Turn.of(update, context))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    await turn.reply(await help_text(turn))


async def help_text(turn: Turn) -> str:
    duty_phone = await turn.duty_phone()
    return "\n".join(
        [
            turn.t("/complain — file a complaint or repair request"),
            turn.t("/mycases — your cases and their progress"),
            turn.t("/status QC-20260101-0001 — one case by its number"),
            turn.t(
                "/cancel — leave the current step, or /cancel CASE-NUMBER to cancel a case before work starts"
            ),
            turn.t("/language — 简体中文 / 繁體中文 / English"),
        ]
        + (
            [turn.t("In an emergency call the duty phone: {phone}", phone=duty_phone)]
            if duty_phone
            else []
        )
    )


async def complain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await begin_case(await Turn.of(update, context))


async def begin_case(turn: Turn) -> None:
    """A new case; a tenant of a many-estate deployment who has not said where they live says it first."""
    choices = await estate_choice.needs_choice(turn)
    if choices:
        await estate_choice.ask(turn, choices, estate_choice.PICK_THEN_FILE)
        return
    await intake.begin(turn)


async def estate_press(turn: Turn, callback: Callback) -> None:
    if await estate_choice.on_callback(turn, callback):
        await intake.begin(turn)


async def new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff (checked against the staff table) file for a caller; anybody else files their own case."""
    turn = await Turn.of(update, context)
    if not await new_case.begin(turn):
        await begin_case(turn)


async def my_cases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await tenant_cases.my_cases(await Turn.of(update, context))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    if not context.args:
        await turn.reply(
            turn.t(
                "Please add the case number, for example /status QC-20260101-0001. Or send /mycases."
            )
        )
        return
    await tenant_cases.show_case(turn, context.args[0])


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    if context.args:
        await tenant_cases.cancel_case(turn, context.args[0])
        return
    dialog = await load_dialog(turn.chat_id, turn.user_id)
    if dialog is not None:
        await clear_dialog(turn.chat_id, turn.user_id)
        if dialog.flow == new_case.FLOW:
            await turn.reply(new_case.cancelled(turn))
            return
        draft = dialog.payload if isinstance(dialog.payload, IntakeDraft) else None
        if draft and draft.case_number:  # an emergency filed before its questions: the case stands
            await turn.reply(
                turn.t(
                    "Case {number} stands and our staff are on it; we skipped the remaining "
                    "questions. Send /status {number} to follow it.",
                    number=draft.case_number,
                ),
                ReplyKeyboardRemove(),
            )
            return
        await turn.reply(
            turn.t("Stopped. Nothing was filed. Send /complain whenever you need us."),
            ReplyKeyboardRemove(),
        )
        return
    await turn.reply(
        turn.t(
            "There is nothing to stop right now. To cancel a filed case, send /cancel CASE-NUMBER."
        )
    )


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/language en` (or zh, zh-TW, 繁体, 简体 …) sets it at once; without a known one, the choice."""
    turn = await Turn.of(update, context)
    code = language_choice(" ".join(context.args or []))
    if code is not None:
        await set_language(turn, code)
        return
    buttons = [
        [button(language_name(code), callbacks.cb(Scope.LANGUAGE, code))] for code in SUPPORTED
    ]
    await turn.reply(turn.t("Choose your language:"), InlineKeyboardMarkup(buttons))


async def set_language(turn: Turn, code: str) -> None:
    if code not in SUPPORTED:
        await turn.answer()
        return
    await complainants.set_language(turn.user_id, code, turn.ctx.clock.now())
    turn.locale = code
    await turn.answer()
    await turn.reply(turn.t("Language set to English."))


# ---- everything else ------------------------------------------------------------------------------


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    dialog = await load_dialog(turn.chat_id, turn.user_id)
    if dialog is not None and dialog.flow == new_case.FLOW:  # a staff member's form (own expiry)
        await new_case.on_message(turn, dialog)
        return
    if dialog is not None and dialog.expired(turn.ctx.clock.now(), turn.ctx.settings.dialog_idle):
        await clear_dialog(turn.chat_id, turn.user_id)
        await turn.reply(
            turn.t(
                "Your unfinished case was put aside after a long pause. Send /complain to start again."
            )
        )
        return
    if dialog is None:
        await outside_dialog(turn, update.effective_message)
        return
    if dialog.flow == survey.FLOW:
        await survey.on_comment(turn, dialog)
        return
    await intake.on_message(turn, dialog)


async def outside_dialog(turn: Turn, message: Message | None) -> None:
    """A greeting gets the menu; anything else a tenant writes (or photographs) is offered for filing."""
    text = (message.text or message.caption or "") if message is not None else ""
    if (
        text.startswith("/")
        or message is None
        or not (text.strip() or message.photo or message.document)
    ):
        await turn.reply(
            turn.t("Sorry, I did not understand that. Send /help to see what I can do.")
        )
    elif text and is_small_talk(text) and not message.photo:
        await turn.reply(
            turn.t("To file a complaint or repair, press the button below or send /complain."),
            main_menu(turn),
        )
    elif len(text) > intake.MAX_MESSAGE:
        await turn.reply(
            turn.t("That message is too long for us to keep. Please send it in shorter parts.")
        )
    else:
        await intake.offer(turn)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await Turn.of(update, context)
    query = update.callback_query
    callback = callbacks.decode(query.data if query is not None else None)
    route = CALLBACK_SCOPES.get(callback.scope) if callback is not None else None
    if callback is None or route is None:
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message.")
        )
        return
    await route(turn, callback)


async def intake_press(turn: Turn, callback: Callback) -> None:
    await intake.on_callback(turn, await load_dialog(turn.chat_id, turn.user_id), callback)


async def new_case_press(turn: Turn, callback: Callback) -> None:
    await new_case.on_callback(turn, await load_dialog(turn.chat_id, turn.user_id), callback)


async def language_press(turn: Turn, callback: Callback) -> None:
    await set_language(turn, callback.action)


async def menu_press(turn: Turn, callback: Callback) -> None:
    await turn.answer()
    if callback.action == "new":
        await begin_case(turn)
    elif callback.action == "mine":
        await tenant_cases.my_cases(turn)
    else:
        await turn.reply(await help_text(turn))


# Who handles a button in a private chat, by the scope of its callback data (bot/callbacks.py).
CALLBACK_SCOPES: dict[Scope, Callable[[Turn, Callback], Awaitable[None]]] = {
    intake.SCOPE: intake_press,
    new_case.SCOPE: new_case_press,
    staff_card.SCOPE: staff_actions.on_callback,
    satisfaction.SCOPE: satisfaction.on_callback,
    survey.SCOPE: survey.on_callback,
    tenant_cases.SCOPE: tenant_cases.on_callback,
    Scope.LANGUAGE: language_press,
    Scope.MENU: menu_press,
    estate_choice.SCOPE: estate_press,
}


async def not_handled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message, a reaction, an inline query …: nothing the desk answers."""
    log.info("update %s (%s) needs no answer; ignored", update.update_id, update_kind(update))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context; the person gets a short apology, never a traceback.

    The update then goes to no further handler: a staff member's reply that failed in the staff group
    must not reach the handlers of tenants' messages.
    """
    update_id = getattr(update, "update_id", None)
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await apologize(update, context, update.effective_chat.id)
    raise ApplicationHandlerStop


async def apologize(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    try:
        turn = await Turn.of(update, context)
        await answer_query(update.callback_query)
        await turn.reply(
            turn.t("Sorry, something went wrong on our side. Please try again in a moment.")
        )
    except Exception:  # the apology itself failed (e.g. the database is down): already logged above
        log.warning("could not tell chat %s about the error", chat_id)


# ---- assembly -------------------------------------------------------------------------------------


class UpdateApplication(Application):
    """PTB's Application with one unit of work per update (bot.turn.UpdateWork, decision 0007): what the
    update still holds back is written once its handlers are done, if nothing wrote it before."""

    async def process_update(self, update: object) -> None:
        token = WORK.set(UpdateWork())
        try:
            await super().process_update(update)
            await _finish_work(update)
        finally:
            WORK.reset(token)


async def _finish_work(update: object) -> None:
    try:
        await flush_work()
    except ApplicationHandlerStop:  # a redelivery found only now: it was handled before
        pass
    except Exception:
        log.exception("update %s could not be finished", getattr(update, "update_id", None))


def build_application(
    ctx: AppContext,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:
    settings = ctx.settings
    builder = (
        Application.builder()
        .application_class(UpdateApplication)
        .token(settings.bot_token or "0:test")
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(f"{settings.telegram_api_base_url}/bot").base_file_url(
            f"{settings.telegram_api_base_url}/file/bot"
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    budget = budget_for(settings)
    if (
        rate_limit
    ):  # direct replies under the outbox's budget (shared by every instance on PostgreSQL)
        builder = builder.rate_limiter(SendLimiter(budget))
    application = builder.build()
    application.bot_data[CONTEXT_KEY] = ctx

    async def deliver() -> DeliveryReport:
        await flush_work()  # called by a handler: its update is recorded before anything is sent
        return await deliver_due(ctx, application.bot, budget=budget)

    ctx.deliver = deliver
    application.add_handler(TypeHandler(Update, take_once), group=-2)
    application.add_handler(TypeHandler(Update, route_groups), group=-1)
    for name, handler in (
        ("start", start),
        ("estate", choose_estate),
        ("help", help_command),
        ("complain", complain),
        ("new", new),
        ("mycases", my_cases),
        ("status", status),
        ("cancel", cancel),
        ("language", language),
        ("join", join),
        ("duty", duty),
        ("dashboard", dashboard),
    ):
        application.add_handler(CommandHandler(name, handler))
    application.add_handler(CommandHandler(list(STAFF_COMMANDS), staff_command))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, on_message))
    application.add_handler(TypeHandler(Update, not_handled))  # whatever no handler above took
    application.add_error_handler(on_error)
    return application


# Telegram keys command menus by two-letter language only, so zh_TW users see the zh menu.
MENU_LANGUAGES = ((None, "zh_CN"), ("zh", "zh_CN"), ("en", "en"))


async def register_commands(application: Application) -> None:
    """Command menus per language; if Telegram refuses, log it and carry on."""
    for language_code, locale in MENU_LANGUAGES:
        commands = [BotCommand(name, _(description, locale)) for name, description in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as exc:
            log.warning("setMyCommands (%s) refused: %s", language_code or "default", exc)


@dataclass
class RunningBot:
    application: Application
    tasks: list[asyncio.Task]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


async def delivery_loop(
    application: Application, interval: float = 1.0, over_budget_pause: float = 0.1
) -> None:
    """A round every `interval`; while messages wait for send slots, every `over_budget_pause`, so a slot
    that comes free is used at once (the budget, not this loop, sets the pace)."""
    deliver = application.bot_data[CONTEXT_KEY].deliver
    while True:
        pause = interval
        try:
            if (await deliver()).over_budget:
                pause = over_budget_pause
        except Exception:
            log.exception("outbox delivery round failed")
        await asyncio.sleep(pause)


async def start_bot(
    ctx: AppContext, *, receive: bool = True, send: bool = True, request: BaseRequest | None = None
) -> RunningBot:
    """`receive`: take updates (polling, or the webhook inbox); `send`: deliver the outbox every second."""
    application = build_application(ctx, request=request)
    await application.initialize()
    tasks = []
    if receive:
        await register_commands(application)
        await application.start()
        if ctx.settings.bot_mode == "webhook":
            await set_webhook(application.bot, ctx.settings)
            tasks.append(asyncio.create_task(inbox_loop(ctx, application, ctx.updates_waiting)))
        else:
            tasks.append(await hold_poller_lease(ctx))
            if application.updater is None:  # the builder makes one unless told not to
                raise RuntimeError("polling needs the application's updater")
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            tasks.append(
                asyncio.create_task(inbox_loop(ctx, application, ctx.updates_waiting))
            )  # held updates
    if send:
        tasks.append(asyncio.create_task(delivery_loop(application)))
    return RunningBot(application, tasks)


POLLER_LEASE_TTL = timedelta(seconds=30)


def poller_lease_name(token: str) -> str:
    return "poller:" + hashlib.sha256(token.encode()).hexdigest()[:16]


async def hold_poller_lease(ctx: AppContext) -> asyncio.Task:
    """Telegram allows one getUpdates caller per bot: a second poller refuses to start and says why.

    The lease is renewed every 10 s; after a crash it expires within 30 s and another instance may poll.
    """
    if not ctx.settings.bot_token:  # a bot runs only with a token (Settings.telegram_enabled)
        raise RuntimeError("polling needs a bot token")
    name, holder = poller_lease_name(ctx.settings.bot_token), leases.this_process()
    try:
        await leases.acquire(name, holder, ctx.clock.now(), POLLER_LEASE_TTL)
    except leases.LeaseHeld as exc:
        raise leases.LeaseHeld(
            "polling",
            exc.holder,
            exc.expires_at,
            hint="Telegram allows one polling process per bot. Stop the other one, start this one with "
            "--only api,scheduler,sender, or use BOT_MODE=webhook to run several instances.",
        ) from None

    async def renew() -> None:
        try:
            while True:
                await asyncio.sleep(POLLER_LEASE_TTL.total_seconds() / 3)
                try:
                    await leases.acquire(name, holder, ctx.clock.now(), POLLER_LEASE_TTL)
                except leases.LeaseHeld:
                    log.error(
                        "another process took over polling for this bot; this one keeps trying"
                    )
                except Exception:
                    log.exception("could not renew the polling lease")
        finally:
            with contextlib.suppress(Exception):
                await leases.release(name, holder)

    return asyncio.create_task(renew())


async def set_webhook(bot, settings) -> None:
    """Tell Telegram where to post updates, with the secret it must send back."""
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=40,
        drop_pending_updates=False,
    )
    log.info("webhook set to %s", settings.webhook_url)
