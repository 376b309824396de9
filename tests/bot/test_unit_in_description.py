"""A unit the tenant already wrote is offered as a button instead of being asked again."""

import pytest

from backend.models import Case
from tests.bot.conftest import t

ASK_OPEN = "Where is the problem? Please type building-unit-room (for example 3-1-1202) or your shop number."
ASK_FOUND = (
    "Is it at <b>{unit}</b>? Press the button, or type the right building-unit-room or shop number."
)


def plain(html: str) -> str:
    return html.replace("<b>", "").replace("</b>", "")


async def describe(desk, text: str, user=None) -> None:
    await desk.command("complain", user=user)
    await desk.send(text, user=user)
    await desk.press(t("That's all", "en" if user else "zh_CN"), user)
    await desk.press(t("✅ Correct", "en" if user else "zh_CN"), user)


async def finish(desk) -> Case:
    await desk.send("13812345678")
    await desk.press(t("Call me {name}", name="王芳"))
    await desk.press(t("Skip"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))
    return await Case.get()


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("我住3栋1单元602，卫生间天花板一直滴水", "3栋1单元602"),
        ("3-1-602 厨房下水道堵了", "3-1-602"),
        ("我係3座12樓B室，廁所漏水", "3座12樓B室"),
    ],
)
async def test_the_unit_in_the_description_is_one_tap(desk, text, unit):
    await describe(desk, text)
    assert desk.last() == plain(t(ASK_FOUND, unit=unit))
    await desk.press(t("✅ Yes, {unit}", unit=unit))
    case = await finish(desk)
    assert case.unit == unit


async def test_the_tenant_may_type_another_unit_instead(desk):
    await describe(desk, "我住3栋1单元602，楼上漏水到我家")
    await desk.send("3-1-702")
    case = await finish(desk)
    assert case.unit == "3-1-702"


async def test_no_unit_in_the_description_asks_the_open_question(desk):
    await describe(desk, "12楼走廊的灯坏了三天了")
    assert desk.last() == t(ASK_OPEN)


async def test_english_notation(desk):
    anna = desk.fake.add_user("Anna", language_code="en")
    await describe(desk, "Block 3 12/F Flat B, the kitchen tap is leaking", user=anna)
    assert desk.last(anna) == plain(t(ASK_FOUND, "en", unit="Block 3 12/F Flat B"))
    await desk.press("✅ Yes, Block 3 12/F Flat B", anna)
    assert desk.last(anna) == t(
        "Please share your phone number with the button below, or type it.", "en"
    )


async def test_an_emergency_asks_for_the_unit_it_already_has_with_a_button(desk):
    await desk.command("complain")
    await desk.send("2栋1单元301厨房煤气味很重")
    case = await Case.get()
    assert desk.last() == plain(t(ASK_FOUND, unit="2栋1单元301"))
    await desk.press(t("✅ Yes, {unit}", unit="2栋1单元301"))
    await case.refresh_from_db()
    assert case.unit == "2栋1单元301"
