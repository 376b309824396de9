"""Personal data of cases closed more than three years ago is removed; statistics stay."""

from datetime import UTC, datetime, timedelta

from backend.domain import Status
from backend.domain.commands import Claim, Close, Resolve
from backend.models import Attachment, Case, Complainant
from backend.services.actors import Actor
from backend.services.drafts import AttachmentDraft
from backend.services.queries import statistics
from backend.services.retention import purge_personal_data
from tests.factories import actor_for, make_staff, tenant_draft


async def closed_case(service, **draft):
    agent = await make_staff()
    case = await service.submit(
        tenant_draft(attachments=[AttachmentDraft("photo")], **draft), Actor.system()
    )
    await service.handle(Claim(ref=case.number), actor_for(agent))
    await service.handle(Resolve(ref=case.number, resolution="已处理"), actor_for(agent))
    await service.handle(Close(ref=case.number, satisfaction=5), Actor.tenant(case.complainant_id))
    return case


async def test_old_closed_cases_lose_personal_data_but_keep_statistics(service, clock, settings):
    old = await closed_case(service, telegram_id=1)
    clock.advance(days=365 * 3 - 1)
    recent = await closed_case(service, telegram_id=2)
    open_case = await service.submit(tenant_draft(telegram_id=1), Actor.system())
    clock.advance(days=2)
    assert await purge_personal_data(clock.now(), settings.policy) == 1
    old, recent, open_case = [await Case.get(id=c.id) for c in (old, recent, open_case)]
    assert (old.contact_name, old.contact_phone, old.unit, old.complainant_id) == ("", "", "", None)
    assert old.anonymized_at == clock.now() and old.building == "3" and old.satisfaction == 5
    assert old.status is Status.CLOSED and old.category == "facility"
    assert await Attachment.filter(case_id=old.id).count() == 0
    assert (
        recent.contact_phone == "+8613812345678"
        and await Attachment.filter(case_id=recent.id).count() == 1
    )
    assert open_case.contact_phone == "+8613812345678"
    assert await Complainant.filter(telegram_id=1).exists()  # still has an open case
    stats = await statistics(
        datetime(2026, 1, 1, tzinfo=UTC), clock.now() + timedelta(days=1), clock.now()
    )
    assert stats["total"] == 3
    assert await purge_personal_data(clock.now(), settings.policy) == 0  # once only


async def test_complainant_without_remaining_cases_is_deleted(service, clock, settings):
    await closed_case(service, telegram_id=9)
    clock.advance(days=365 * 3 + 1)
    await purge_personal_data(clock.now(), settings.policy)
    assert not await Complainant.filter(telegram_id=9).exists()


async def test_inbox_keeps_unprocessed_webhook_updates(service, clock):
    from backend.models import InboxUpdate
    from backend.services.retention import purge_old_inbox

    now = clock.now()
    await InboxUpdate.create(update_id=1, chat_id=5, received_at=now)  # polling: id only
    await InboxUpdate.create(
        update_id=2, chat_id=5, received_at=now, payload={"update_id": 2}, processed_at=now
    )
    await InboxUpdate.create(
        update_id=3, chat_id=5, received_at=now, payload={"update_id": 3}
    )  # still to do
    clock.advance(days=3)
    assert await purge_old_inbox(clock.now()) == 2
    assert [row.update_id for row in await InboxUpdate.all()] == [3]
