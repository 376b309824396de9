"""The follow-up survey (回访) in the tenant's chat."""

from backend.domain import Status
from backend.domain.commands import Claim, Resolve
from backend.models import Case, OutboxMessage
from bot.delivery import deliver_due
from scheduler import sweep_all
from tests.bot.conftest import t
from tests.bot.test_tenant_cases import submitted_case
from tests.factories import actor_for, make_staff


async def resolved_and_surveyed(desk, clock) -> Case:
    case = await submitted_case(desk)
    agent = await make_staff(name="小李")
    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(Resolve(ref=case.number, resolution="已更换灯泡"), actor_for(agent))
    clock.advance(hours=4)
    await sweep_all(desk.ctx)
    await deliver_due(desk.ctx, desk.app.bot)
    assert desk.last() == t(
        "Follow-up on case {number}: is the problem solved?", number=case.number
    )
    return case


async def test_solved_rated_and_commented(desk, clock):
    case = await resolved_and_surveyed(desk, clock)
    await desk.press(t("✅ Solved"))
    await desk.press("5 ⭐")
    await case.refresh_from_db()
    assert (
        case.status is Status.CLOSED and case.satisfaction == 5 and case.close_reason == "confirmed"
    )
    await desk.send("师傅来得很快，谢谢")
    assert desk.last() == t("Thank you, we have noted your comment.")
    await case.refresh_from_db()
    assert case.satisfaction_comment == "师傅来得很快，谢谢"


async def test_not_solved_reopens_and_the_staff_card_follows(desk, clock):
    case = await resolved_and_surveyed(desk, clock)
    await desk.press(t("❌ Not solved"))
    await case.refresh_from_db()
    assert (
        case.status is Status.IN_PROGRESS and case.escalation_level == 2 and case.reopen_count == 1
    )
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    assert t("Escalation level: {level}", level=2) in card.text


async def test_an_old_survey_button_after_closing_is_answered_kindly(desk, clock):
    case = await resolved_and_surveyed(desk, clock)
    survey_message = desk.with_button(t("✅ Solved"))
    await desk.press(t("✅ Solved"))
    await desk.press("4 ⭐")
    await desk.process(desk.up.press(desk.tenant, survey_message, t("❌ Not solved")))
    await case.refresh_from_db()
    assert case.status is Status.CLOSED and case.satisfaction == 4
    answer = desk.fake.calls_for("answerCallbackQuery")[-1]
    assert answer.params.get("text") == t("This follow-up is already finished. Thank you!")


async def test_someone_else_cannot_answer_the_survey(desk, clock):
    case = await resolved_and_surveyed(desk, clock)
    stranger = desk.fake.add_user("陌生人")
    survey_message = desk.with_button(t("✅ Solved"))
    await desk.process(desk.up.callback(stranger, survey_message, f"v:no:{case.id}"))
    await case.refresh_from_db()
    assert case.status is Status.RESOLVED


async def test_unanswered_survey_is_reminded_once_then_closed(desk, clock):
    case = await resolved_and_surveyed(desk, clock)
    clock.advance(hours=24)
    await sweep_all(desk.ctx)
    await deliver_due(desk.ctx, desk.app.bot)
    assert desk.last() == t(
        "A gentle reminder — case {number}: is the problem solved? Your answer helps us improve.",
        number=case.number,
    )
    clock.advance(hours=48)
    await sweep_all(desk.ctx)
    await case.refresh_from_db()
    assert case.status is Status.CLOSED and case.close_reason == "no_response"
    assert await OutboxMessage.filter(kind="survey_reminder").count() == 1


async def test_a_comment_handled_twice_is_kept_once(desk, clock, monkeypatch):
    from backend.models import CaseEvent
    from bot.dialogs import load_dialog
    from bot.tenant import survey

    case = await resolved_and_surveyed(desk, clock)
    await desk.press(t("✅ Solved"))
    await desk.press("5 ⭐")

    async def crash(*args):
        raise ConnectionError("database went away")

    monkeypatch.setattr(
        survey, "clear_dialog", crash
    )  # the instance fails after the comment was kept
    await desk.send("师傅来得很快")
    assert desk.last() == t(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    monkeypatch.undo()
    assert (
        await load_dialog(desk.tenant.id, desk.tenant.id) is not None
    )  # the comment step is still open
    await desk.send("师傅来得很快")  # the tenant tries again: the comment is kept once
    assert desk.last() == t("Thank you, we have noted your comment.")
    await case.refresh_from_db()
    assert case.satisfaction_comment == "师傅来得很快"
    assert await CaseEvent.filter(case_id=case.id, action="comment").count() == 1
