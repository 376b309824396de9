"""The one safety question when triage is unsure, and advice that fits the emergency.

A stub classifier decides which texts are plain emergencies and which only suggest one, so these tests do
not depend on the real triage rules; they drive the real Application through the fake Bot API.
"""

from datetime import UTC, datetime

import pytest

import nlp
from backend.domain import Role, Severity
from backend.i18n import SUPPORTED
from backend.logs import set_update
from backend.models import Attachment, Case, InboxUpdate, OutboxMessage
from bot.dialogs import load_dialog, save_dialog
from bot.tenant import safety
from tests.bot.conftest import t
from tests.factories import make_staff

STALE = "This button is no longer active. Please use the latest message."
NOTED = "Noted. Send more if there is more; press “That's all” when you are done."
# What the tenant writes when triage is unsure, per safety check and language.
WEAK = {
    "lift_trapped": {
        "zh_CN": "3栋电梯停在半路不动了",
        "zh_TW": "3棟電梯停在半路不動了",
        "en": "The lift in block 3 stopped between floors",
    },
    "fire": {
        "zh_CN": "楼道里有烟味",
        "zh_TW": "樓道裡有煙味",
        "en": "I smell smoke in the corridor",
    },
    "gas": {
        "zh_CN": "好像有煤气味",
        "zh_TW": "好像有瓦斯味",
        "en": "I think I smell gas in the kitchen",
    },
    "flood": {
        "zh_CN": "地上好多水",
        "zh_TW": "地上好多水",
        "en": "There is a lot of water on the floor",
    },
    # no rule reads an emergency here; the severity model does (nlp: danger_threshold)
    "danger": {
        "zh_CN": "有个老人在小区门口坐着，脸色发紫，说话说不清",
        "zh_TW": "有個阿伯喺大堂坐住，塊面發紫，講嘢講唔清楚",
        "en": "someone is trying to force open the door of 1203 right now",
    },
}
# Plainly an emergency: filed at once with these triggers.
PLAIN = {
    "着火了": ("fire",),
    "冒浓烟": ("smoke",),
    "爆炸声": ("explosion",),
    "煤气泄漏": ("gas",),
    "被困在电梯里": ("lift_trapped",),
    "水管爆了": ("flood",),
    "全楼停电": ("power_cut",),
    "水管爆了还有煤气味": ("flood", "gas"),
    "电梯里困着人还冒烟": ("lift_trapped", "smoke"),
}
LANGUAGE_CODE = {"zh_CN": "zh-hans", "zh_TW": "zh-hant", "en": "en"}


def result(
    severity: str = "general", *, check: str = "", triggers: tuple[str, ...] = ()
) -> nlp.Triage:
    return nlp.Triage(
        kind="repair",
        category="facility",
        severity=severity,
        confidence=0.8,
        alternatives=("environment",),
        emergency=bool(triggers),
        triggers=triggers,
        safety_check=check,
    )


class Stub:
    """Triage by table: the longest plain-emergency phrase found wins, then a weak sign, else a general repair."""

    def __call__(self, text: str) -> nlp.Triage:
        for phrase in sorted(PLAIN, key=len, reverse=True):
            if phrase in text:
                return result("major", triggers=PLAIN[phrase])
        for check, texts in WEAK.items():
            if any(sample in text for sample in texts.values()):
                return result("important", check=check)
        return result()


@pytest.fixture
def triager():
    return Stub()


@pytest.fixture
async def manager(desk):
    user = desk.fake.add_user("钱经理", language_code="zh-hans")
    return await make_staff(Role.MANAGER, name="钱经理", telegram_id=user.id)


@pytest.fixture
async def duty(desk, clock):
    """Night time, with an officer on duty: every new case also goes to them."""
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    user = desk.fake.add_user("值班周工", language_code="zh-hans")
    return await make_staff(Role.SUPERVISOR, name="周工", telegram_id=user.id, on_duty=True)


def tenant(desk, locale: str):
    return (
        desk.tenant
        if locale == "zh_CN"
        else desk.fake.add_user("Lee", language_code=LANGUAGE_CODE[locale])
    )


async def ask(desk, check: str, locale: str = "zh_CN", person=None) -> None:
    person = person or desk.tenant
    await desk.command("complain", user=person)
    await desk.send(WEAK[check][locale], user=person)


def question(check: str, locale: str = "zh_CN") -> str:
    return t(safety.QUESTIONS[check], locale)


async def outbox_kinds(case: Case) -> set[str]:
    return {m.kind for m in await OutboxMessage.filter(case_id=case.id)}


async def answer_of(desk, update) -> dict:
    await desk.process(update)
    return desk.fake.callback_queries[update.callback_query.id].answer or {}


