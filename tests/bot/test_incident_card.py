"""One outage, one incident: one card in the staff group, one note to every tenant, one resolution.

The tenants file through the case service (the bot's intake is tested elsewhere); everything the bot
sends goes through the outbox and the fake Bot API at Telegram's limits.
"""

from backend.domain import Role, Status
from backend.models import Case, CaseEvent, Incident, IncidentStatus, OutboxMessage
from backend.services.actors import Actor
from bot.delivery import UPDATE_TEXT
from bot.staff.incident_card import COUNTER
from scheduler.sweeps import sweep_all
from tests.bot.conftest import t
from tests.factories import make_staff, tenant_draft

OUTAGE = ["7栋停水了，什么时候来水", "家里没水了", "7号楼断水了，一滴水都没有", "停水了吗？"]
LOCALES = ["zh_CN", "zh_TW", "en"]
TELEGRAM_LANGUAGE = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "en": "en"}


async def drain(desk, clock, rounds: int = 40) -> None:
    """Deliver until nothing is waiting, letting time pass as Telegram's limits need."""
    for _ in range(rounds):
        await desk.ctx.deliver()
        waiting = await OutboxMessage.filter(sent_at__isnull=True, failed_at__isnull=True).count()
        if not waiting:
            return
        clock.advance(seconds=5)
    raise AssertionError("the outbox did not drain")


async def storm(desk, clock, count: int = 20, *, building: str = "7"):
    """`count` tenants of one building report the water cut, a few seconds apart."""
    tenants = []
    for i in range(count):
        locale = LOCALES[i % 3]
        user = desk.fake.add_user(f"住户{i}", language_code=TELEGRAM_LANGUAGE[locale])
        draft = tenant_draft(
            OUTAGE[i % len(OUTAGE)],
            telegram_id=user.id,
            unit=f"{building}-{1 + i % 2}-{101 + i}",
            locale=locale,
            category="facility",
        )
        await desk.ctx.cases.submit(draft, Actor.system())
        tenants.append((user, locale))
        clock.advance(seconds=3)
        if i % 5 == 4:
            await desk.ctx.deliver()
    await drain(desk, clock)
    return tenants


def group_posts(desk):
    return desk.fake.calls_for("sendMessage", desk.staff_group.id)


def incident_card(desk):
    heading = t("Incident #{id}", id="")
    cards = [
        m
        for m in desk.fake.chat(desk.staff_group).bot_messages()
        if (m.text or "").startswith(("🚨", "✅")) and heading in m.text
    ]
    assert len(cards) == 1, [m.text for m in desk.fake.chat(desk.staff_group).bot_messages()]
    return cards[0]


async def test_twenty_reports_of_one_water_cut_make_one_card_edited_with_the_counter(desk, clock):
    manager_user = desk.fake.add_user("王经理", language_code="zh-hans")
    manager = await make_staff(Role.MANAGER, name="王经理", telegram_id=manager_user.id)
    tenants = await storm(desk, clock)
    incident = await Incident.get()
    cases = await Case.filter(incident_id=incident.id)
    assert len(cases) == 20 and incident.status is IncidentStatus.PROPOSED
    assert all(c.severity.value == "major" for c in cases)
    # Cases 1 and 2 came before the incident: their own cards. Then the incident's one card.
    assert len(group_posts(desk)) <= 3
    card = incident_card(desk)
    assert card.edited
    assert t(COUNTER, households=20, latest="").split("·")[0].strip() in card.text
    # Coalesced: the storm lasted a minute, so at most one edit of the card every 10 s.
    edits = [
        call
        for call in desk.fake.calls_for("editMessageText", desk.staff_group.id)
        if int(call.params["message_id"]) == card.message_id
    ]
    assert 1 <= len(edits) <= 7
    # Every tenant has their receipt; the managers were told once.
    for user, _locale in tenants:
        assert desk.fake.chat(user).bot_messages(), user
    alerts = await OutboxMessage.filter(kind="manager_alert", chat_id=manager.telegram_id).count()
    assert alerts == 1


