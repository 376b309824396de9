"""The services the bot writes through: inbox and outbox claims, held updates, a tenant's language."""

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from backend.domain.messages import Receipt, TenantUpdate
from backend.models import Complainant, InboxUpdate, OutboxMessage
from backend.services import complainants, inbox, outbox
from backend.services.outbox import OutboxKind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=15)


async def test_an_update_is_claimed_by_one_instance_until_its_claim_runs_out(database_url):
    assert await inbox.record_seen(7, 42, T0) is not None
    assert await inbox.record_seen(7, 42, T0) is None  # a redelivery
    assert await inbox.claim(7, T0, T0 + LEASE)
    assert not await inbox.claim(7, T0 + timedelta(seconds=5), T0 + LEASE)  # held by the first
    await inbox.extend_claim(7, T0 + 2 * LEASE)
    assert not await inbox.claim(7, T0 + LEASE + timedelta(seconds=1), T0 + 3 * LEASE)
    assert await inbox.claim(7, T0 + 2 * LEASE + timedelta(seconds=1), T0 + 3 * LEASE)  # abandoned
    await inbox.mark_processed(7, T0 + 2 * LEASE)
    row = await InboxUpdate.get(update_id=7)
    assert row.processed_at == T0 + 2 * LEASE and row.claimed_until is None
    assert not await inbox.claim(7, T0 + 10 * LEASE, T0 + 11 * LEASE)  # done: nobody takes it again
    await inbox.extend_claim(
        7, T0 + 12 * LEASE
    )  # a late keep-alive does not claim a finished update
    assert (await InboxUpdate.get(update_id=7)).claimed_until is None


async def test_a_held_update_keeps_its_payload_and_is_given_back_unprocessed(database_url):
    payload = {"update_id": 8, "message": {"chat": {"id": 42}, "text": "hi"}}
    await inbox.record_seen(8, 42, T0)
    assert await inbox.claim(8, T0, T0 + LEASE)
    await inbox.hold(8, T0 + timedelta(minutes=1), payload)
    await inbox.release_claim(8)
    row = await InboxUpdate.get(update_id=8)
    assert (row.held_until, row.payload, row.claimed_until, row.processed_at) == (
        T0 + timedelta(minutes=1),
        payload,
        None,
        None,
    )
    assert await inbox.claim(8, T0 + timedelta(seconds=1), T0 + LEASE)


async def _queued() -> OutboxMessage:
    async with in_transaction() as conn:
        return await outbox.enqueue(conn, chat_id=42, payload=Receipt(number="QC-1"), now=T0)


async def test_a_typed_payload_is_stored_as_json_under_its_kind(database_url):
    expected = T0 + timedelta(days=3)
    update = TenantUpdate(number="QC-1", event="claim", owner="小李", expected=expected)
    async with in_transaction() as conn:
        row = await outbox.enqueue(conn, chat_id=42, payload=update, now=T0)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.kind == OutboxKind.TENANT_UPDATE
    assert stored.payload == {
        "number": "QC-1",
        "event": "claim",
        "note": "",
        "owner": "小李",
        "expected": expected.isoformat(),
    }
    assert TenantUpdate.from_json(stored.payload) == update


async def test_a_plain_payload_is_checked_against_its_kind(database_url):
    async with in_transaction() as conn:
        with pytest.raises(TypeError):  # a report must say which month
            await outbox.enqueue(conn, chat_id=42, kind=OutboxKind.REPORT, payload={}, now=T0)
        with pytest.raises(ValueError):
            await outbox.enqueue(conn, chat_id=42, kind="letter", payload={}, now=T0)
        with pytest.raises(ValueError):
            await outbox.enqueue(
                conn, chat_id=42, kind=OutboxKind.SURVEY, payload=Receipt(number="QC-1"), now=T0
            )
        row = await outbox.enqueue(
            conn, chat_id=42, kind=OutboxKind.DIALOG_EXPIRED, payload={"locale": "en"}, now=T0
        )
    assert row.payload == {"locale": "en"}


