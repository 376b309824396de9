"""Telegram's limits (issue 14, rows 3 and 10): long texts arrive, split or shortened with where to read the
rest; plain-text places (toasts, button labels, captions) show names as written, never HTML-escaped.

Everything goes through the fake Bot API, which refuses what Telegram refuses (4 096 per message, 1 024 per
caption, 200 per toast, broken HTML)."""

from backend.domain import Role
from backend.domain.commands import AddNote, Assign, Claim
from backend.models import Case, CaseEvent, OutboxMessage
from bot.delivery import deliver_due
from tests.bot.conftest import t
from tests.bot.test_tenant_cases import submitted_case
from tests.factories import actor_for, make_staff

MAX_TEXT, MAX_CAPTION, MAX_LABEL = (
    4096,
    1024,
    64,
)  # Telegram's limits; a sensible one for button labels


def dashboard_line(desk, number: str) -> str:
    url = f"{desk.ctx.settings.base_url}/dashboard/cases/{number}"
    return t("… more in the dashboard: {url}", url=url)


def shown(message) -> str:
    """What a person sees of a stored message (the fake keeps the parsed text)."""
    return message.text if message.text is not None else (message.caption or "")


async def colleague(desk, name: str, role: Role = Role.AGENT, staff_name: str = ""):
    """A registered staff member with a Telegram account the fake knows."""
    user = desk.fake.add_user(name, language_code="zh-hans")
    return user, await make_staff(role, name=staff_name or name, telegram_id=user.id)


async def nothing_failed() -> None:
    failed = await OutboxMessage.filter(failed_at__isnull=False).values_list("kind", "last_error")
    assert failed == []
    assert not await OutboxMessage.filter(sent_at=None).exists()


async def describe_at_length(desk, parts: list[str], user=None) -> None:
    """The intake with a description of several long messages (each under the 4 000 a message may have)."""
    await desk.command("complain", user=user)
    for part in parts:
        await desk.send(part, user=user)
    await desk.press(t("That's all"), user=user)
    await desk.press(t("✅ Correct"), user=user)
    await desk.send("3-1-1202", user=user)
    await desk.process(desk.up.contact(user or desk.tenant, "+86 138 1234 5678"))
    await desk.send("王芳", user=user)
    await desk.press(t("Skip"), user=user)
    await desk.press(t("Skip"), user=user)
    await desk.press(t("✅ Submit"), user=user)


# ---- row 3: nothing over 4 096 is lost ----------------------------------------------------------------


async def test_status_after_two_long_public_notes_comes_in_parts_with_every_word(desk):
    case = await submitted_case(desk)
    _, agent = await colleague(desk, "小李")
    await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    # Text that HTML must escape, around where a cut would fall.
    first = ("水管&阀门<更换>" * 375)[:3000]
    second = ("师傅明天上午九点上门 & 检查" * 100)[:1500]
    await desk.ctx.cases.handle(AddNote(ref=case.number, note=first), actor_for(agent))
    await desk.ctx.cases.handle(AddNote(ref=case.number, note=second), actor_for(agent))
    await deliver_due(desk.ctx, desk.app.bot)
    await nothing_failed()
    before = len(desk.chat().bot_messages())

    await desk.command("status", case.number)

    answer = desk.chat().bot_messages()[before:]
    assert len(answer) >= 2 and all(len(shown(m)) <= MAX_TEXT for m in answer)
    together = "\n".join(shown(m) for m in answer)
    assert t("Case {number}", number=case.number) in together
    assert first in together and second in together
    assert (
        t("Sorry, something went wrong on our side. Please try again in a moment.") not in together
    )


async def test_the_owner_brief_of_a_long_case_with_ten_internal_notes_arrives_shortened(desk):
    description = [
        "卫生间天花板漏水，" * 300,
        "楼上装修以后开始渗水，" * 250,
        "已经联系过楼上住户，" * 250,
    ]
    await describe_at_length(desk, [part[:3900] for part in description])
    case = await Case.get()
    _, supervisor = await colleague(desk, "陈主管", Role.SUPERVISOR)
    owner_user, owner = await colleague(desk, "小李")
    notes = [f"内部备注{i}：" + "需要协调楼上住户开门检查管道，" * 20 for i in range(10)]
    for note in notes:
        await desk.ctx.cases.handle(
            AddNote(ref=case.number, note=note, to_tenant=False), actor_for(supervisor)
        )

    await desk.ctx.cases.handle(Assign(ref=case.number, staff_id=owner.id), actor_for(supervisor))
    await deliver_due(desk.ctx, desk.app.bot)

    await nothing_failed()
    brief = shown(desk.fake.chat(owner_user).last())
    assert len(brief) <= MAX_TEXT
    assert brief.startswith(t("You own case {number}.", number=case.number))
    assert "138 1234 5678" in brief  # the full phone number, as the region writes it
    assert brief.endswith(dashboard_line(desk, case.number))
    assert "内部备注9" in brief  # the history keeps its room; the description gave way
    # Nothing is lost: the case keeps every word.
    await case.refresh_from_db()
    assert case.description == "\n".join(part[:3900] for part in description)
    assert {e.note for e in await CaseEvent.filter(case_id=case.id, action="note")} == set(notes)


