"""Many estates: `/start CODE` (the poster's link) binds a tenant to an estate, and their cases go to
that estate's staff group; a tenant without a link chooses from the list; staff work in their own group."""

from datetime import UTC, datetime

from backend.domain import Role
from backend.domain.enums import ResidentRole
from backend.models import Case, Complainant, Estate, Resident
from backend.services.estates import set_staff_estates
from tests.bot.conftest import t
from tests.bot.test_tenant_intake import file_a_case
from tests.factories import make_staff

HUAYUAN_GROUP = -100777


async def second_estate(desk) -> tuple[Estate, Estate]:
    """The default estate (STAFF_CHAT_ID's group) and 华苑小区 with its own staff group."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    default = await Estate.create(code="default", name="本小区", created_at=now, updated_at=now)
    huayuan = await Estate.create(
        code="HY01", name="华苑小区", staff_chat_id=HUAYUAN_GROUP, created_at=now, updated_at=now
    )
    return default, huayuan


async def test_start_with_an_estate_code_binds_the_tenant_and_routes_the_case(desk):
    _, huayuan = await second_estate(desk)
    group = desk.fake.add_group("华苑客服群", chat_id=HUAYUAN_GROUP)
    await desk.command("start", "hy01")  # a code typed in another letter case still works
    assert desk.last().startswith(
        t("Hello! This is the service desk of {estate}.", estate="华苑小区")
    )
    assert (await Complainant.get(telegram_id=desk.tenant.id)).estate_id == huayuan.id
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.estate_id == huayuan.id
    assert case.number in desk.fake.chat(group).last().text  # the card is in 华苑's group …
    assert desk.fake.chat(desk.staff_group).bot_messages() == []  # … and not in the default group


async def test_an_unknown_code_says_so_and_offers_the_list(desk):
    await second_estate(desk)
    await desk.command("start", "NOPE")
    texts = [m.text for m in desk.chat().bot_messages()]
    assert t("I could not find the estate of this link ({code}).", code="NOPE") in texts
    assert desk.with_button("华苑小区") and desk.with_button("本小区")
    assert (
        await Complainant.filter(telegram_id=desk.tenant.id, estate_id__not_isnull=True).count()
        == 0
    )


async def test_a_tenant_without_a_link_chooses_before_filing_and_the_case_follows(desk):
    _, huayuan = await second_estate(desk)
    desk.fake.add_group("华苑客服群", chat_id=HUAYUAN_GROUP)
    await desk.command("complain")
    assert desk.last() == t("Which estate do you live in (or keep your shop in)? Please choose:")
    await desk.press("华苑小区")
    assert desk.last() == t(
        "Please tell us what happened, in your own words: what, where, since when. "
        "You can send several messages and photos; press “That's all” when you are done."
    )
    await desk.send("3栋1202卫生间天花板一直在滴水，从昨晚开始")
    assert (await Complainant.get(telegram_id=desk.tenant.id)).estate_id == huayuan.id


async def test_a_single_estate_deployment_never_asks(desk):
    await desk.command("start")
    await desk.command("complain")
    assert desk.last() != t("Which estate do you live in (or keep your shop in)? Please choose:")
    await desk.command("estate")
    assert desk.last() == t("This service desk serves one estate: there is nothing to choose.")


async def test_an_old_estate_button_is_answered_politely(desk):
    _, huayuan = await second_estate(desk)
    await desk.command("estate")
    message = desk.with_button("华苑小区")
    huayuan.active = False
    await huayuan.save()
    await desk.process(desk.up.press(desk.tenant, message, "华苑小区"))
    answered = list(desk.fake.callback_queries.values())[-1]
    assert (answered.answer or {}).get("text") == t(
        "This button is no longer active. Please use the latest message."
    )
    assert await Complainant.filter(telegram_id=desk.tenant.id, estate_id=huayuan.id).count() == 0


async def test_staff_of_an_estate_group_work_its_cases_there(desk):
    _, huayuan = await second_estate(desk)
    group = desk.fake.add_group("华苑客服群", chat_id=HUAYUAN_GROUP)
    agent = desk.fake.add_user("小李", language_code="zh-hans")
    record = await make_staff(Role.AGENT, name="小李", telegram_id=agent.id)
    await set_staff_estates(record.id, [huayuan.id])  # with two estates, staff are named for theirs
    await desk.command("start", "HY01")
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    card = desk.fake.chat(group).bot_messages()[0]
    await desk.process(desk.up.press(agent, card, t("🙋 Claim")))
    case = await Case.get()
    assert case.owner_id is not None


async def test_a_phone_in_the_register_marks_the_case_verified_with_its_unit(desk):
    _, huayuan = await second_estate(desk)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    await Resident.create(
        estate=huayuan,
        building="5",
        unit="801",
        name="王芳",
        phone="+8613812345678",
        role=ResidentRole.OWNER,
        created_at=now,
        updated_at=now,
    )
    await desk.command("start", "HY01")
    await file_a_case(desk)  # shares +86 138 1234 5678 and names unit 3-1-1202
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.resident_verified is True and case.unit == "3-1-1202"  # what the tenant said stays


async def test_an_unknown_phone_is_accepted_unverified(desk):
    await second_estate(desk)
    await desk.command("start", "HY01")
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.resident_verified is False and case.status.value == "new"


async def test_an_agent_of_another_estate_cannot_work_the_case_or_look_it_up(desk):
    default, huayuan = await second_estate(desk)
    group = desk.fake.add_group("华苑客服群", chat_id=HUAYUAN_GROUP)
    outsider = desk.fake.add_user("老张", language_code="zh-hans")
    record = await make_staff(Role.AGENT, name="老张", telegram_id=outsider.id)
    await set_staff_estates(record.id, [default.id])
    await desk.command("start", "HY01")
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    card = desk.fake.chat(group).bot_messages()[0]
    await desk.process(desk.up.press(outsider, card, t("🙋 Claim")))
    assert (await Case.get(id=case.id)).owner_id is None
    await desk.command("case", case.number, user=outsider)
    assert desk.last(outsider) == t("No case with that number.")
