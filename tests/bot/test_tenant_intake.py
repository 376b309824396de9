"""A tenant files a case from their phone: the whole dialog through the real Application."""

from backend.domain import Severity, Status
from backend.models import Attachment, Case, Complainant, OutboxMessage, TriageCorrection
from tests.bot.conftest import t
from tests.conftest import FakeTriage


async def file_a_case(desk, text="3栋1202卫生间天花板一直在滴水，从昨晚开始") -> None:
    await desk.command("complain")
    await desk.send(text)
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("3-1-1202")
    await desk.process(desk.up.contact(desk.tenant, "+86 138 1234 5678"))
    await desk.press(t("Call me {name}", name="王芳"))
    await desk.press(t("Skip"))
    await desk.press(t("Skip"))


async def test_happy_path_from_complaint_to_receipt(desk):
    await desk.command("start")
    assert desk.with_button(t("📝 File a complaint or repair"))
    await file_a_case(desk)
    summary = desk.last()
    assert "3-1-1202" in summary and "138 1234 5678" in summary and "王芳" in summary
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.status is Status.NEW and case.unit == "3-1-1202" and case.contact_name == "王芳"
    assert case.category == "facility" and "滴水" in case.description
    receipt = desk.last()
    assert (
        case.number in receipt
        and t("To see its progress, send /status {number} or /mycases.", number=case.number)
        in receipt
    )
    assert (await OutboxMessage.get(kind="receipt")).sent_at is not None
    # The staff card went out too, the phone number masked.
    card = desk.fake.chat(desk.staff_group).last().text
    assert case.number in card and "138****5678" in card and "13812345678" not in card


async def test_several_messages_and_a_photo_make_one_description(desk):
    await desk.command("complain")
    await desk.send("楼上装修")
    await desk.process(desk.up.photo(desk.tenant, caption="墙上裂缝"))
    await desk.send("每天早上七点就开始")
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("5-2-301")
    await desk.send("13900001111")
    await desk.send("李先生")
    await desk.press(t("Done"))
    await desk.send("希望限制施工时间")
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.description == "楼上装修\n墙上裂缝\n每天早上七点就开始"
    assert case.expectation == "希望限制施工时间" and case.contact_name == "李先生"
    assert await Attachment.filter(case_id=case.id).count() == 1