async def test_a_4000_character_description_on_the_staff_card(desk):
    words = "3栋1202卫生间天花板一直在滴水，从昨晚开始。" * 200
    await describe_at_length(desk, [words[:3990]])
    case = await Case.get()
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    text = shown(card)
    assert len(text) <= MAX_TEXT and case.number in text
    assert words[:1000] in text and words[:3990] not in text
    assert text.endswith(dashboard_line(desk, case.number))
    # The card is edited in place as the case moves: the edit keeps it one message.
    agent_user, _ = await colleague(desk, "小李")
    await desk.process(desk.up.press(agent_user, card, t("🙋 Claim")))
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    assert card.edited and t("Owner: {name}", name="小李") in shown(card)
    assert shown(card).endswith(dashboard_line(desk, case.number))
    await nothing_failed()


async def test_a_caption_over_1024_is_shortened_under_the_photo(desk):
    words = "照片里是楼道天花板渗水的位置，墙皮已经起泡。" * 60
    await desk.command("complain")
    await desk.send("楼道天花板渗水")
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("3-1-1202")
    await desk.process(desk.up.contact(desk.tenant, "+86 138 1234 5678"))
    await desk.press(t("Call me {name}", name="王芳"))
    await desk.process(desk.up.photo(desk.tenant, caption=words[:MAX_CAPTION]))
    await desk.press(t("Done"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))

    await nothing_failed()
    case = await Case.get()
    photo = next(m for m in desk.fake.chat(desk.staff_group).bot_messages() if m.photo)
    assert len(photo.caption) <= MAX_CAPTION
    assert photo.caption.startswith(f"📷 {case.number} · 1/1\n{words[:300]}")
    assert photo.caption.endswith(dashboard_line(desk, case.number))


# ---- row 10: plain text where Telegram shows plain text -------------------------------------------------


async def test_a_toast_shows_a_name_with_quote_and_ampersand_as_written(desk):
    await submitted_case(desk)
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    oneil, _ = await colleague(desk, "Neil", staff_name="O'Neil & Co")
    other, _ = await colleague(desk, "小张")
    first, second = (
        desk.up.press(oneil, card, t("🙋 Claim")),
        desk.up.press(other, card, t("🙋 Claim")),
    )
    await desk.process(first)
    await desk.process(second)
    toast = desk.fake.calls_for("answerCallbackQuery")[-1].params["text"]
    assert toast == t("Already claimed by {owner}.", owner="O'Neil & Co") == "已被O'Neil & Co接单。"
    # The card (HTML) still escapes the name and shows it right.
    assert t("Owner: {name}", name="O'Neil & Co") in shown(
        desk.fake.chat(desk.staff_group).bot_messages()[0]
    )


async def test_button_labels_with_ampersand_are_plain(desk):
    tenant = desk.fake.add_user("O'Neil & Co", language_code="zh-hans")
    await file_a_case_as(desk, tenant, unit="A&B座-1202")
    # The name button of the first case, pressed in file_a_case_as, and the unit remembered for the next.
    await desk.command("complain", user=tenant)
    await desk.send("门口的灯又坏了", user=tenant)
    await desk.press(t("That's all"), user=tenant)
    await desk.press(t("✅ Correct"), user=tenant)
    unit_button = t("Use {unit} again", unit="A&B座-1202")
    assert desk.with_button(unit_button, user=tenant)
    labels = [
        text for m in desk.chat(tenant).bot_messages() for row in m.buttons for text, _ in row
    ]
    assert not any("&amp;" in label or "&#x27;" in label for label in labels)
    assert all(len(label) <= MAX_LABEL for label in labels)


async def file_a_case_as(desk, user, unit: str) -> None:
    await desk.command("complain", user=user)
    await desk.send("3栋1202卫生间天花板一直在滴水", user=user)
    await desk.press(t("That's all"), user=user)
    await desk.press(t("✅ Correct"), user=user)
    await desk.send(unit, user=user)
    await desk.process(desk.up.contact(user, "+86 138 1234 5678"))
    await desk.press(t("Call me {name}", name="O'Neil & Co"), user=user)
    await desk.press(t("Skip"), user=user)
    await desk.press(t("Skip"), user=user)
    await desk.press(t("✅ Submit"), user=user)
    assert (await Case.get()).contact_name == "O'Neil & Co"


async def test_a_long_staff_name_makes_a_short_assign_button(desk):
    await submitted_case(desk)
    supervisor_user, _ = await colleague(desk, "陈主管", Role.SUPERVISOR)
    await make_staff(Role.AGENT, name="维修 & 保洁 " + "外包服务有限公司" * 11)
    card = desk.fake.chat(desk.staff_group).bot_messages()[0]
    await desk.process(desk.up.press(supervisor_user, card, t("📤 Assign…")))
    menu = desk.fake.chat(desk.staff_group).last()
    labels = [text for row in menu.buttons for text, _ in row]
    long_one = next(label for label in labels if label.startswith("👤 维修 & 保洁"))
    assert len(long_one) <= MAX_LABEL and long_one.endswith("…")