# ---- the question --------------------------------------------------------------------------------


@pytest.mark.parametrize("check", nlp.SAFETY_CHECKS)
async def test_a_weak_sign_gets_one_yes_no_question_before_anything_else(desk, check):
    await ask(desk, check)
    message = desk.chat().last()
    assert question(check) in message.content
    assert [label for row in message.buttons for label, _ in row] == [t("Yes"), t("No")]
    assert all(len(data.encode()) <= 64 for row in message.buttons for _, data in row)
    assert await Case.all().count() == 0


@pytest.mark.parametrize("check", nlp.SAFETY_CHECKS)
async def test_yes_takes_the_emergency_path_at_once(desk, manager, check):
    await ask(desk, check)
    await desk.press(t("Yes"))
    case = await Case.get()
    assert case.severity is Severity.MAJOR and case.description == WEAK[check]["zh_CN"]
    assert case.triage["triggers"] == [safety.TRIGGER[check]] and case.triage["emergency"] is True
    assert {"receipt", "staff_card", "manager_alert"} <= await outbox_kinds(case)
    texts = desk.chat().texts()
    advice = next(
        i for i, text in enumerate(texts) if text.startswith(t(safety.advice_for([check])))
    )
    assert t("Property duty phone: {phone}", phone="400-800-1234") in texts[advice]
    assert advice < next(i for i, text in enumerate(texts) if case.number in text)  # advice first
    assert desk.last() == t(
        "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
    )


@pytest.mark.parametrize("check", nlp.SAFETY_CHECKS)
async def test_no_goes_on_with_the_usual_intake_and_is_not_asked_again(desk, check):
    await ask(desk, check)
    await desk.press(t("No"))
    assert desk.last() == t(NOTED)
    await desk.send("从刚才开始的")  # the same weak sign is still in the text: not asked again
    assert desk.last() == t(NOTED)
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("3-1-1202")
    await desk.send("13812345678")
    await desk.send("王芳")
    await desk.press(t("Skip"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))
    case = await Case.get()
    assert case.severity is Severity.IMPORTANT and case.triage["safety_check"] == check
    assert "manager_alert" not in await outbox_kinds(case)
    assert not any(question(check) in text for text in desk.chat().texts()[3:])


# ---- in every language, with the duty officer ------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "check"), [("zh_CN", "fire"), ("zh_TW", "lift_trapped"), ("en", "gas")]
)
async def test_yes_in_each_language_alerts_the_duty_officer(desk, manager, duty, locale, check):
    person = tenant(desk, locale)
    await ask(desk, check, locale, person)
    assert question(check, locale) in desk.last(person)
    await desk.press(t("Yes", locale), person)
    case = await Case.get()
    assert case.severity is Severity.MAJOR and case.off_hours and case.locale == locale
    duty_alert = await OutboxMessage.get(kind="duty_alert", case_id=case.id)
    assert duty_alert.chat_id == duty.telegram_id
    assert {"manager_alert", "staff_card", "receipt"} <= await outbox_kinds(case)
    assert any(
        text.startswith(t(safety.advice_for([check]), locale)) for text in desk.chat(person).texts()
    )


@pytest.mark.parametrize(
    ("locale", "check"), [("zh_CN", "flood"), ("zh_TW", "gas"), ("en", "lift_trapped")]
)
async def test_no_in_each_language_continues_the_intake(desk, duty, locale, check):
    person = tenant(desk, locale)
    await ask(desk, check, locale, person)
    await desk.press(t("No", locale), person)
    assert desk.last(person) == t(NOTED, locale)
    await desk.press(t("That's all", locale), person)
    assert desk.with_button(t("✅ Correct", locale), person)
    assert await Case.all().count() == 0
    assert not await OutboxMessage.filter(kind="duty_alert").exists()


async def test_a_plain_emergency_and_a_yes_alert_the_same_people(desk, manager, duty):
    await desk.command("complain")
    await desk.send("厨房煤气泄漏")
    plain = await Case.get()
    other = desk.fake.add_user("李")
    await ask(desk, "gas", person=other)
    await desk.press(t("Yes"), other)
    confirmed = await Case.exclude(id=plain.id).get()
    assert await outbox_kinds(plain) == await outbox_kinds(confirmed)
    assert "duty_alert" in await outbox_kinds(confirmed)


# ---- typed answers and other input ---------------------------------------------------------------


@pytest.mark.parametrize("word", ["是", "有", "对", "yes", "係", "有啊", "Yes!", "是的。", "對"])
async def test_a_typed_yes_is_a_yes(desk, word):
    await ask(desk, "lift_trapped")
    await desk.send(word)
    case = await Case.get()
    assert case.severity is Severity.MAJOR and word not in case.description


