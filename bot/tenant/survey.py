"""The follow-up survey in the tenant's chat: solved? then a 1–5 rating and an optional comment."""

from enum import StrEnum

from telegram import InlineKeyboardMarkup

from backend.domain import DomainError, Status
from backend.domain.commands import AnswerSurvey, CommentSurvey
from backend.i18n import N_, _
from backend.models import Case
from backend.services.actors import Actor
from backend.services.dialogs import Flow
from backend.services.tenant_queries import own_case_by_id

from ..callbacks import Callback, Scope, cb, number
from ..dialogs import DialogState, SurveyComment, clear_dialog, save_dialog
from ..text import button
from ..turn import Turn

SCOPE = Scope.SURVEY
FLOW = Flow.SURVEY


class SurveyStep(StrEnum):
    COMMENT = "comment"  # the rating is in; the tenant's next message is a comment


STARS = ("1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐")
QUESTION = N_("Follow-up on case {number}: is the problem solved?")
REMINDER = N_(
    "A gentle reminder — case {number}: is the problem solved? Your answer helps us improve."
)


def survey_keyboard(case_id: int, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(_("✅ Solved", locale), cb(SCOPE, "yes", str(case_id))),
                button(_("❌ Not solved", locale), cb(SCOPE, "no", str(case_id))),
            ]
        ]
    )


async def _own_case(turn: Turn, argument: str) -> Case | None:
    case_id = number(argument.split(":", 1)[0])
    if case_id is None or turn.complainant is None:
        return None
    return await own_case_by_id(case_id, turn.complainant.id)


async def on_callback(turn: Turn, callback: Callback) -> None:
    case = await _own_case(turn, callback.argument)
    if case is None or turn.complainant is None:  # a case is only found for its complainant
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message.")
        )
        return
    if case.status is not Status.RESOLVED and callback.action in ("yes", "no", "rate"):
        await turn.answer(turn.plain("This follow-up is already finished. Thank you!"))
        return
    await turn.answer()
    actor = Actor.tenant(turn.complainant.id, turn.complainant.name)
    try:
        if callback.action == "yes":
            stars = [button(s, cb(SCOPE, "rate", f"{case.id}:{i}")) for i, s in enumerate(STARS, 1)]
            await turn.reply(
                turn.t(
                    "Glad to hear it. How satisfied are you with how we handled it? (1 = poor, 5 = excellent)"
                ),
                InlineKeyboardMarkup([stars]),
            )
        elif callback.action == "no":
            await turn.ctx.cases.handle(AnswerSurvey(ref=case.id, solved=False), actor)
            await turn.reply(
                turn.t(
                    "We are sorry it is not solved yet. Case {number} is being handled again, "
                    "and a senior colleague will follow it.",
                    number=case.number,
                )
            )
        elif callback.action == "rate":
            score = (
                (number(callback.argument.rsplit(":", 1)[1]) or 0)
                if callback.argument.count(":") == 1
                else 0
            )
            await turn.ctx.cases.handle(
                AnswerSurvey(ref=case.id, solved=True, satisfaction=score), actor
            )
            await save_dialog(
                DialogState(
                    turn.chat_id, turn.user_id, FLOW, SurveyStep.COMMENT, SurveyComment(case.id)
                ),
                turn.ctx.clock.now(),
            )
            await turn.reply(
                turn.t(
                    "Thank you for your rating! Anything else you would like to tell us? Just reply, or press “Skip”."
                ),
                InlineKeyboardMarkup(
                    [[button(turn.plain("Skip"), cb(SCOPE, "skip", str(case.id)))]]
                ),
            )
        elif callback.action == "skip":
            await clear_dialog(turn.chat_id, turn.user_id)
            await turn.reply(turn.t("Thank you. Case {number} is closed.", number=case.number))
    except DomainError:
        await turn.reply(turn.t("This follow-up is already finished. Thank you!"))
    else:
        await turn.ctx.deliver()


async def on_comment(turn: Turn, dialog: DialogState) -> None:
    text = (turn.message.text or "").strip()
    if not text:
        await turn.reply(turn.t("Please write your comment as text, or press “Skip”."))
        return
    comment = dialog.payload
    try:  # kept before the dialog ends: an update handled again after a crash records it once
        if (
            isinstance(comment, SurveyComment)
            and comment.case_id is not None
            and turn.complainant is not None
        ):
            await turn.ctx.cases.handle(
                CommentSurvey(ref=comment.case_id, comment=text[:2000]),
                Actor.tenant(turn.complainant.id),
            )
    except DomainError:
        pass  # the comment is a courtesy; a closed or reopened case keeps working without it
    await clear_dialog(turn.chat_id, turn.user_id)
    await turn.reply(turn.t("Thank you, we have noted your comment."))
