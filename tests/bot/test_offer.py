"""Free text outside a dialog is offered for filing, so the tenant never types it twice."""

from backend.domain import Severity
from backend.models import Attachment, Case
from bot.dialogs import load_dialog
from tests.bot.conftest import t

OFFER = "Shall I file this as a new case? You can still add details and photos before it is sent."
MORE = "Noted. Send more if there is more; press “That's all” when you are done."


async def finish(desk, *, photos: bool = False) -> Case:
    await desk.press(t("That's all"))
    await desk.press(t("✅ Correct"))
    await desk.send("3-1-1202")
    await desk.send("13812345678")
    await desk.press(t("Call me {name}", name="王芳"))
    await desk.press(t("Done") if photos else t("Skip"))
    await desk.press(t("Skip"))
    await desk.press(t("✅ Submit"))
    return await Case.get()


async def test_free_text_is_offered_and_becomes_the_description(desk):
    await desk.send("我家卫生间天花板漏水了，怎么办")
    assert desk.last() == t(OFFER) and desk.with_button(t("📝 Yes, file it"))
    await desk.press(t("📝 Yes, file it"))
    assert desk.last() == t(MORE)
    case = await finish(desk)
    assert case.description == "我家卫生间天花板漏水了，怎么办"


async def test_more_text_after_the_offer_is_more_description(desk):
    await desk.send("楼道灯坏了")
    await desk.send("已经三天了，晚上很黑")
    assert desk.last() == t(MORE)
    case = await finish(desk)
    assert case.description == "楼道灯坏了\n已经三天了，晚上很黑"


async def test_declining_files_nothing_and_the_old_button_is_answered(desk):
    await desk.send("物业费怎么交")
    await desk.press(t("No, thanks"))
    assert desk.last() == t("All right, nothing was filed. Send /complain whenever you need us.")
    assert await load_dialog(desk.tenant.id, desk.tenant.id) is None
    await desk.press(t("📝 Yes, file it"))
    assert await Case.all().count() == 0


async def test_a_greeting_gets_the_menu_not_an_offer(desk):
    await desk.send("你好，在吗？")
    assert desk.last() == t(
        "To file a complaint or repair, press the button below or send /complain."
    )
    assert await load_dialog(desk.tenant.id, desk.tenant.id) is None


async def test_an_emergency_outside_a_dialog_is_filed_at_once(desk):
    await desk.send("救命！2栋有人困在电梯里")
    case = await Case.get()
    assert case.severity is Severity.MAJOR and "困在电梯" in case.description
    assert t(OFFER) not in desk.chat().texts()


async def test_a_photo_outside_a_dialog_is_offered_with_the_photo(desk):
    await desk.process(desk.up.photo(desk.tenant, caption="垃圾堆在楼道里没人清"))
    await desk.press(t("📝 Yes, file it"))
    case = await finish(desk, photos=True)
    assert case.description == "垃圾堆在楼道里没人清"
    assert await Attachment.filter(case_id=case.id).count() == 1


async def test_a_sticker_or_an_unknown_command_is_not_offered(desk):
    await desk.process(desk.up.sticker(desk.tenant))
    assert desk.last() == t("Sorry, I did not understand that. Send /help to see what I can do.")
    await desk.command("frobnicate")
    assert desk.last() == t("Sorry, I did not understand that. Send /help to see what I can do.")
