"""Staff work a case from the group: claim, progress, resolve — the tenant hears each step."""

from datetime import timedelta

import pytest

from backend.domain import Role, Status
from backend.models import (
    Case,
    CaseEvent,
    Department,
    InboxUpdate,
    OutboxMessage,
    TriageCorrection,
)
from bot.delivery import deliver_due
from bot.dialogs import load_dialog
from tests.bot.conftest import t
from tests.bot.test_tenant_cases import submitted_case
from tests.factories import make_staff


@pytest.fixture
async def staff(desk):
    """Two registered agents in the staff group, and one member who is not registered."""
    people = {}
    for name, role in (("小李", Role.AGENT), ("小张", Role.AGENT), ("陈主管", Role.SUPERVISOR)):
        user = desk.fake.add_user(name, language_code="zh-hans")
        record = await make_staff(role, name=name, telegram_id=user.id)
        people[name] = (user, record)
    people["路人"] = (desk.fake.add_user("路人"), None)
    return people


def card(desk):
    return desk.fake.chat(desk.staff_group).bot_messages()[0]


async def press_card(desk, user, label):
    await desk.process(desk.up.press(user, card(desk), t(label)))


async def reply_in_group(desk, user, text):
    prompt = desk.fake.chat(desk.staff_group).last()
    await desk.process(desk.up.text(user, text, chat=desk.staff_group, reply_to=prompt))


async def test_full_case_from_tenant_to_resolution(desk, staff):
    case = await submitted_case(desk)
    li, _ = staff["小李"]
    assert case.number in card(desk).text
    await press_card(desk, li, "🙋 Claim")
    assert t("Owner: {name}", name="小李") in card(desk).text and card(desk).edited
    # The owner gets the full phone number privately; the group only the masked one.
    assert "138 1234 5678" in desk.fake.chat(li).last().text
    assert "1234 5678" not in card(desk).text and "138****5678" in card(desk).text
    await press_card(desk, li, "▶️ Start")
    await press_card(desk, li, "📝 Progress…")
    await reply_in_group(desk, li, "师傅已到现场，正在更换水管")
    await press_card(desk, li, "✅ Resolve…")
    await reply_in_group(desk, li, "水管接头已更换，已试水不漏")
    await case.refresh_from_db()
    assert case.status is Status.RESOLVED and case.resolution == "水管接头已更换，已试水不漏"
    tenant_texts = desk.chat().texts()
    assert (
        t("Your case {number} has been taken on by {owner}.", number=case.number, owner="小李")
        in tenant_texts
    )
    assert (
        t("Update on case {number}: {note}", number=case.number, note="师傅已到现场，正在更换水管")
        in tenant_texts
    )
    assert (
        t(
            "Case {number} has been resolved: {note}",
            number=case.number,
            note="水管接头已更换，已试水不漏",
        )
        in tenant_texts
    )
    assert card(desk).buttons == []  # resolved: the next step is the tenant's


async def test_unregistered_member_press_changes_nothing(desk, staff):
    case = await submitted_case(desk)
    stranger, _ = staff["路人"]
    await press_card(desk, stranger, "🙋 Claim")
    await case.refresh_from_db()
    assert case.status is Status.NEW and case.owner_id is None
    answer = desk.fake.calls_for("answerCallbackQuery")[-1]
    assert answer.params.get("show_alert") and answer.params.get("text") == t(
        "Only registered staff can do this. Ask an administrator to add you."
    )


async def test_two_claims_one_wins_the_other_is_told(desk, staff):
    case = await submitted_case(desk)
    (li, li_record), (zhang, _) = staff["小李"], staff["小张"]
    first = desk.up.press(li, card(desk), t("🙋 Claim"))
    second = desk.up.press(zhang, card(desk), t("🙋 Claim"))
    await desk.process(first)
    await desk.process(second)
    await case.refresh_from_db()
    assert case.owner_id == li_record.id
    answer = desk.fake.calls_for("answerCallbackQuery")[-1]
    assert answer.params.get("text") == t("Already claimed by {owner}.", owner="小李")


async def test_forged_callback_for_a_missing_case(desk, staff):
    await submitted_case(desk)
    li, _ = staff["小李"]
    for data in ("s:claim:999999", "s:claim:abc", "s:nuke:1"):
        await desk.process(desk.up.callback(li, card(desk), data))
    assert (await Case.get()).status is Status.NEW


