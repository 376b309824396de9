"""A tenant sending faster than the flood limit: nothing is dropped, an emergency never waits."""

from dataclasses import replace

import pytest

from backend.domain import Severity
from backend.models import Case, InboxUpdate
from bot.dialogs import load_dialog
from bot.webhook import process_inbox
from tests.bot.conftest import t
from tests.bot.test_webhook import hooked, post  # noqa: F401 (fixture)

KEPT = "You are sending messages very quickly. I have kept everything you sent and will answer it in about a minute."


def limit(desk, value: int) -> None:
    desk.ctx.settings = replace(desk.ctx.settings, flood_limit=value)
    desk.ctx.cases.settings = desk.ctx.settings


async def parts(desk) -> list[str]:
    return (await load_dialog(desk.tenant.id, desk.tenant.id)).draft.parts


async def test_messages_over_the_limit_are_kept_and_answered_a_minute_later_in_order(desk, clock):
    limit(desk, 5)
    await desk.command("complain")
    for n in range(1, 7):
        await desk.send(f"第{n}条")
    kept = t(KEPT) + "\n" + t("In an emergency call the duty phone: {phone}", phone="400-800-1234")
    assert desk.chat().texts().count(kept) == 1 and desk.last() == kept
    assert await parts(desk) == ["第1条", "第2条", "第3条", "第4条"]
    assert await process_inbox(desk.ctx, desk.app) == 0  # not before the minute is over
    clock.advance(seconds=61)
    assert await process_inbox(desk.ctx, desk.app) == 2
    assert await parts(desk) == [f"第{n}条" for n in range(1, 7)]
    assert desk.last() == t(
        "Noted. Send more if there is more; press “That's all” when you are done."
    )
    assert await InboxUpdate.filter(held_until__isnull=False, processed_at=None).count() == 0


async def test_a_message_answered_now_lets_the_held_ones_go_first(desk, clock):
    limit(desk, 5)
    await desk.command("complain")
    for n in range(1, 7):
        await desk.send(f"第{n}条")
        clock.advance(seconds=1)
    clock.advance(seconds=55)  # the window has moved on; the held two are not due yet
    await desk.send("第7条")
    assert await parts(desk) == [f"第{n}条" for n in range(1, 8)]
    assert await process_inbox(desk.ctx, desk.app) == 0


async def test_sixty_messages_in_a_minute_with_an_emergency(desk, clock):
    """Default limit (30 a minute): every message is handled now or a minute later, the emergency at
    once, and the tenant is told about the pause once."""
    await desk.command("complain")
    for n in range(1, 60):
        clock.advance(seconds=1)
        if n == 40:
            await desk.send("救命！我被困在电梯里了，2栋")
            case = (
                await Case.get()
            )  # filed at once, though 39 messages of this minute came before it
            assert case.severity is Severity.MAJOR and case.received_at == clock.now()
            # held description parts went first, so the case has the whole story
            assert "第39条" in case.description and "第30条" in case.description
            continue
        await desk.send(f"第{n}条 楼道里的灯一直闪")
    assert (
        desk.chat()
        .texts()
        .count(
            t(KEPT) + "\n" + t("In an emergency call the duty phone: {phone}", phone="400-800-1234")
        )
        == 1
    )
    waiting = await InboxUpdate.filter(held_until__isnull=False, processed_at=None).count()
    assert waiting == 19  # the emergency's predecessors went first; the 19 after it wait
    answers = len(desk.chat().bot_messages())
    clock.advance(seconds=61)
    assert await process_inbox(desk.ctx, desk.app) == waiting
    assert await InboxUpdate.filter(held_until__isnull=False, processed_at=None).count() == 0
    assert len(desk.chat().bot_messages()) >= answers + waiting  # each of them answered
    assert await Case.all().count() == 1


@pytest.mark.parametrize("held", [False, True])
async def test_webhook_updates_are_held_and_released_by_the_inbox(hooked, clock, held):  # noqa: F811
    limit(hooked, 2)
    await post(hooked, hooked.up.command(hooked.tenant, "complain"))
    for n in range(1, 4):
        await post(
            hooked, hooked.up.text(hooked.tenant, f"第{n}条" if held or n < 3 else "家里煤气味很重")
        )
    assert await process_inbox(hooked.ctx, hooked.app) == 4
    if held:
        assert await parts(hooked) == ["第1条"]
        clock.advance(seconds=61)
        assert await process_inbox(hooked.ctx, hooked.app) == 2
        assert await parts(hooked) == ["第1条", "第2条", "第3条"]
    else:  # the emergency goes through at once, the message held before it first
        case = await Case.get()
        assert (
            case.severity is Severity.MAJOR and case.description == "第1条\n第2条\n家里煤气味很重"
        )
    assert await InboxUpdate.filter(processed_at=None).count() == 0
