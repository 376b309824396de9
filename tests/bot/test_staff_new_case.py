"""`/new` from a staff member in a private chat: a case filed on behalf of a caller (issue #17)."""

import pytest

from backend.domain import ActorKind, Channel, Role, Severity
from backend.labels import category_name, channel_name
from backend.models import (
    Attachment,
    Case,
    CaseEvent,
    Complainant,
    OutboxMessage,
    TriageCorrection,
)
from bot.dialogs import load_dialog
from bot.staff.desk_draft import DeskDraft
from tests.bot.conftest import t
from tests.factories import make_staff

EN = "en"


def en(message: str, **values: object) -> str:
    """What the bot says to the staff member (English Telegram): tests do not depend on catalogs."""
    return t(message, EN, **values)


@pytest.fixture
async def guard(desk):
    """An active agent at the gate, whose Telegram is in English."""
    user = desk.fake.add_user("Guard Liu", language_code="en")
    record = await make_staff(Role.AGENT, name="小刘", telegram_id=user.id)
    return user, record


@pytest.fixture
async def manager(desk):
    user = desk.fake.add_user("经理", language_code="zh-hans")
    return await make_staff(Role.MANAGER, name="经理", telegram_id=user.id)


def channel_button(channel: Channel) -> str:
    icons = {Channel.WALK_IN: "🚶", Channel.PHONE: "📞", Channel.LETTER: "✉️"}
    return f"{icons[channel]} {channel_name(channel, EN)}"


def category_button(desk, code: str) -> str:
    return f"✅ {category_name(desk.ctx.settings.policy, code, EN)}"


async def fill_walk_in(desk, user, description="3栋电梯门关不上，夹到过人", phone="138 1234 5678"):
    await desk.command("new", user=user)
    await desk.press(channel_button(Channel.WALK_IN), user)
    await desk.send(phone, user)
    await desk.send("陈阿姨", user)
    await desk.send("3-1-1202", user)
    await desk.send(description, user)


async def outbox_kinds(case: Case) -> set[str]:
    return {m.kind for m in await OutboxMessage.filter(case_id=case.id)}


async def test_staff_files_a_walk_in_for_a_caller(desk, guard):
    user, record = guard
    await fill_walk_in(desk, user)
    await desk.press(category_button(desk, "facility"), user)
    summary = desk.last(user)
    assert en("Please check the case before filing it:") in summary
    assert "陈阿姨" in summary and "138 1234 5678" in summary and "3-1-1202" in summary
    assert await Case.all().count() == 0  # nothing filed before "Submit"
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert case.channel is Channel.WALK_IN and case.contact_phone == "+8613812345678"
    assert (case.contact_name, case.unit, case.category) == ("陈阿姨", "3-1-1202", "facility")
    caller = await Complainant.get(id=case.complainant_id)
    assert caller.phone == "+8613812345678" and caller.telegram_id is None  # by phone, no chat
    submitted = await CaseEvent.get(case_id=case.id, action="submit")
    assert (submitted.actor_kind, submitted.actor_id) == (ActorKind.STAFF, record.id)
    reply = desk.last(user)
    assert case.number in reply and en("Read this to the caller:") in reply
    assert (
        t(
            "Your case number is {number}. We will contact you before {time}.",
            case.locale,
            number=case.number,
            time="",
        ).split(case.number)[0]
        in reply
    )
    # The staff group gets its card; nobody gets a receipt (the caller has no chat).
    assert case.number in desk.fake.chat(desk.staff_group).last().text
    assert "receipt" not in await outbox_kinds(case)
    assert await load_dialog(user.id, user.id) is None


async def test_a_duplicate_submit_files_one_case(desk, guard):
    user, _ = guard
    await fill_walk_in(desk, user)
    await desk.press(category_button(desk, "facility"), user)
    summary = desk.with_button(en("✅ Submit"), user)
    press = desk.up.press(user, summary, en("✅ Submit"))
    await desk.process(press)
    await desk.process(desk.up.redeliver(press))  # Telegram delivers the same update again
    await desk.process(desk.up.press(user, summary, en("✅ Submit")))  # pressed twice
    assert await Case.all().count() == 1
    assert await OutboxMessage.filter(kind="staff_card").count() == 1


