"""A case without a chat (front desk, API) finds its complainant by normalised phone, and repeats count.

docs/domain.md#repeat-complaints-and-other-important-cases.
"""

from backend.domain import Channel, Severity
from backend.models import Complainant, OutboxMessage
from backend.services.actors import Actor
from backend.services.drafts import CaseDraft
from tests.factories import tenant_draft


def call(text: str = "3栋1202卫生间漏水", phone: str = "13812345678", **extra) -> CaseDraft:
    return CaseDraft(description=text, channel=Channel.PHONE, contact_phone=phone, **extra)


async def test_one_complainant_per_phone_however_it_is_typed(service, clock):
    first = await service.submit(call(phone="138 1234 5678", contact_name="李先生"), Actor.system())
    clock.advance(days=1)
    second = await service.submit(call(phone="+86-138-1234-5678", unit="3-1-1202"), Actor.system())
    assert first.complainant_id == second.complainant_id
    caller = await Complainant.get(id=first.complainant_id)
    assert (caller.phone, caller.name, caller.unit, caller.telegram_id) == (
        "+8613812345678",
        "李先生",  # kept: the second call gave no name
        "3-1-1202",  # the latest unit
        None,
    )
    assert await Complainant.all().count() == 1


async def test_a_second_call_in_the_same_category_within_the_window_is_important(service, clock):
    first = await service.submit(call(), Actor.system())
    clock.advance(days=29)
    again = await service.submit(call("厨房水管漏水"), Actor.system())  # no repeat word
    assert (first.severity, again.severity) == (Severity.GENERAL, Severity.IMPORTANT)
    clock.advance(days=31)
    later = await service.submit(call("漏水"), Actor.system())
    assert later.severity is Severity.GENERAL


async def test_another_phone_or_category_is_no_repeat(service, clock):
    await service.submit(call(), Actor.system())
    other_phone = await service.submit(call(phone="13900001111"), Actor.system())
    other_category = await service.submit(call(category="noise"), Actor.system())
    assert other_phone.severity is other_category.severity is Severity.GENERAL
    assert await Complainant.all().count() == 2


async def test_a_telegram_tenants_cases_with_that_phone_count_but_stay_theirs(service, clock):
    chat = await service.submit(tenant_draft(contact_phone="13812345678"), Actor.system())
    clock.advance(days=2)
    desk = await service.submit(call(), Actor.system())
    assert desk.severity is Severity.IMPORTANT
    assert desk.complainant_id != chat.complainant_id  # a typed phone is no proof of who called
    assert not await OutboxMessage.filter(case_id=desk.id, kind="receipt").exists()
    assert await Complainant.filter(phone="+8613812345678").count() == 2
    clock.advance(days=1)
    third = await service.submit(call("还是漏水"), Actor.system())
    assert third.complainant_id == desk.complainant_id


async def test_without_a_phone_a_name_alone_makes_a_new_complainant(service):
    one = await service.submit(CaseDraft(description="漏水", contact_name="王"), Actor.system())
    two = await service.submit(CaseDraft(description="漏水", contact_name="王"), Actor.system())
    assert one.complainant_id != two.complainant_id and two.severity is Severity.GENERAL
    nobody = await service.submit(CaseDraft(description="漏水"), Actor.system())
    assert nobody.complainant_id is None