async def test_agent_cannot_resolve_a_colleagues_case(desk, staff):
    case = await submitted_case(desk)
    (li, _), (zhang, _) = staff["小李"], staff["小张"]
    await press_card(desk, li, "🙋 Claim")
    await press_card(desk, zhang, "✅ Resolve…")
    await reply_in_group(desk, zhang, "我来办结")
    assert desk.fake.chat(desk.staff_group).last().text == t("Your role does not allow this.")
    await case.refresh_from_db()
    assert case.status is Status.ASSIGNED


async def test_assign_to_a_department_and_change_category(desk, staff):
    await Department.create(code="engineering", name="工程部")
    case = await submitted_case(desk)
    supervisor, _ = staff["陈主管"]
    await press_card(desk, supervisor, "📤 Assign…")
    menu = desk.fake.chat(desk.staff_group).last()
    await desk.process(desk.up.press(supervisor, menu, "🏢 工程部"))
    await case.refresh_from_db()
    assert case.department_id is not None and case.status is Status.ASSIGNED
    await press_card(desk, supervisor, "🏷 Category/severity…")
    menu = desk.fake.chat(desk.staff_group).last()
    await desk.process(desk.up.press(supervisor, menu, "环境卫生"))
    await reply_in_group(desk, supervisor, "其实是楼道卫生问题")
    await case.refresh_from_db()
    assert case.category == "environment"
    assert (await TriageCorrection.get()).corrected == "environment"


async def test_the_assign_menu_offers_the_department_the_policy_routes_the_category_to_first(
    desk, staff
):
    for code, name in (
        ("security", "保安部"),
        ("cleaning", "保洁部"),
        ("customer_service", "客服部"),
        ("engineering", "工程部"),
    ):
        await Department.create(code=code, name=name)
    case = await submitted_case(desk)
    assert (
        case.category == "facility"
        and desk.ctx.settings.policy.department_for("facility") == "engineering"
    )
    supervisor, _ = staff["陈主管"]
    await press_card(desk, supervisor, "📤 Assign…")
    rows = [label for row in desk.fake.chat(desk.staff_group).last().buttons for label, _ in row]
    assert rows[:4] == ["🏢 工程部", "🏢 保安部", "🏢 保洁部", "🏢 客服部"]


async def test_telegram_429_is_waited_out_and_nothing_is_lost(desk, clock):
    desk.fake.fail_next(
        "sendMessage", chat_id=desk.staff_group.id, kind="retry_after", retry_after=30
    )
    case = await submitted_case(desk)
    card_row = await OutboxMessage.get(kind="staff_card")
    assert card_row.sent_at is None and card_row.next_attempt_at == clock.now() + timedelta(
        seconds=30
    )
    await deliver_due(desk.ctx, desk.app.bot)
    assert desk.fake.chat(desk.staff_group).bot_messages() == []  # still waiting as told
    clock.advance(seconds=31)
    await deliver_due(desk.ctx, desk.app.bot)
    assert case.number in card(desk).text


async def test_network_errors_are_retried_with_backoff_without_duplicates(desk, clock):
    desk.fake.fail_next("sendMessage", chat_id=desk.staff_group.id, kind="network", times=2)
    await submitted_case(desk)
    for _ in range(4):
        clock.advance(minutes=1)
        await deliver_due(desk.ctx, desk.app.bot)
    assert len(desk.fake.chat(desk.staff_group).bot_messages()) == 1
    row = await OutboxMessage.get(kind="staff_card")
    assert row.sent_at is not None and row.attempts == 2


async def test_outbox_replay_after_restart_sends_nothing_twice(desk, clock):
    await submitted_case(desk)
    sent_before = len(desk.fake.message_calls())
    await desk.restart()
    clock.advance(minutes=5)  # any lease has expired
    report = await deliver_due(desk.ctx, desk.app.bot)
    assert report.sent == 0 and len(desk.fake.message_calls()) == sent_before


async def test_blocked_tenant_does_not_block_the_queue(desk, staff):
    case = await submitted_case(desk)
    desk.fake.block(desk.tenant)
    li, _ = staff["小李"]
    await press_card(desk, li, "🙋 Claim")
    update = await OutboxMessage.get(kind="tenant_update")
    assert update.failed_at is not None and update.sent_at is None
    assert t("Owner: {name}", name="小李") in card(desk).text
    assert case.number in desk.fake.chat(li).last().text