async def test_a_retried_submit_after_a_crash_returns_the_case_already_filed(
    desk, guard, monkeypatch
):
    from tortoise.exceptions import OperationalError

    from bot.staff import new_case

    user, _ = guard
    await fill_walk_in(desk, user)
    await desk.press(category_button(desk, "facility"), user)
    original = new_case.clear_dialog

    async def dies(*args, **kwargs):
        raise OperationalError("the instance died after filing")

    monkeypatch.setattr(new_case, "clear_dialog", dies)
    await desk.press(en("✅ Submit"), user)  # filed, but the form was not ended
    assert await Case.all().count() == 1 and await load_dialog(user.id, user.id) is not None
    monkeypatch.setattr(new_case, "clear_dialog", original)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert case.number in desk.last(user) and await Case.all().count() == 1
    assert case.client_key.startswith(f"tgdesk:{user.id}:")


async def test_a_tenants_new_still_starts_their_own_complaint(desk):
    await desk.command("new")
    assert desk.last() == t(
        "Please tell us what happened, in your own words: what, where, since when. "
        "You can send several messages and photos; press “That's all” when you are done."
    )
    dialog = await load_dialog(desk.tenant.id, desk.tenant.id)
    assert dialog.flow.value == "intake"


async def test_an_inactive_staff_member_is_treated_as_a_tenant(desk):
    user = desk.fake.add_user("Former guard", language_code="en")
    await make_staff(Role.AGENT, name="老王", telegram_id=user.id, active=False)
    await desk.command("new", user=user)
    dialog = await load_dialog(user.id, user.id)
    assert dialog.flow.value == "intake"
    assert en("How did the complaint come in?") not in desk.chat(user).texts()


async def test_staff_deactivated_mid_form_cannot_file(desk, guard):
    user, record = guard
    await fill_walk_in(desk, user)
    record.active = False
    await record.save()
    await desk.press(category_button(desk, "facility"), user)
    assert desk.last(user) == en(
        "Only registered staff can do this. Ask an administrator to add you."
    )
    assert await Case.all().count() == 0 and await load_dialog(user.id, user.id) is None


async def test_a_bad_phone_is_refused_and_the_form_goes_on(desk, guard):
    user, _ = guard
    await desk.command("new", user=user)
    await desk.press(channel_button(Channel.PHONE), user)
    assert desk.with_button(channel_button(Channel.PHONE), user)
    await desk.send("12345", user)
    assert desk.last(user).startswith(en("That does not look like a phone number.")[:20])
    assert (await load_dialog(user.id, user.id)).state == "phone"
    await desk.send("13900001111", user)
    assert desk.last(user) == en("The caller's name? (optional)")
    draft = (await load_dialog(user.id, user.id)).payload
    assert draft.phone == "+8613900001111" and draft.channel == "phone"


async def test_a_call_needs_a_phone_and_a_walk_in_without_one_needs_a_name(desk, guard):
    user, _ = guard
    await desk.command("new", user=user)
    await desk.press(channel_button(Channel.PHONE), user)
    with pytest.raises(LookupError):  # a call always has a number: no "No phone number" button
        desk.with_button(en("No phone number"), user)
    await desk.command("cancel", user=user)
    await desk.command("new", user=user)
    await desk.press(channel_button(Channel.WALK_IN), user)
    await desk.press(en("No phone number"), user)
    assert desk.last(user) == en("The caller's name? Without a phone number it is required.")
    await desk.send("李师傅", user)
    await desk.press(en("Skip"), user)  # no unit
    await desk.send("小区东门的路灯坏了一个星期了", user)
    await desk.press(category_button(desk, "facility"), user)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert (case.contact_phone, case.contact_name, case.unit) == ("", "李师傅", "")


async def test_an_emergency_warns_and_is_filed_as_major_with_alerts(desk, guard, manager):
    user, _ = guard
    await fill_walk_in(desk, user, description="2栋有人困在电梯里，按铃没人应")
    warning = desk.last(user)
    assert warning.startswith(
        en("Triage: <b>{category}</b> · {severity}", category="", severity="")[:7]
    )
    assert (
        en(
            "⚠️ Emergency ({triggers}): it is filed as major and the managers are alerted.",
            triggers="",
        )[:12]
        in warning
    )
    await desk.press(category_button(desk, "security"), user)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert case.severity is Severity.MAJOR and case.channel is Channel.WALK_IN
    assert {"staff_card", "manager_alert"} <= await outbox_kinds(case)
    assert "receipt" not in await outbox_kinds(case)
    assert en("Duty phone: {phone}", phone="400-800-1234") in desk.last(user)


async def test_staff_changes_the_category_and_the_override_is_recorded(desk, guard):
    user, _ = guard
    await fill_walk_in(desk, user, description="楼下每天半夜唱歌")
    await desk.press(en("Other…"), user)
    await desk.press(category_name(desk.ctx.settings.policy, "noise", EN), user)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert (case.category, case.category_suggested) == ("noise", "facility")
    correction = await TriageCorrection.get(case_id=case.id)
    assert correction.actor_kind is ActorKind.STAFF