@pytest.mark.parametrize("word", ["没有", "不是", "no", "冇", "唔係", "No.", "沒有", "否"])
async def test_a_typed_no_is_a_no(desk, word):
    await ask(desk, "flood")
    await desk.send(word)
    assert desk.last() == t(NOTED)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.parts == [
        WEAK["flood"]["zh_CN"]
    ]
    assert await Case.all().count() == 0


async def test_other_text_is_more_description_and_the_question_stays_open(desk):
    await ask(desk, "fire")
    await desk.send("在5楼东边")
    assert t("Noted. Please answer this question first:") in desk.last()
    assert question("fire") in desk.last()
    await desk.process(desk.up.photo(desk.tenant))  # a photo too
    assert question("fire") in desk.last()
    await desk.process(
        desk.up.callback(desk.tenant, desk.chat().last(), "i:done")
    )  # an older “That's all”
    assert question("fire") in desk.last()
    await desk.send("有")
    case = await Case.get()
    assert case.description == "楼道里有烟味\n在5楼东边" and case.severity is Severity.MAJOR
    assert await Attachment.filter(case_id=case.id).count() == 1


async def test_more_text_that_is_plainly_an_emergency_is_filed_at_once(desk):
    await ask(desk, "fire")
    await desk.send("着火了！")
    case = await Case.get()
    assert case.severity is Severity.MAJOR and case.triage["triggers"] == ["fire"]
    await desk.process(
        desk.up.press(desk.tenant, desk.with_button(t("Yes")), t("Yes"))
    )  # the old question
    assert await Case.all().count() == 1


# ---- stale buttons, restarts, crashes ------------------------------------------------------------


async def test_stale_buttons_get_a_polite_answer_and_change_nothing(desk):
    await ask(desk, "gas")
    asked = desk.with_button(t("Yes"))
    await desk.press(t("No"))
    answer = await answer_of(desk, desk.up.press(desk.tenant, asked, t("Yes")))
    assert answer.get("text") == t(STALE)
    assert desk.last() == t(NOTED) and await Case.all().count() == 0
    # A button of an earlier dialog does not answer the same question in a new one.
    await desk.command("cancel")
    await ask(desk, "gas")
    answer = await answer_of(desk, desk.up.press(desk.tenant, asked, t("Yes")))
    assert answer.get("text") == t(STALE) and await Case.all().count() == 0
    await desk.press(t("Yes"))
    assert await Case.all().count() == 1
    # After the case was filed, the buttons of the question are stale too; after the dialog, finished.
    answer = await answer_of(desk, desk.up.press(desk.tenant, desk.with_button(t("No")), t("No")))
    assert answer.get("text") == t(STALE)
    await desk.command("cancel")
    answer = await answer_of(desk, desk.up.press(desk.tenant, desk.with_button(t("No")), t("No")))
    assert answer.get("text") == t("This button belongs to a finished conversation.")
    assert (await Case.get()).severity is Severity.MAJOR