async def test_staff_commands(desk, staff):
    case = await submitted_case(desk)
    li, _ = staff["小李"]
    stranger, _ = staff["路人"]
    await desk.process(desk.up.command(li, "queue", chat=desk.staff_group))
    assert case.number in desk.fake.chat(desk.staff_group).last().text
    await desk.process(desk.up.command(stranger, "queue", chat=desk.staff_group))
    assert desk.fake.chat(desk.staff_group).last().text == t(
        "Only registered staff can do this. Ask an administrator to add you."
    )
    await desk.process(desk.up.command(li, "case", case.number))
    assert case.number in desk.fake.chat(li).last().text


async def test_the_card_shows_what_triage_read_in_the_tenants_words(desk, triager):
    import nlp
    from tests.bot.test_tenant_intake import file_a_case

    text = "我们这栋三十多户，晚上都被工地打桩吵得睡不着"
    triager.result = nlp.classify(text)  # the real classifier for this one text
    await file_a_case(desk, text=text)
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.triage["triggers"] == ["collective"]
    text = card(desk).text
    assert t("Triage read: {reasons}", reasons="").split("{")[0].strip() in text
    assert t("3 or more households") in text and "三十多户" in text


# ---- replies to a prompt: once, and kept until they worked ----------------------------------------


async def notes_of(case) -> list[str]:
    return [e.note for e in await CaseEvent.filter(case_id=case.id, action="note").order_by("id")]


async def prompted_note(desk, staff):
    """A claimed case whose owner pressed 📝 Progress… and is asked for the note."""
    case = await submitted_case(desk)
    li, _ = staff["小李"]
    await press_card(desk, li, "🙋 Claim")
    await press_card(desk, li, "📝 Progress…")
    return case, li


async def test_a_reply_handled_again_after_a_crash_adds_its_note_once(desk, staff):
    case, li = await prompted_note(desk, staff)
    prompt = desk.fake.chat(desk.staff_group).last()
    reply = desk.up.text(li, "师傅已到现场", chat=desk.staff_group, reply_to=prompt)
    await desk.process(reply)
    # The instance died before marking the update done: the update is handled again.
    await InboxUpdate.filter(update_id=reply.update_id).delete()
    await desk.process(desk.up.redeliver(reply))
    assert await notes_of(case) == ["师傅已到现场"]
    group = desk.fake.chat(desk.staff_group).texts()
    assert group.count(t("Done: case {number} updated.", number=case.number)) == 1


async def test_a_crash_while_ending_the_prompt_leaves_no_note_and_the_reply_can_come_again(
    desk, staff, monkeypatch
):
    from backend.services import staff_prompts

    case, li = await prompted_note(desk, staff)
    prompt = desk.fake.chat(desk.staff_group).last()
    reply = desk.up.text(li, "师傅已到现场", chat=desk.staff_group, reply_to=prompt)

    async def crash(*args):
        raise ConnectionError("database went away")

    monkeypatch.setattr(staff_prompts, "remove_dialog", crash)
    await desk.process(reply)
    monkeypatch.undo()
    assert desk.fake.chat(desk.staff_group).last().text == t(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    assert await notes_of(case) == []  # the note and the prompt's end are one commit
    await InboxUpdate.filter(update_id=reply.update_id).delete()
    await desk.process(desk.up.redeliver(reply))
    assert await notes_of(case) == ["师傅已到现场"]
    assert await load_dialog(desk.staff_group.id, li.id) is None


async def test_a_refused_text_keeps_the_prompt_for_a_second_try(desk, staff):
    case, li = await prompted_note(desk, staff)
    await reply_in_group(desk, li, "很长的说明。" * 700)  # over 4000 characters
    assert desk.fake.chat(desk.staff_group).last().text == t(
        "That did not work: the text is empty, too long, or changes nothing."
    )
    assert await notes_of(case) == []
    await reply_in_group(desk, li, "师傅已到现场")
    assert await notes_of(case) == ["师傅已到现场"]
    assert desk.fake.chat(desk.staff_group).last().text == t(
        "Done: case {number} updated.", number=case.number
    )
    assert await load_dialog(desk.staff_group.id, li.id) is None


async def test_a_refused_role_ends_the_prompt(desk, staff):
    await submitted_case(desk)
    (li, _), (zhang, _) = staff["小李"], staff["小张"]
    await press_card(desk, li, "🙋 Claim")
    await press_card(desk, zhang, "✅ Resolve…")
    await reply_in_group(desk, zhang, "我来办结")
    assert desk.fake.chat(desk.staff_group).last().text == t("Your role does not allow this.")
    # Writing again cannot help: the next message in the group is chatter, not a reply to the prompt.
    assert await load_dialog(desk.staff_group.id, zhang.id) is None
