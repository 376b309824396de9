"""One incoming update, with what every handler needs: the app context, the person, their language;
and the update's unit of work (see docs/decisions/0007-unit-of-work-per-update.md)."""

import contextvars
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, ContextTypes

from backend.context import AppContext
from backend.i18n import _, pick_locale
from backend.models import Complainant, Dialog
from backend.services import inbox
from backend.services.estates import office_of_estate
from backend.services.tenant_queries import complainant_by_telegram_id
from backend.services.update_reads import UpdateReads

from . import text as tg_text

log = logging.getLogger(__name__)
CONTEXT_KEY = "qingchu"
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply | None
T = TypeVar("T")


def _present(value: T | None, what: str) -> T:
    if value is None:
        raise LookupError(f"this update has no {what}")
    return value


@dataclass(frozen=True)
class PendingAnswer:
    query: CallbackQuery
    text: str | None
    alert: bool


@dataclass
class UpdateWork:
    """The database work of the update being handled.

    A polled update's inbox row (`record`) is not written on arrival: the redelivery check reads, and the
    row is written by the update's first write, in its transaction (bot.dialogs: the row and the dialog
    state in one commit), or, when the update writes nothing of its own, just before anything leaves for
    Telegram (`flush_work`), and at the latest when the update is done.

    The answer to a pressed button (`answer`) is sent with the update's next message, or when it is done:
    the button's step is saved (with the row) before anything leaves, as for a reply.

    In a private chat the flood guard's statement also reads the person and their dialog (`reads`):
    `Turn.of` and `load_dialog` use them instead of reading again, each once. A write of the dialog
    forgets it (`forget_dialog`), as does handling the chat's held updates first (`forget_reads`), so a
    handler never sees a row older than its own update's writes.
    """

    record: inbox.SeenUpdate | None = None
    answer: PendingAnswer | None = None
    reads: UpdateReads | None = None
    person_taken: bool = False
    dialog_taken: bool = False

    def take_record(self) -> inbox.SeenUpdate | None:
        """The inbox row still to write, now the caller's to write (once)."""
        record, self.record = self.record, None
        return record

    def take_person(self, telegram_id: int) -> tuple[bool, Complainant | None]:
        """(True, the person) read at the start of the update, the first time it is asked for; (False,
        None) when it must be read now."""
        if self.reads is None or self.person_taken or self.reads.telegram_id != telegram_id:
            return False, None
        self.person_taken = True
        return True, self.reads.person

    def take_dialog(self, key: str) -> tuple[bool, Dialog | None]:
        """(True, the dialog row or None) read at the start of the update, the first time it is asked
        for and only while the update has not written it; (False, None) when it must be read now."""
        if self.reads is None or self.dialog_taken or self.reads.dialog_key != key:
            return False, None
        self.dialog_taken = True
        return True, self.reads.dialog

    def forget_dialog(self) -> None:
        self.dialog_taken = True

    def forget_reads(self) -> None:
        self.reads = None


# The work of the update being handled; bot.app's Application sets a fresh one per update.
WORK: contextvars.ContextVar[UpdateWork | None] = contextvars.ContextVar(
    "update_work", default=None
)


async def recorded_with(write: Callable[[inbox.SeenUpdate | None], Awaitable[None]]) -> None:
    """Run `write`, given the inbox row it must write in its transaction, if the update still has one
    (then written once). A redelivery found only now stops the update (nothing of it was written); on
    any other failure the row stays to be written."""
    work = WORK.get()
    record = work.take_record() if work is not None else None
    try:
        await write(record)
    except inbox.AlreadyRecorded:
        log.info("update %s already handled; ignored", record.update_id if record else None)
        raise ApplicationHandlerStop from None
    except BaseException:
        if work is not None and record is not None:
            work.record = record
        raise


async def _record_alone(record: inbox.SeenUpdate | None) -> None:
    if record is not None:
        await inbox.record(record)


async def flush_work() -> None:
    """Write what the update still holds back (its inbox row), before a message leaves for Telegram:
    a reply is only sent for an update that is recorded; then answer the pressed button."""
    await recorded_with(_record_alone)
    work = WORK.get()
    if work is not None and work.answer is not None:
        pending, work.answer = work.answer, None
        await _answer_now(pending.query, pending.text, alert=pending.alert)