async def test_forged_safety_buttons_change_nothing(desk):
    await ask(desk, "flood")
    message = desk.with_button(t("Yes"))
    key = (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.key[:8]
    for data in (
        "i:safe",
        "i:safe:y",
        f"i:safe:y:fire:{key}",
        f"i:safe:x:flood:{key}",
        "i:safe:y:flood:0000",
    ):
        answer = await answer_of(desk, desk.up.callback(desk.tenant, message, data))
        assert answer.get("text") == t(STALE), data
    assert await Case.all().count() == 0
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.safety_question == "flood"


async def test_the_open_question_survives_a_restart(desk):
    await ask(desk, "lift_trapped")
    await desk.restart()
    await desk.press(t("Yes"))
    assert (await Case.get()).severity is Severity.MAJOR


async def forget(update) -> None:
    """As if the instance died after saving the dialog but before marking the update done."""
    await InboxUpdate.filter(update_id=update.update_id).delete()


async def test_a_crash_after_the_question_was_saved_asks_it_again_once(desk):
    await desk.command("complain")
    part = desk.up.text(desk.tenant, WEAK["fire"]["zh_CN"])
    await desk.process(part)
    await forget(part)
    await desk.process(desk.up.redeliver(part))
    assert question("fire") in desk.last()
    dialog = await load_dialog(desk.tenant.id, desk.tenant.id)
    assert dialog.draft.parts == [WEAK["fire"]["zh_CN"]] and dialog.draft.safety_question == "fire"


async def test_a_crash_after_no_does_not_ask_again(desk):
    await ask(desk, "flood")
    press = desk.up.press(desk.tenant, desk.with_button(t("No")), t("No"))
    await desk.process(press)
    await forget(press)
    await desk.process(desk.up.redeliver(press))
    assert desk.last() == t(NOTED)
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.safety_answered == ["flood"]


async def test_a_crash_between_filing_and_saving_files_one_case(desk, clock):
    await ask(desk, "gas")
    before = await load_dialog(desk.tenant.id, desk.tenant.id)
    yes = desk.up.text(desk.tenant, "是")
    await desk.process(yes)
    set_update(None)
    await save_dialog(before, clock.now())  # the dialog's save never happened
    await forget(yes)
    await desk.process(desk.up.redeliver(yes))
    assert await Case.all().count() == 1
    assert await OutboxMessage.filter(kind="receipt").count() == 1
    assert (await load_dialog(desk.tenant.id, desk.tenant.id)).state == "unit"


# ---- advice that fits the emergency --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "advice_trigger"),
    [
        ("着火了", "fire"),
        ("冒浓烟", "fire"),
        ("爆炸声", "fire"),
        ("煤气泄漏", "gas"),
        ("被困在电梯里", "lift_trapped"),
        ("水管爆了", "flood"),
        ("全楼停电", None),
        ("水管爆了还有煤气味", "gas"),
        ("电梯里困着人还冒烟", "fire"),
    ],
)
async def test_a_plain_emergency_gets_advice_that_fits_before_the_case_number(
    desk, text, advice_trigger
):
    await desk.command("complain")
    await desk.send(text)
    case = await Case.get()
    advice = safety.advice_for([advice_trigger]) if advice_trigger else safety.GENERIC_ADVICE
    texts = desk.chat().texts()
    first = next(i for i, said in enumerate(texts) if said.startswith(t(advice)))
    assert first < next(i for i, said in enumerate(texts) if case.number in said)
    assert case.severity is Severity.MAJOR and case.triage["triggers"] == list(PLAIN[text])
    assert not any(question(check) in said for check in safety.QUESTIONS for said in texts)


@pytest.mark.parametrize(
    ("triggers", "advice"),
    [
        (("fire",), 0),
        (("explosion",), 0),
        (("smoke",), 0),
        (("gas",), 1),
        (("lift_trapped",), 2),
        (("flood",), 3),
        (("flood", "fire"), 0),
        (("lift_trapped", "gas"), 1),
        (("injury", "flood"), 3),
    ],
)
def test_advice_is_chosen_in_order_of_danger(triggers, advice):
    assert safety.advice_for(triggers) == safety.ADVICE[advice][1]


@pytest.mark.parametrize("triggers", [(), ("power_cut",), ("crime",), ("injury",), ("structural",)])
def test_other_emergencies_keep_the_generic_text(triggers):
    assert safety.advice_for(triggers) == safety.GENERIC_ADVICE


def test_the_questions_match_triage_and_every_message_fits_telegram():
    assert set(safety.QUESTIONS) == set(safety.TRIGGER) == set(nlp.SAFETY_CHECKS)
    duty = "400-800-1234"
    for locale in SUPPORTED:
        for advice in [safety.GENERIC_ADVICE, *(text for _, text in safety.ADVICE)]:
            reply = t(advice, locale) + "\n" + t("Property duty phone: {phone}", locale, phone=duty)
            assert len(reply) < 4096
            assert locale == "en" or t(advice, locale) != advice


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("是", True),
        (" 有啊！", True),
        ("YES", True),
        ("係呀", True),
        ("y", True),
        ("没有", False),
        ("冇", False),
        ("唔係。", False),
        ("NO", False),
        ("不是", False),
        ("有人在里面吗", None),
        ("", None),
        ("不知道", None),
        ("yes please come", None),
    ],
)
def test_typed_answers(text, answer):
    assert safety.typed_answer(text) is answer


# ---- with the real classifier ------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW", "en"])
@pytest.mark.parametrize("check", nlp.SAFETY_CHECKS)
async def test_the_real_triage_asks_these_questions(settings, clock, check, locale):
    """The stub above stands in for nlp: here the real classifier must ask the same question of the
    same weak signs, in each language, and a yes files the emergency."""
    from dataclasses import replace

    from backend.context import AppContext
    from bot.fake_telegram import FakeBotApi
    from tests.bot.conftest import Desk

    fake = FakeBotApi()
    ctx = AppContext.build(replace(settings, bot_token=fake.token), clock, classify=nlp.classify)
    async with Desk(ctx, fake) as desk:
        person = tenant(desk, locale)
        await ask(desk, check, locale, person)
        assert question(check, locale) in desk.last(person)
        await desk.press(t("Yes", locale), person)
        case = await Case.get()
        assert case.severity is Severity.MAJOR and case.triage["triggers"] == [
            safety.TRIGGER[check]
        ]