async def test_change_from_the_summary_returns_to_it(desk, guard):
    user, _ = guard
    await fill_walk_in(desk, user)
    await desk.press(category_button(desk, "facility"), user)
    await desk.press(en("✏️ Change"), user)
    await desk.press(en("Place"), user)
    await desk.send("5-2-301", user)
    assert en("Please check the case before filing it:") in desk.last(user)
    assert "5-2-301" in desk.last(user)


async def test_cancel_leaves_nothing_filed_and_old_buttons_are_answered(desk, guard):
    user, _ = guard
    await fill_walk_in(desk, user)
    await desk.command("cancel", user=user)
    assert desk.last(user) == en("Stopped. Nothing was filed. Send /new to register another case.")
    assert await load_dialog(user.id, user.id) is None
    await desk.press(category_button(desk, "facility"), user)  # a button of the finished form
    assert await Case.all().count() == 0


async def test_typed_text_where_a_button_is_expected_keeps_the_form(desk, guard):
    user, _ = guard
    await desk.command("new", user=user)
    await desk.send("walk in", user)
    assert desk.last(user) == en("Please choose one of the buttons above, or send /cancel to stop.")
    assert (await load_dialog(user.id, user.id)).state == "channel"
    await desk.press(channel_button(Channel.LETTER), user)
    assert (await load_dialog(user.id, user.id)).payload.channel == "letter"


async def test_a_button_of_an_earlier_form_is_no_longer_active(desk, guard):
    user, _ = guard
    await desk.command("new", user=user)
    old = desk.with_button(channel_button(Channel.WALK_IN), user)
    await desk.command("new", user=user)
    update = desk.up.press(user, old, channel_button(Channel.WALK_IN))
    await desk.process(update)
    answer = desk.fake.callback_queries[update.callback_query.id].answer or {}
    assert answer.get("text") == en(
        "This button is no longer active. Please use the latest message."
    )
    assert (await load_dialog(user.id, user.id)).state == "channel"


async def test_an_expired_form_says_so_and_files_nothing(desk, guard, clock):
    user, _ = guard
    await fill_walk_in(desk, user)
    clock.advance(hours=3)
    await desk.press(category_button(desk, "facility"), user)
    assert desk.last(user) == en(
        "The form was put aside after a long pause; nothing was filed. Send /new to start again."
    )
    assert await Case.all().count() == 0 and await load_dialog(user.id, user.id) is None


async def test_the_payload_round_trips_and_survives_bad_rows(desk):
    draft = DeskDraft(channel="walk_in", phone="+8613812345678", triggers=["fire"], editing=True)
    assert DeskDraft.from_json(draft.to_json()) == draft
    broken = DeskDraft.from_json({"key": 5, "files": [{"x": 1}], "editing": "yes", "triggers": "x"})
    assert broken.key and broken.files == [] and broken.editing is False and broken.triggers == []


async def test_a_possible_emergency_asks_and_yes_files_it_as_major(desk, guard, manager, triager):
    from dataclasses import replace

    from bot.tenant import safety

    user, _ = guard
    triager.result = replace(triager.result, safety_check="lift_trapped")
    await fill_walk_in(desk, user, description="5栋的电梯停在两层中间了")
    assert en(safety.question_for("lift_trapped")) in desk.last(user)
    await desk.press(en("🚨 Emergency"), user)
    assert en(
        "⚠️ Emergency ({triggers}): it is filed as major and the managers are alerted.",
        triggers="",
    )[:12] in desk.last(user)
    await desk.press(category_button(desk, "facility"), user)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert case.severity is Severity.MAJOR and "manager_alert" in await outbox_kinds(case)


async def test_a_photographed_letter_is_kept_with_the_case(desk, guard):
    user, _ = guard
    await desk.command("new", user=user)
    await desk.press(channel_button(Channel.LETTER), user)
    await desk.send("13812345678", user)
    await desk.press(en("Skip"), user)
    await desk.press(en("Skip"), user)
    await desk.process(desk.up.photo(user))  # the scanned letter first, no words yet
    assert desk.last(user) == en("Kept ({count} so far). Now type the description.", count=1)
    await desk.send("业主来信：地下车库照明长期不足", user)
    await desk.press(category_button(desk, "facility"), user)
    await desk.press(en("✅ Submit"), user)
    case = await Case.get()
    assert case.channel is Channel.LETTER and case.contact_name == ""
    assert await Attachment.filter(case_id=case.id).count() == 1