async def test_a_case_of_another_building_or_category_stays_out(desk, clock):
    await storm(desk, clock, count=5)
    other = desk.fake.add_user("邻楼住户", language_code="zh-hans")
    await desk.ctx.cases.submit(
        tenant_draft("停水了", telegram_id=other.id, unit="8-1-101", category="facility"),
        Actor.system(),
    )
    lift = desk.fake.add_user("电梯住户", language_code="zh-hans")
    await desk.ctx.cases.submit(
        tenant_draft("停水了", telegram_id=lift.id, unit="7-1-999", category="environment"),
        Actor.system(),
    )
    leak = desk.fake.add_user("漏水住户", language_code="zh-hans")
    await desk.ctx.cases.submit(
        tenant_draft(
            "楼上漏水到我家天花板", telegram_id=leak.id, unit="7-2-888", category="facility"
        ),
        Actor.system(),
    )
    no_building = desk.fake.add_user("无楼号", language_code="zh-hans")
    await desk.ctx.cases.submit(
        tenant_draft("停水了", telegram_id=no_building.id, unit="", category="facility"),
        Actor.system(),
    )
    await drain(desk, clock)
    await sweep_all(desk.ctx)  # the safety net does not pull them in either
    incident = await Incident.get()
    assert await Case.filter(incident_id=incident.id).count() == 5
    for unit in ("8-1-101", "7-1-999", "7-2-888", ""):
        case = await Case.get(unit=unit)
        assert case.incident_id is None
        assert case.number in " ".join(
            m.text or "" for m in desk.fake.chat(desk.staff_group).bot_messages()
        )


async def staff_member(desk, role=Role.SUPERVISOR, name="陈主管"):
    user = desk.fake.add_user(name, language_code="zh-hans")
    await make_staff(role, name=name, telegram_id=user.id)
    return user


async def reply_to_prompt(desk, user, text):
    prompt = desk.fake.chat(desk.staff_group).last()
    update = desk.up.text(user, text, chat=desk.staff_group, reply_to=prompt)
    await desk.process(update)
    return update


async def test_one_note_reaches_every_tenant_once_in_their_language(desk, clock):
    tenants = await storm(desk, clock, count=9)
    supervisor = await staff_member(desk)
    await desk.process(desk.up.press(supervisor, incident_card(desk), t("📢 Progress to all…")))
    note = "预计 18:00 恢复供水"
    update = await reply_to_prompt(desk, supervisor, note)
    await desk.process(update)  # the same update again (a redelivery): nothing more is sent
    await drain(desk, clock)
    incident = await Incident.get()
    for user, locale in tenants:
        case = await Case.get(complainant__telegram_id=user.id)
        expected = t(UPDATE_TEXT["note"], locale, number=case.number, note=note)
        assert desk.fake.chat(user).texts().count(expected) == 1, (
            locale,
            desk.fake.chat(user).texts(),
        )
    assert await CaseEvent.filter(action="note", note=note, public=True).count() == 9
    assert [n.kind for n in await incident.notes.all()].count("note") == 1
    # At most the allowed rate into private chats.
    assert desk.fake.max_calls_in_window(1.0) <= 30


async def test_resolving_the_incident_resolves_every_case_and_sends_each_survey(desk, clock):
    tenants = await storm(desk, clock, count=6)
    supervisor = await staff_member(desk)
    await desk.process(desk.up.press(supervisor, incident_card(desk), t("👍 Confirm incident")))
    assert (await Incident.get()).status is IncidentStatus.CONFIRMED
    await desk.process(desk.up.press(supervisor, incident_card(desk), t("✅ Resolve all…")))
    await reply_to_prompt(desk, supervisor, "供水管道已抢修完毕，已恢复供水")
    await drain(desk, clock)
    incident = await Incident.get()
    assert incident.status is IncidentStatus.RESOLVED
    assert {c.status for c in await Case.filter(incident_id=incident.id)} == {Status.RESOLVED}
    card = incident_card(desk)
    assert not card.buttons or all(
        t("✅ Resolve all…") not in label for row in card.buttons for label, _ in row
    )
    clock.advance(hours=30)
    await sweep_all(desk.ctx)
    await drain(desk, clock)
    assert await OutboxMessage.filter(kind="survey").count() == len(tenants)


async def test_removing_a_case_from_the_incident_posts_its_own_card(desk, clock):
    await storm(desk, clock, count=5)
    incident = await Incident.get()
    supervisor = await staff_member(desk)
    from backend.services.staff import staff_actor

    actor = await staff_actor(supervisor.id)
    last = await Case.filter(incident_id=incident.id).order_by("-id").first()
    posts = len(group_posts(desk))
    assert await desk.ctx.cases.incidents.remove_case(incident.id, last.id, actor)
    assert not await desk.ctx.cases.incidents.remove_case(
        incident.id, last.id, actor
    )  # twice: once
    await drain(desk, clock)
    await last.refresh_from_db()
    assert last.incident_id is None
    assert len(group_posts(desk)) == posts + 1
    assert last.number in desk.fake.chat(desk.staff_group).bot_messages()[-1].text