@dataclass
class Turn:
    update: Update
    context: ContextTypes.DEFAULT_TYPE
    ctx: AppContext
    locale: str
    complainant: Complainant | None

    @classmethod
    async def of(cls, update: Update, context: ContextTypes.DEFAULT_TYPE) -> "Turn":
        ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
        user, work = update.effective_user, WORK.get()
        read, complainant = (
            work.take_person(user.id) if user and work is not None else (False, None)
        )
        if not read and user:
            complainant = await complainant_by_telegram_id(user.id)
        fallback = pick_locale(user.language_code if user else None, ctx.settings.default_locale)
        locale = complainant.locale if complainant and complainant.locale else fallback
        return cls(update, context, ctx, locale, complainant)

    @property
    def chat(self) -> Chat:
        return _present(self.update.effective_chat, "chat")

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def user(self) -> User:
        """The sender (bot.app.route_groups stops every update without one before a handler runs)."""
        return _present(self.update.effective_user, "sender")

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def message(self) -> Message:
        """The message a message handler was given (only updates with one reach those handlers)."""
        return _present(self.update.effective_message, "message")

    async def duty_phone(self) -> str:
        """The duty phone of the person's estate: its own, else DUTY_PHONE ("" when neither is set)."""
        estate_id = self.complainant.estate_id if self.complainant else None
        if estate_id is None:
            return self.ctx.settings.duty_phone
        return (await office_of_estate(None, estate_id, self.ctx.settings)).duty_phone

    def t(self, message: str, **values: object) -> str:
        """Translate into this person's language for a message (HTML): values are HTML-escaped."""
        return _(message, self.locale, **{k: html.escape(str(v)) for k, v in values.items()})

    def plain(self, message: str, **values: object) -> str:
        """Translate for a plain-text place (a toast, a button label): values as they are, never escaped."""
        return _(message, self.locale, **values)

    async def reply(
        self,
        text: str,
        markup: Markup = None,
        *,
        more: str = tg_text.ELLIPSIS,
        whole: bool = False,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> Message:
        """Send HTML `text` to this chat. Too long for one message, it is cut with `more` as its last line
        (say where the rest is), or with `whole=True` sent as several messages (the buttons on the last)."""
        return (
            await send_html(
                self.context.bot,
                self.chat_id,
                text,
                markup,
                more=more,
                whole=whole,
                reply_to_message_id=reply_to_message_id,
                message_thread_id=message_thread_id,
            )
        )[-1]

    async def answer(self, text: str | None = None, alert: bool = False) -> None:
        """Answer the pressed button (Telegram requires it), optionally with a short plain-text toast
        (from `plain`, not `t`): with the update's next message, or when it is done (UpdateWork)."""
        query, work = self.update.callback_query, WORK.get()
        if query is None or work is None:
            await answer_query(query, text, alert=alert)
            return
        work.answer = PendingAnswer(query, text, alert)


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: Markup = None,
    *,
    more: str = tg_text.ELLIPSIS,
    whole: bool = False,
    reply_to_message_id: int | None = None,
    message_thread_id: int | None = None,
) -> list[Message]:
    """Every HTML message leaves through here: fitted to Telegram's 4 096 (bot.text decides how)."""
    await flush_work()
    parts = tg_text.split(text, more=more) if whole else [tg_text.fit(text, more=more)]
    sent = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                reply_to_message_id=reply_to_message_id,
                message_thread_id=message_thread_id,
            )
        )
    return sent


async def answer_query(
    query: CallbackQuery | None, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a pressed button; one that is already answered (an update handled again after a crash) or too
    old is left alone: the answer only stops the button's spinner."""
    if query is None:
        return
    work = WORK.get()
    if work is not None and work.answer is not None and work.answer.query is query:
        work.answer = None  # this answer replaces the one the update was holding back
    await flush_work()
    await _answer_now(query, text, alert=alert)


async def _answer_now(query: CallbackQuery, text: str | None, *, alert: bool) -> None:
    try:
        await query.answer(tg_text.alert(text), show_alert=alert)
    except BadRequest as exc:
        log.info("callback query %s not answered: %s", query.id, exc)
