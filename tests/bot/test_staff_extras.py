"""Invites, duty officers, major cases, photos, forum topics and Telegram's sending limits."""

from dataclasses import replace
from datetime import UTC, datetime

from backend.domain import Role, Severity
from backend.domain.commands import AddNote, Claim, Start
from backend.models import Case, OutboxMessage, Staff
from backend.services.staff import create_invite
from bot.budget import budget_for
from bot.delivery import deliver_due
from tests.bot.conftest import t
from tests.bot.test_tenant_cases import submitted_case
from tests.factories import make_staff


async def test_new_colleague_joins_with_a_one_time_code(desk, clock):
    code = await create_invite("周师傅", "agent", clock.now())
    person = desk.fake.add_user("周")
    await desk.command("join", code.lower(), user=person)
    assert desk.last(person) == t(
        "Welcome, {name}! You are registered as {role}. Send /queue to see unclaimed cases.",
        name="周师傅",
        role=t("agent"),
    )
    staff = await Staff.get(telegram_id=person.id)
    assert (staff.name, staff.role) == ("周师傅", Role.AGENT)
    someone_else = desk.fake.add_user("冒用者")
    await desk.command("join", code, user=someone_else)  # used once only
    assert not await Staff.filter(telegram_id=someone_else.id).exists()


async def test_expired_invite_is_refused(desk, clock):
    code = await create_invite("吴", "agent", clock.now())
    clock.advance(days=8)
    person = desk.fake.add_user("吴")
    await desk.command("join", code, user=person)
    assert desk.last(person) == t(
        "This code is unknown, already used or expired. Please ask your administrator for a new one."
    )


async def test_off_hours_case_reaches_the_duty_officer_with_buttons(desk, clock):
    officer_user = desk.fake.add_user("值班主管")
    await make_staff(Role.SUPERVISOR, name="值班主管", telegram_id=officer_user.id)
    await desk.command("duty", "on", user=officer_user)
    assert (await Staff.get(telegram_id=officer_user.id)).on_duty
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    case = await submitted_case(desk)
    card = desk.fake.chat(officer_user).last()
    assert case.number in card.text and t("🙋 Claim") in [
        label for row in card.buttons for label, _ in row
    ]
    await desk.process(desk.up.press(officer_user, card, t("🙋 Claim")))
    await case.refresh_from_db()
    assert case.owner_id is not None


async def test_major_card_mentions_the_managers(desk, triager):
    manager_user = desk.fake.add_user("刘经理")
    await make_staff(Role.MANAGER, name="刘经理", telegram_id=manager_user.id)
    await desk.command("complain")
    await desk.send("地下车库着火了")
    case = await Case.get()
    assert case.severity is Severity.MAJOR
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    assert card.text.startswith("🔴") and "刘经理" in card.text
    assert any(
        e.get("type") == "text_mention" and e["user"]["id"] == manager_user.id
        for e in card.entities
    )
    assert case.number in desk.fake.chat(manager_user).last().text  # and told privately at once


async def test_first_photo_goes_under_the_card_with_the_count(desk):
    await desk.command("complain")
    await desk.process(desk.up.photo(desk.tenant, caption="天花板渗水"))
    await desk.process(desk.up.photo(desk.tenant))
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("3-1-1202")
    await desk.send("13812345678")
    await desk.send("王芳")
    await desk.press(t("Done"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))
    card, photo = desk.fake.chat(desk.staff_group).bot_messages()[:2]
    assert photo.photo and photo.caption.splitlines() == [
        f"📷 {card.text.split()[0]} · 1/2",
        "天花板渗水",
    ]
    assert photo.data.get("reply_to_message", {}).get("message_id") == card.message_id


