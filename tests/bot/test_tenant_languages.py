"""The tenant is answered in their own language: Telegram's language_code first, then /language."""

import pytest

from backend.models import Case, Complainant
from tests.bot.conftest import t


@pytest.mark.parametrize(
    ("code", "locale"), [("zh-hans", "zh_CN"), ("zh-hant", "zh_TW"), ("en", "en")]
)
async def test_greeting_follows_telegram_language(desk, code, locale):
    person = desk.fake.add_user("Lee", language_code=code)
    await desk.command("start", user=person)
    assert desk.last(person).startswith(t("Hello! This is the property service desk.", locale))
    assert desk.with_button(t("📝 File a complaint or repair", locale), person)


async def test_language_command_switches_and_is_remembered(desk):
    await desk.command("language")
    await desk.press("English")
    assert desk.last() == "Language set to English."
    assert (await Complainant.get(telegram_id=desk.tenant.id)).locale == "en"
    await desk.command("complain")
    assert desk.last().startswith("Please tell us what happened")
    await desk.command("language")
    await desk.press("繁體中文")
    assert desk.last() == t("Language set to English.", "zh_TW")


@pytest.mark.parametrize(
    ("argument", "locale"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("zh", "zh_CN"),
        ("zh-TW", "zh_TW"),
        ("zh_tw", "zh_TW"),
        ("繁体", "zh_TW"),
        ("繁體中文", "zh_TW"),
        ("简体", "zh_CN"),
        ("English", "en"),
        ("zh-Hant", "zh_TW"),
        ("zh-CN", "zh_CN"),
    ],
)
async def test_language_command_takes_its_argument(desk, argument, locale):
    await desk.command("language", argument)
    assert desk.last() == t("Language set to English.", locale)
    assert (await Complainant.get(telegram_id=desk.tenant.id)).locale == locale


@pytest.mark.parametrize("argument", ["klingon", "fr", "zzz 简体", "1"])
async def test_language_command_with_an_unknown_argument_offers_the_choice(desk, argument):
    await desk.command("language", argument)
    assert desk.last() == t("Choose your language:") and desk.with_button("English")
    assert await Complainant.filter(telegram_id=desk.tenant.id).count() == 0


async def test_whole_intake_in_english_with_receipt(desk):
    person = desk.fake.add_user("Anna", language_code="en-GB")
    await desk.command("complain", user=person)
    await desk.send("The corridor light on floor 12 has been off for three days", user=person)
    await desk.press("That's all", person)
    await desk.press("✅ Correct", person)
    await desk.send("Tower B 1201", user=person)
    await desk.send("+852 9123 4567", user=person)
    await desk.send("Anna", user=person)
    await desk.press("Skip", person)
    await desk.press("Skip", person)
    await desk.press("✅ Submit", person)
    case = await Case.get()
    assert case.locale == "en" and case.contact_phone == "+85291234567"
    assert desk.last(person).startswith(f"✅ Received. Your case number is {case.number}.")
