"""The outbox: messages are enqueued in the caller's transaction; delivery (bot.delivery) claims each row
with a lease before sending it and records how the send went.
"""

from datetime import datetime
from typing import Any, NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from ..models import OutboxMessage


class OutboxKind:
    RECEIPT = "receipt"  # tenant: case number and promised feedback time
    TENANT_UPDATE = "tenant_update"  # tenant: assigned, note, resolved, reopened, invalid, …
    STAFF_CARD = (
        "staff_card"  # staff group: the case card (rendered from the database at send time)
    )
    CARD_REFRESH = "card_refresh"  # staff group: edit the card in place
    CARD_PHOTO = "card_photo"  # staff group: the first photo, under the card, with the count
    MANAGER_ALERT = "manager_alert"  # a manager, privately: major case or escalation to level 3
    ESCALATION = "escalation"  # staff of the new level, privately
    DUTY_ALERT = "duty_alert"  # duty officer, privately: a case arrived outside business hours
    OWNER_BRIEF = "owner_brief"  # the new owner, privately: full phone number and history
    REMINDER = "reminder"  # the owner (or the staff group): a promise is due
    SURVEY = "survey"  # tenant: is it solved? (回访)
    SURVEY_REMINDER = "survey_reminder"  # tenant: the one reminder of an unanswered survey
    FOLLOWUP_CALL = "followup_call"  # staff: call a tenant who has no chat for the follow-up
    REPORT = "report"  # a manager: the monthly report
    SATISFACTION_SURVEY = "satisfaction_survey"  # tenant: the twice-yearly satisfaction question
    DIALOG_EXPIRED = "dialog_expired"  # tenant: an unfinished dialog was put aside


async def enqueue(
    connection: BaseDBAsyncClient,
    *,
    chat_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    return await OutboxMessage.create(
        using_db=connection,
        chat_id=chat_id,
        kind=kind,
        case_id=case_id,
        payload=payload or {},
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )


class Message(NamedTuple):
    """One outbox row to be written; see `enqueue_many`."""

    chat_id: int
    kind: str
    payload: dict[str, Any]
    dedupe_key: str | None = None


async def enqueue_many(
    connection: BaseDBAsyncClient,
    messages: list[Message],
    *,
    now: datetime,
    case_id: int | None = None,
) -> None:
    """Several messages of one event in a single INSERT."""
    if len(messages) == 1:
        chat_id, kind, payload, dedupe_key = messages[0]
        await enqueue(
            connection,
            chat_id=chat_id,
            kind=kind,
            now=now,
            case_id=case_id,
            payload=payload,
            dedupe_key=dedupe_key,
        )
    elif messages:
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    chat_id=m.chat_id,
                    kind=m.kind,
                    case_id=case_id,
                    payload=m.payload,
                    dedupe_key=m.dedupe_key,
                    next_attempt_at=now,
                    created_at=now,
                )
                for m in messages
            ],
            using_db=connection,
        )


async def claim(message_id: int, now: datetime, until: datetime) -> bool:
    """Take an unsent message until `until`, so that two instances never send it twice; False when another
    instance holds it (its claim has not run out)."""
    claimed = (
        await OutboxMessage.filter(id=message_id, sent_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=until)
    )
    return bool(claimed)


async def release(message_id: int) -> None:
    """Give the claim back unsent (no send slot was free): the next round takes the message again."""
    await OutboxMessage.filter(id=message_id).update(claimed_until=None)


async def mark_sent(
    message_id: int, now: datetime, *, telegram_message_id: int | None = None
) -> None:
    await OutboxMessage.filter(id=message_id).update(
        sent_at=now, claimed_until=None, telegram_message_id=telegram_message_id
    )


async def mark_superseded(message_id: int, now: datetime) -> None:
    """A card refresh that a later refresh of the same card makes redundant counts as sent, unsent."""
    await OutboxMessage.filter(id=message_id).update(
        sent_at=now, last_error="superseded by a later refresh"
    )


async def mark_failed(
    message_id: int, now: datetime, error: str, *, attempts: int | None = None
) -> None:
    """Retrying cannot help (or the attempts are used up): the message is given up."""
    values: dict[str, Any] = {"failed_at": now, "claimed_until": None, "last_error": error}
    if attempts is not None:
        values["attempts"] = attempts
    await OutboxMessage.filter(id=message_id).update(**values)


async def retry_at(
    message_id: int, when: datetime, error: str, *, attempts: int | None = None
) -> None:
    """Try the message again from `when`; `attempts` counts the failures that back off."""
    values: dict[str, Any] = {"next_attempt_at": when, "claimed_until": None, "last_error": error}
    if attempts is not None:
        values["attempts"] = attempts
    await OutboxMessage.filter(id=message_id).update(**values)


async def last_message_id(chat_id: int) -> int | None:
    """The highest Telegram message id the outbox sent to this chat (cards are edited by that id), if any."""
    return await (
        OutboxMessage.filter(chat_id=chat_id, telegram_message_id__isnull=False)
        .order_by("-telegram_message_id")
        .first()
        .values_list("telegram_message_id", flat=True)
    )