async def test_forum_group_gets_one_topic_per_case(settings, clock, triager):
    from backend.context import AppContext
    from bot.fake_telegram import FakeBotApi
    from tests.bot.conftest import Desk

    fake = FakeBotApi()
    ctx = AppContext.build(
        replace(settings, bot_token=fake.token, staff_topics=True), clock, classify=triager
    )
    async with Desk(ctx, fake, forum=True) as desk:
        case = await submitted_case(desk)
        await case.refresh_from_db()
        assert case.staff_thread_id is not None
        assert len(fake.calls_for("createForumTopic")) == 1
        card = fake.chat(desk.staff_group).bot_messages()[-1]
        assert card.data.get("message_thread_id") == case.staff_thread_id
        agent_user = fake.add_user("小李")
        await make_staff(Role.AGENT, name="小李", telegram_id=agent_user.id)
        await desk.process(desk.up.press(agent_user, card, t("🙋 Claim")))
        assert (
            t("Owner: {name}", name="小李") in fake.chat(desk.staff_group).get(card.message_id).text
        )
        assert len(fake.calls_for("createForumTopic")) == 1


async def test_group_cards_respect_twenty_a_minute(desk, clock):
    from backend.services.actors import Actor
    from tests.factories import tenant_draft

    for i in range(25):
        person = desk.fake.add_user(f"住户{i}")
        await desk.ctx.cases.submit(
            tenant_draft(f"{i}号路灯不亮", telegram_id=person.id), Actor.system()
        )
    budget = budget_for(desk.ctx.settings)
    cards = lambda: len(desk.fake.calls_for("sendMessage", chat_id=desk.staff_group.id))  # noqa: E731
    await deliver_due(desk.ctx, desk.app.bot, budget=budget)
    assert desk.fake.max_calls_in_window(1.0) <= 30  # about 30 a second overall
    for _ in range(59):
        clock.advance(seconds=1)
        await deliver_due(desk.ctx, desk.app.bot, budget=budget)
    assert cards() == 20  # at most 20 a minute into the group …
    assert (
        await OutboxMessage.filter(kind="receipt", sent_at__isnull=True).count() == 0
    )  # … tenants not held up
    clock.advance(seconds=2)
    await deliver_due(desk.ctx, desk.app.bot, budget=budget)
    assert cards() == 25


async def test_several_refreshes_of_one_card_become_one_edit(desk):
    case = await submitted_case(desk)
    agent = await make_staff(name="小王")
    from tests.factories import actor_for

    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(Start(ref=case.number), actor_for(agent))
    await desk.ctx.cases.handle(AddNote(ref=case.number, note="配件已订"), actor_for(agent))
    edits_before = len(desk.fake.calls_for("editMessageText"))
    await deliver_due(desk.ctx, desk.app.bot)
    assert len(desk.fake.calls_for("editMessageText")) - edits_before == 1


async def test_dashboard_link_in_private_for_staff_only(desk):
    from backend.models import SignInLink

    supervisor = desk.fake.add_user("陈主管")
    await make_staff(Role.SUPERVISOR, name="陈主管", telegram_id=supervisor.id)
    await desk.command("dashboard", user=supervisor)
    assert "/dashboard/sign-in/" in desk.last(supervisor)
    await desk.command("dashboard")  # a tenant
    assert desk.last() == t("Only registered staff can do this. Ask an administrator to add you.")
    assert await SignInLink.all().count() == 1


async def test_a_group_backlog_does_not_hold_up_receipts(desk, clock):
    from backend.services.actors import Actor
    from tests.factories import tenant_draft

    for i in range(130):  # more waiting group cards than one delivery round reads
        person = desk.fake.add_user(f"业主{i}")
        await desk.ctx.cases.submit(
            tenant_draft(f"{i}栋门禁坏了", telegram_id=person.id), Actor.system()
        )
    budget = budget_for(desk.ctx.settings)
    for _ in range(10):
        await deliver_due(desk.ctx, desk.app.bot, budget=budget)
        clock.advance(seconds=1)
    assert await OutboxMessage.filter(kind="receipt", sent_at__isnull=True).count() == 0
    assert await OutboxMessage.filter(kind="staff_card", sent_at__isnull=False).count() == 20