async def test_tenant_corrects_the_category(desk):
    await desk.command("complain")
    await desk.send("楼下天天半夜唱歌")
    await desk.press(t("That's all"))
    await desk.press(t("Other…"))
    await desk.press("噪音扰民")
    assert (
        t(
            "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
        )
        in desk.last()
    )
    await desk.send("6-1-902")
    await desk.send("13600001111")
    await desk.send("孙先生")
    await desk.press(t("Skip"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert (case.category, case.category_suggested) == ("noise", "facility")
    correction = await TriageCorrection.get(case_id=case.id)
    assert (correction.suggested, correction.corrected, correction.actor_kind.value) == (
        "facility",
        "noise",
        "tenant",
    )


async def test_emergency_is_answered_at_once_and_filed_before_questions(desk, clock):
    await desk.command("complain")
    await desk.send("厨房里有很重的煤气味")
    texts = desk.chat().texts()
    assert any(t("Property duty phone: {phone}", phone="400-800-1234") in x for x in texts)
    case = await Case.get()
    assert case.severity is Severity.MAJOR and case.category == "security"
    assert case.number in desk.last() or any(case.number in x for x in texts)
    await desk.send("2-1-602")
    await desk.send("13700002222")
    await desk.send("赵女士")
    await case.refresh_from_db()
    assert (case.unit, case.contact_phone, case.contact_name) == (
        "2-1-602",
        "+8613700002222",
        "赵女士",
    )
    assert case.number in desk.last()
    assert await Case.all().count() == 1


async def test_emergency_reply_leads_with_what_to_do_then_the_alert_then_number_and_time(desk):
    from bot.tenant import safety

    await desk.command("complain")
    before = len(desk.chat().texts())
    await desk.send("厨房里有很重的煤气味")
    case = await Case.get()
    advice, receipt, question = desk.chat().texts()[before:]
    assert advice == t(safety.advice_for(())) + "\n" + t(
        "Property duty phone: {phone}", phone="400-800-1234"
    )
    assert receipt.splitlines()[:2] == [
        t("🚨 The staff on duty have been alerted."),
        t("✅ Received. Your case number is {number}.", number=case.number),
    ]
    assert question == t(
        "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
    )


async def test_a_repeat_or_hazard_does_not_claim_that_the_duty_staff_were_alerted(desk, triager):
    """Triage's triggers name a repeat, a hazard, a household count too: only an emergency alerts."""
    triager.result = FakeTriage(severity="important", triggers=("repeat",))
    await file_a_case(desk, "电梯又坏了，第三次了")
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.severity is Severity.IMPORTANT and case.number in desk.last()
    assert t("🚨 The staff on duty have been alerted.") not in desk.last()


async def test_cancel_after_an_emergency_says_the_case_stands(desk):
    await desk.command("complain")
    await desk.send("厨房里有很重的煤气味")
    case = await Case.get()
    await desk.command("cancel")
    assert desk.last() == t(
        "Case {number} stands and our staff are on it; we skipped the remaining questions. "
        "Send /status {number} to follow it.",
        number=case.number,
    )
    await case.refresh_from_db()
    assert case.status is Status.NEW
    await desk.command("cancel")  # nothing left to stop
    assert desk.last() == t(
        "There is nothing to stop right now. To cancel a filed case, send /cancel CASE-NUMBER."
    )


async def test_the_tenant_is_shown_the_category_not_the_severity(desk, triager):
    from tests.conftest import FakeTriage

    triager.result = FakeTriage("facility", "important", "repair")
    await desk.command("complain")
    await desk.send("电梯又坏了，这个月第三次")
    await desk.press(t("That's all"))
    from backend.labels import category_name

    label = category_name(desk.ctx.settings.policy, "facility", "zh_CN")
    assert desk.last() == t("This looks like <b>{label}</b>. Is that right?", label=label).replace(
        "<b>", ""
    ).replace("</b>", "")
    assert "重要" not in desk.last() and "一般" not in desk.last()


async def test_unexpected_input_keeps_the_step(desk):
    await desk.command("complain")
    await desk.process(desk.up.sticker(desk.tenant))
    assert "voice" in t(
        "We can only read text and photos here. Please describe the problem in words (voice messages cannot be handled yet).",
        "en",
    )
    assert desk.last() == t(
        "We can only read text and photos here. Please describe the problem in words (voice messages cannot be handled yet)."
    )
    await desk.send("门禁坏了")
    await desk.press(t("That's all"))
    await desk.process(desk.up.voice(desk.tenant))
    assert desk.last() == t("Please choose one of the buttons above, or send /cancel to stop.")
    await desk.send("x" * 5000)
    assert "buttons" in t("Please choose one of the buttons above, or send /cancel to stop.", "en")
    await desk.press(t("✅ Correct"))  # still on the triage step
    await desk.send("")  # an empty text is refused politely
    await desk.send("a" * 65)
    assert desk.last() == t(
        "Please type the building, unit and room (for example 3-1-1202), or your shop number."
    )


async def test_bad_phone_is_asked_again(desk):
    await desk.command("complain")
    await desk.send("路灯不亮")
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("1-1-101")
    await desk.send("12345")
    assert desk.last() == t(
        "That does not look like a phone number. Please type it again, for example {example}, "
        "or with + and the country code.",
        example="131 2345 6789",
    )


async def test_submit_pressed_twice_and_duplicate_update_make_one_case(desk):
    await file_a_case(desk)
    summary = desk.with_button(t("✅ Submit"))
    press = desk.up.press(desk.tenant, summary, t("✅ Submit"))
    await desk.process(press)
    await desk.process(desk.up.redeliver(press))
    await desk.process(desk.up.press(desk.tenant, summary, t("✅ Submit")))
    assert await Case.all().count() == 1
    assert await OutboxMessage.filter(kind="receipt").count() == 1


async def test_dialog_survives_a_restart(desk):
    await desk.command("complain")
    await desk.send("电梯按钮失灵")
    await desk.restart()
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    assert (
        t(
            "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
        )
        in desk.last()
    )


async def test_cancel_leaves_the_dialog_and_files_nothing(desk):
    await desk.command("complain")
    await desk.send("垃圾没人收")
    await desk.command("cancel")
    assert desk.last() == t("Stopped. Nothing was filed. Send /complain whenever you need us.")
    await desk.press(t("That's all"))  # an old button from the finished dialog
    assert await Case.all().count() == 0


async def test_idle_dialog_expires_with_a_friendly_message(desk, clock):
    await desk.command("complain")
    await desk.send("垃圾没人收")
    clock.advance(hours=3)
    await desk.send("还有")
    assert desk.last() == t(
        "Your unfinished case was put aside after a long pause. Send /complain to start again."
    )


async def test_database_failure_at_submit_loses_nothing(desk, monkeypatch):
    from tortoise.exceptions import OperationalError

    await file_a_case(desk)
    original = desk.ctx.cases.submit

    async def down(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(desk.ctx.cases, "submit", down)
    await desk.press(t("✅ Submit"))
    assert (
        t(
            "Sorry, we could not save your case just now. Everything you typed is kept: please press “Submit” again in a moment."
        )
        in desk.last()
    )
    monkeypatch.setattr(desk.ctx.cases, "submit", original)
    await desk.press(t("✅ Submit"))
    assert await Case.all().count() == 1


async def test_next_complaint_offers_the_remembered_unit_and_phone(desk):
    await file_a_case(desk)
    await desk.press(t("✅ Submit"))
    await desk.command("complain")
    await desk.send("楼道灯又坏了")
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.press(t("Use {unit} again", unit="3-1-1202"))
    await desk.press(t("Yes, use this number"))
    assert (await Complainant.get()).phone == "+8613812345678"


async def test_group_chat_points_to_the_private_chat(desk):
    group = desk.fake.add_group("3栋业主群", members={desk.tenant: "member"})
    await desk.process(desk.up.command(desk.tenant, "complain", chat=group))
    assert "t.me/" in desk.fake.chat(group).last().text
    assert await Case.all().count() == 0


async def test_commands_are_registered_per_language_and_a_refusal_is_survived(desk):
    from bot.app import register_commands

    await register_commands(desk.app)
    calls = desk.fake.calls_for("setMyCommands")
    assert {c.params.get("language_code") for c in calls} == {None, "zh", "en"}
    desk.fake.fail_next("setMyCommands", kind="bad_request", times=3)
    await register_commands(desk.app)  # logged, not raised


async def test_an_internal_error_becomes_a_short_apology(desk, monkeypatch, caplog):
    from bot.tenant import intake

    async def broken(turn, dialog):
        raise RuntimeError("bug in a step")

    await desk.command("complain")
    monkeypatch.setattr(intake, "_describe_message", broken)
    await desk.send("漏水")
    assert desk.last() == t(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    assert "bug in a step" not in desk.last()
    assert any(
        record.exc_info and "bug in a step" in str(record.exc_info[1]) for record in caplog.records
    )


async def test_idle_dialog_is_put_aside_by_the_scheduler_with_a_message(desk, clock):
    from bot.delivery import deliver_due
    from scheduler import sweep_all

    await desk.command("complain")
    await desk.send("垃圾桶满了没人清")
    clock.advance(hours=1)
    assert "idle_dialogs" not in (await sweep_all(desk.ctx)).acted
    clock.advance(hours=1, minutes=1)
    assert (await sweep_all(desk.ctx)).acted["idle_dialogs"] == 1
    await deliver_due(desk.ctx, desk.app.bot)
    assert desk.last() == t(
        "Your unfinished case was put aside after a long pause. Send /complain to start again."
    )
    await desk.press(t("That's all"))  # the old button answers politely, nothing is filed
    assert await Case.all().count() == 0
