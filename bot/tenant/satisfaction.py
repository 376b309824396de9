"""The twice-yearly satisfaction question in the tenant's chat."""

from telegram import InlineKeyboardMarkup

from backend.i18n import N_, _
from backend.services.satisfaction import record_answer

from ..callbacks import Callback, Scope, cb, number
from ..text import button
from ..turn import Turn

SCOPE = Scope.SATISFACTION
QUESTION = N_(
    "Hello! Our twice-yearly survey: overall, how satisfied are you with our property services? "
    "(1 = very dissatisfied, 5 = very satisfied)"
)


def question(survey_id: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    stars = [button(f"{n} ⭐", cb(SCOPE, str(survey_id), str(n))) for n in range(1, 6)]
    return _(QUESTION, locale), InlineKeyboardMarkup([stars])


async def on_callback(turn: Turn, callback: Callback) -> None:
    answered = (
        turn.complainant is not None
        and (survey_id := number(callback.action)) is not None
        and (score := number(callback.argument)) is not None
        and await record_answer(survey_id, turn.complainant.id, score, turn.ctx.clock.now())
    )
    if not answered:
        await turn.answer(turn.plain("Thank you — we already have your answer."))
        return
    await turn.answer()
    await turn.reply(turn.t("Thank you for your answer! It helps us serve you better."))
