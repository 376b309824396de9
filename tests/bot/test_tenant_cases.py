"""A tenant follows their own cases, and only their own."""

from backend.domain import Role, Status
from backend.domain.commands import AddNote, Claim, Resolve, Start
from backend.models import Case
from bot.delivery import deliver_due
from tests.bot.conftest import t
from tests.bot.test_tenant_intake import file_a_case
from tests.factories import actor_for, make_staff


async def submitted_case(desk) -> Case:
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    return await Case.get()


async def test_my_cases_lists_newest_first_and_opens_a_timeline(desk):
    case = await submitted_case(desk)
    await desk.command("mycases")
    assert case.number in desk.last()
    await desk.press(case.number)
    timeline = desk.last()
    assert t("Case {number}", number=case.number) in timeline and t("Received") in timeline


async def test_status_of_someone_elses_case_looks_like_no_case(desk):
    case = await submitted_case(desk)
    stranger = desk.fake.add_user("陌生人", language_code="zh-hans")
    await desk.command("status", case.number, user=stranger)
    not_found = desk.last(stranger)
    await desk.command("status", "QC-20990101-0001", user=stranger)
    assert (
        desk.last(stranger)
        == not_found
        == t(
            "We could not find that case number among your cases. Please check it, or send /mycases."
        )
    )
    await desk.command("status", case.number.lower())
    assert t("Case {number}", number=case.number) in desk.last()


async def test_staff_updates_reach_the_tenant_in_their_chat(desk):
    case = await submitted_case(desk)
    agent = await make_staff(Role.AGENT, name="小李")
    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(
        AddNote(ref=case.number, note="维修师傅下午两点上门"), actor_for(agent)
    )
    await desk.ctx.cases.handle(
        AddNote(ref=case.number, note="内部备注：需要买配件", to_tenant=False), actor_for(agent)
    )
    await desk.ctx.cases.handle(
        Resolve(ref=case.number, resolution="已更换水管接头"), actor_for(agent)
    )
    await deliver_due(desk.ctx, desk.app.bot)
    texts = desk.chat().texts()
    assert (
        t("Your case {number} has been taken on by {owner}.", number=case.number, owner="小李")
        in texts
    )
    assert (
        t("Update on case {number}: {note}", number=case.number, note="维修师傅下午两点上门")
        in texts
    )
    assert (
        t("Case {number} has been resolved: {note}", number=case.number, note="已更换水管接头")
        in texts
    )
    assert not any("内部备注" in text for text in texts)
    await desk.command("status", case.number)
    assert "内部备注" not in desk.last() and "维修师傅下午两点上门" in desk.last()


async def test_cancel_own_case_only_before_work_starts(desk):
    case = await submitted_case(desk)
    await desk.command("cancel", case.number)
    assert desk.last() == t("Case {number} is cancelled.", number=case.number)
    await case.refresh_from_db()
    assert case.status is Status.CANCELLED
    second = desk.fake.add_user("张三", language_code="zh-hans")
    await desk.command("cancel", case.number, user=second)
    assert desk.last(second) == t(
        "We could not find that case number among your cases. Please check it, or send /mycases."
    )


async def test_cancel_is_confirmed_once_and_a_repeat_says_it_is_already_cancelled(desk):
    case = await submitted_case(desk)
    before = len(desk.chat().texts())
    await desk.command("cancel", case.number)
    await deliver_due(desk.ctx, desk.app.bot)  # the outbox must not confirm it a second time
    await desk.command("cancel", case.number)
    await deliver_due(desk.ctx, desk.app.bot)
    assert desk.chat().texts()[before:] == [
        t("Case {number} is cancelled.", number=case.number),
        t("Case {number} was already cancelled.", number=case.number),
    ]


async def test_cancelling_a_resolved_case_says_it_is_resolved(desk):
    case = await submitted_case(desk)
    agent = await make_staff()
    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(Resolve(ref=case.number, resolution="已修好"), actor_for(agent))
    await desk.command("cancel", case.number)
    assert desk.last() == t(
        "Case {number} is already resolved, so there is nothing to cancel.", number=case.number
    )
    await case.refresh_from_db()
    assert case.status is Status.RESOLVED


async def test_started_case_cannot_be_cancelled_by_the_tenant(desk):
    case = await submitted_case(desk)
    agent = await make_staff()
    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(Start(ref=case.number), actor_for(agent))
    await desk.command("cancel", case.number)
    assert desk.last() == t(
        "Work on case {number} has already started, so it can no longer be cancelled. "
        "If you no longer need it, please tell the colleague handling it.",
        number=case.number,
    )


async def test_forged_and_stale_buttons_are_answered_and_change_nothing(desk):
    await desk.command("start")
    menu = desk.chat().last()
    for data in ("i:submit", "zz:top", "c:open:QC-20990101-0001", "x" * 64):
        await desk.process(desk.up.callback(desk.tenant, menu, data))
    assert await Case.all().count() == 0