async def test_an_outbox_message_is_claimed_once_and_not_after_it_was_sent(database_url):
    message = await _queued()
    assert await outbox.claim([message.id], T0, T0 + LEASE) == {message.id}
    assert await outbox.claim([message.id], T0, T0 + LEASE) == set()
    await outbox.release([message.id])  # no send slot was free
    assert await outbox.claim([message.id], T0, T0 + LEASE) == {message.id}
    await outbox.mark_sent(message.id, T0, telegram_message_id=99)
    row = await OutboxMessage.get(id=message.id)
    assert (row.sent_at, row.claimed_until, row.telegram_message_id) == (T0, None, 99)
    assert await outbox.claim([message.id], T0 + 10 * LEASE, T0 + 11 * LEASE) == set()


async def test_one_claim_takes_the_free_messages_of_a_round_and_leaves_the_held_ones(database_url):
    held, free, sent, expired = [await _queued() for _ in range(4)]
    assert await outbox.claim([held.id, expired.id], T0, T0 + LEASE) == {held.id, expired.id}
    await outbox.mark_sent(sent.id, T0)
    later = T0 + LEASE / 2
    await OutboxMessage.filter(id=expired.id).update(claimed_until=later - timedelta(seconds=1))
    everything = [held.id, free.id, sent.id, expired.id]
    assert await outbox.claim(everything, later, later + LEASE) == {free.id, expired.id}
    row = await OutboxMessage.get(id=held.id)
    assert row.claimed_until == T0 + LEASE  # the other claim is left as it was
    await outbox.release([free.id, expired.id])
    assert await outbox.claim(everything, later, later + LEASE) == {free.id, expired.id}
    assert await outbox.claim([], later, later + LEASE) == set()


async def test_waiting_messages_are_read_in_order_with_a_batch_for_private_chats_and_one_for_groups(
    database_url,
):
    async with in_transaction() as conn:
        queued = [
            await outbox.enqueue(conn, chat_id=chat, payload=Receipt(number=f"QC-{i}"), now=T0)
            for i, chat in enumerate([42, -100, 43, -100, 44, -100, 45])
        ]
    await outbox.mark_sent(queued[0].id, T0)
    await outbox.mark_failed(queued[1].id, T0, "blocked")
    waiting = await outbox.waiting(2)
    assert [m.id for m in waiting] == [queued[i].id for i in (2, 3, 4, 5)]
    first = waiting[0]
    assert (first.chat_id, first.next_attempt_at, first.claimed_until) == (43, T0, None)
    assert first.payload == Receipt(number="QC-2").to_json()


async def test_outbox_outcomes_record_attempts_and_errors(database_url):
    retried, failed, superseded = await _queued(), await _queued(), await _queued()
    await outbox.claim([retried.id], T0, T0 + LEASE)
    await outbox.retry_at(retried.id, T0 + timedelta(seconds=10), "timed out", attempts=1)
    await outbox.mark_failed(failed.id, T0, "blocked")
    await outbox.mark_superseded(superseded.id, T0)
    retried, failed, superseded = [
        await OutboxMessage.get(id=m.id) for m in (retried, failed, superseded)
    ]
    assert (retried.next_attempt_at, retried.attempts, retried.last_error) == (
        T0 + timedelta(seconds=10),
        1,
        "timed out",
    )
    assert retried.claimed_until is None and retried.failed_at is None
    assert (failed.failed_at, failed.attempts, failed.last_error) == (T0, 0, "blocked")
    assert superseded.sent_at == T0 and superseded.last_error == "superseded by a later refresh"


async def test_a_chosen_language_is_kept_for_a_new_and_a_known_person(database_url):
    await complainants.set_language(5, "en", T0)
    await complainants.set_language(5, "zh_TW", T0 + timedelta(days=1))
    person = await Complainant.get(telegram_id=5)
    assert (person.locale, person.created_at, person.updated_at) == (
        "zh_TW",
        T0,
        T0 + timedelta(days=1),
    )
