"""One incoming update, with what every handler needs: the app context, the person, their language."""

import html
import logging
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from backend.context import AppContext
from backend.i18n import _, pick_locale
from backend.models import Complainant

log = logging.getLogger(__name__)
CONTEXT_KEY = "qingchu"
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


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
        user = update.effective_user
        complainant = await Complainant.get_or_none(telegram_id=user.id) if user else None
        fallback = pick_locale(user.language_code if user else None, ctx.settings.default_locale)
        locale = complainant.locale if complainant and complainant.locale else fallback
        return cls(update, context, ctx, locale, complainant)

    @property
    def chat_id(self) -> int:
        return self.update.effective_chat.id

    @property
    def user_id(self) -> int:
        return self.update.effective_user.id

    def t(self, message: str, **values: object) -> str:
        """Translate into this person's language; values are HTML-escaped (replies use HTML)."""
        return _(message, self.locale, **{k: html.escape(str(v)) for k, v in values.items()})

    async def reply(self, text: str, markup: Markup = None) -> Message:
        return await self.context.bot.send_message(
            self.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def answer(self, text: str | None = None, alert: bool = False) -> None:
        """Answer the pressed button (Telegram requires it), optionally with a short toast."""
        await answer_query(self.update.callback_query, text, alert=alert)


async def answer_query(query: CallbackQuery | None, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a pressed button; one that is already answered (an update handled again after a crash) or too
    old is left alone: the answer only stops the button's spinner."""
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("callback query %s not answered: %s", query.id, exc)
